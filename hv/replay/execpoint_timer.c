/* The preemption-timer arithmetic of the emulator backend (pure, host-tested). */
#include "hv/replay/execpoint.h"

uint32_t execpoint_timer_value(uint64_t count, uint64_t target, uint32_t slice)
{
	if (slice == 0)
		slice = 1;
	if (target == 0)
		return slice;
	if (target <= count)
		return 2; /* one exiting (uncounted) instruction may still match */
	uint64_t left = target - count; /* + 1 would wrap for target UINT64_MAX, count 0 */
	return left < slice ? (uint32_t)(left + 1) : slice;
}

uint64_t execpoint_timer_consumed(uint32_t loaded, uint32_t saved)
{
	/* The entry itself costs one tick whenever the timer starts at 1 or more. */
	if (loaded == 0 || saved >= loaded)
		return 0;
	return (uint64_t)(loaded - saved - 1);
}
