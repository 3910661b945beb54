/*
 * Bookkeeping shared by descriptor-ring NICs, as pure functions: index
 * arithmetic on a ring of n slots, and the "stuck ring" rule the drivers
 * use to decide that the hardware stopped making progress.
 */
#ifndef FTV_DRIVERS_DESC_RING_H
#define FTV_DRIVERS_DESC_RING_H

#include <stdint.h>

uint32_t ring_next(uint32_t i, uint32_t n);

/* Slots from `from` up to (not including) `to`, going forward. */
uint32_t ring_distance(uint32_t from, uint32_t to, uint32_t n);

/* A ring is stuck when work has been waiting on the hardware with no
 * progress since last_progress_us for longer than limit_us. The caller
 * moves last_progress_us to now whenever nothing waits or the ring moved. */
int ring_stuck(int waiting, uint64_t last_progress_us, uint64_t now_us, uint64_t limit_us);

#endif
