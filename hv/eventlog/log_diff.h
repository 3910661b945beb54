/*
 * Comparing two record logs event by event (`ftvlog diff`, tools/ftvlog.c).
 * Pure.
 */
#ifndef FTV_LOG_DIFF_H
#define FTV_LOG_DIFF_H

#include <stddef.h>

#include "hv/eventlog/event.h"

/* Whether two events agree in every field, the whole point included. */
int ev_equal(const struct ev *a, const struct ev *b);

/* The index of the first event where a[0..na) and b[0..nb) differ, or the
 * shorter length when one is a prefix of the other (na == nb: the same). */
size_t log_first_difference(const struct ev *a, size_t na, const struct ev *b, size_t nb);

#endif
