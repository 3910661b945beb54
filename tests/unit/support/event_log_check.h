/*
 * Checks shared by the tests of hv/event_log.c: reading events back against
 * what was appended, the ring's invariants over every held batch, and
 * freeing a log (the hypervisor never frees one).
 */
#ifndef FTV_TEST_EVENT_LOG_CHECK_H
#define FTV_TEST_EVENT_LOG_CHECK_H

#include <stddef.h>

#include "hv/eventlog/event_log.h"

/* Reads from the current position to the end (or a bad batch): checks each
 * event against want[its index] and returns how many came out. */
size_t read_all(struct event_log *l, const struct ev *want, size_t nwant);
/* Every held batch decodes as itself, lies whole inside the buffer, follows
 * the one before it (the next lap's start only if it did not fit before
 * the end), and they all lie in [tail, head), at most cap bytes. Returns
 * the number of events they hold. */
uint64_t check_held_batches(const struct event_log *l);
void free_log(struct event_log *l);

#endif
