/*
 * Reproducible random events for the log tests (test_log_codec.c,
 * test_event_log.c): every type, every field in use, values of every width
 * so that varints of every length appear, and the check that two events
 * are the same.
 */
#ifndef FTV_TEST_RANDOM_EVENT_H
#define FTV_TEST_RANDOM_EVENT_H

#include <stdint.h>

#include "hv/eventlog/event.h"

/* splitmix64: any seed, zero included, gives a good stream. */
uint64_t rng_next(uint64_t *s);
/* A value whose magnitude is spread over all bit widths. */
uint64_t rng_sized(uint64_t *s);
/* A valid event of 'type' at or after 'count', near 'rip' most times;
 * at.rcx is set for EV_INTR only (the only type that stores it). */
struct ev random_event(uint64_t *s, unsigned type, uint64_t count, uint64_t rip);
/* The next event of a random stream, of any type: one that may follow
 * *last in a log, which it then becomes (start from a zeroed event). */
struct ev random_next_event(uint64_t *s, struct ev *last);
/* Fails the cmocka test, naming both events, unless they are the same. */
void assert_ev_equal(const struct ev *want, const struct ev *got, uint64_t index);

#endif
