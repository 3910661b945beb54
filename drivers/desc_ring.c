#include "drivers/desc_ring.h"

uint32_t ring_next(uint32_t i, uint32_t n)
{
	return i + 1 == n ? 0 : i + 1;
}

uint32_t ring_distance(uint32_t from, uint32_t to, uint32_t n)
{
	return to >= from ? to - from : n - from + to;
}

int ring_stuck(int waiting, uint64_t last_progress_us, uint64_t now_us, uint64_t limit_us)
{
	/* A clock read before last_progress_us was taken is not a stall. */
	return waiting && now_us > last_progress_us && now_us - last_progress_us > limit_us;
}
