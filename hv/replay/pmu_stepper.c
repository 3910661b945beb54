#include "hv/replay/pmu_stepper.h"

void pmu_stepper_start(struct pmu_stepper *s, const struct exec_point *target,
		       const struct pmu_stepper_limits *lim)
{
	struct pmu_stepper fresh = { 0 };
	fresh.target = *target;
	fresh.lim = *lim;
	if (fresh.lim.skid < 1)
		fresh.lim.skid = 1;
	if (fresh.lim.max_arm < 1)
		fresh.lim.max_arm = 1;
	fresh.state = PMU_STARTED;
	fresh.miss = PMU_MISS_NONE;
	*s = fresh;
}

static enum pmu_action finish(struct pmu_stepper *s, enum pmu_miss miss)
{
	s->miss = miss;
	s->state = miss == PMU_MISS_NONE ? PMU_AT_TARGET : PMU_MISSED;
	return miss == PMU_MISS_NONE ? PMU_ARRIVED : PMU_OVERSHOT;
}

enum pmu_action pmu_stepper_next(struct pmu_stepper *s, const struct exec_point *now,
				 uint64_t *arm_after)
{
	const struct exec_point *t = &s->target;

	if (s->state == PMU_AT_TARGET)
		return PMU_ARRIVED;
	if (s->state == PMU_MISSED)
		return PMU_OVERSHOT;

	/* How late the overflow interrupt was (or the first exit after it):
	 * the figure to compare with the skid on real hardware. */
	if (s->state == PMU_ARMED && now->count >= s->armed_at &&
	    now->count - s->armed_at > s->late_max)
		s->late_max = now->count - s->armed_at;

	/* Past the target's count: every point of the target's count is behind us. */
	if (now->count > t->count)
		return finish(s, PMU_MISS_PAST);
	if (exec_point_equal(now, t))
		return finish(s, PMU_MISS_NONE);

	uint64_t distance = t->count - now->count;
	if (distance > s->lim.skid) {
		/* Far enough that even the latest interrupt stops us short.
		 * A guest that retires no branch for max_stalls exits in a row
		 * (a spin on an unconditional jump) will never get there. */
		if (s->state == PMU_ARMED && now->count == s->armed_from) {
			if (++s->stalls > s->lim.max_stalls)
				return finish(s, PMU_MISS_STALLED);
		} else {
			s->stalls = 0;
		}
		uint64_t n = distance - s->lim.skid;
		if (n > s->lim.max_arm)
			n = s->lim.max_arm;  /* the interrupt will come back to arm the rest */
		s->armed_from = now->count;
		s->armed_at = now->count + n;
		s->arms++;
		s->state = PMU_ARMED;
		*arm_after = n;
		return PMU_ARM;
	}

	/* Within the skid: step. At the target's count this walks the
	 * branch-free stretch (and REP iterations) until RIP and RCX match;
	 * the next conditional branch would take the count past it. */
	if (s->steps >= s->lim.max_steps)
		return finish(s, PMU_MISS_STEPS);
	s->steps++;
	s->state = PMU_STEPPING;
	return PMU_STEP;
}

const char *pmu_miss_name(enum pmu_miss miss)
{
	switch (miss) {
	case PMU_MISS_NONE: return "arrived";
	case PMU_MISS_PAST: return "ran past its branch count";
	case PMU_MISS_STEPS: return "single-step budget exhausted";
	case PMU_MISS_STALLED: return "guest retires no branches";
	default: return "?";
	}
}

static uint64_t width_mask(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

uint64_t pmu_counter_delta(uint64_t before, uint64_t after, unsigned width)
{
	return (after - before) & width_mask(width);
}

uint64_t pmu_counter_arm_value(uint64_t branches, unsigned width)
{
	/* The counter overflows when it wraps from all ones to zero. */
	return (0 - branches) & width_mask(width);
}
