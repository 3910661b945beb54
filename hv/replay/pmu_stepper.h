/*
 * Reaching an execution point with a branch counter: the pure state machine
 * of the PMU backend. No hardware access; tests/unit/test_pmu_stepper.c
 * drives it against a simulated guest and counter.
 *
 * The counter (retired conditional branches) can interrupt the guest when
 * it overflows, but the interrupt lands late: a few more branches may
 * retire before the guest exits. So it is armed to overflow 'skid' branches
 * before the target, and the rest of the way is single steps (monitor trap
 * flag), one instruction or one REP iteration each, until count, RIP and
 * RCX all match.
 *
 * Every decision depends only on where the guest is now, so every exit is
 * handled alike: the overflow interrupt, a step, a time slice, an I/O exit,
 * an overflow interrupt that arrived late or on time.
 */
#ifndef FTV_PMU_STEPPER_H
#define FTV_PMU_STEPPER_H

#include <stdint.h>

#include "hv/eventlog/event.h"

enum pmu_action {
	PMU_ARM,       /* run, the counter set to overflow after *arm_after branches */
	PMU_STEP,      /* run one instruction (or one REP iteration), monitor trap flag on */
	PMU_ARRIVED,   /* the guest is exactly at the target */
	PMU_OVERSHOT,  /* the target can no longer be reached exactly: a divergence */
};

/* Why a target was missed. */
enum pmu_miss {
	PMU_MISS_NONE,
	PMU_MISS_PAST,     /* the count went beyond the target's */
	PMU_MISS_STEPS,    /* the step budget ran out before RIP and RCX matched */
	PMU_MISS_STALLED,  /* armed, yet exit after exit retired no branch */
};

enum pmu_stepper_state {
	PMU_STARTED,       /* nothing decided yet */
	PMU_ARMED,         /* the counter overflows at armed_at */
	PMU_STEPPING,      /* single steps over the last stretch */
	PMU_AT_TARGET,     /* final */
	PMU_MISSED,        /* final: see miss */
};

struct pmu_stepper_limits {
	/* The overflow interrupt arrives at most skid - 1 branches late, so
	 * overflowing at target - skid always exits before the target. */
	uint32_t skid;
	uint64_t max_arm;     /* longest distance the hardware counter can be armed for */
	uint64_t max_steps;   /* single steps allowed for one target */
	uint64_t max_stalls;  /* armed exits in a row at one count before giving up */
};

struct pmu_stepper {
	struct exec_point target;
	struct pmu_stepper_limits lim;
	enum pmu_stepper_state state;
	enum pmu_miss miss;
	uint64_t armed_at;    /* count at which the armed counter overflows */
	uint64_t armed_from;  /* count when last armed */
	uint64_t stalls;      /* armed decisions in a row made at armed_from */
	uint64_t steps;       /* single steps taken toward this target */
	uint64_t arms;        /* times the counter was (re)armed */
	uint64_t late_max;    /* most branches seen past an overflow at the next exit */
};

/* Begins the pursuit of 'target'. A skid or max_arm of 0 is taken as 1:
 * with skid 0 even an on-time interrupt could land past the target, and
 * arming for 0 branches would never move. */
void pmu_stepper_start(struct pmu_stepper *s, const struct exec_point *target,
		       const struct pmu_stepper_limits *lim);

/* Called after every exit with the current point: what to do before the
 * next entry. *arm_after is set for PMU_ARM only. ARRIVED and OVERSHOT are
 * final: later calls return them again. */
enum pmu_action pmu_stepper_next(struct pmu_stepper *s, const struct exec_point *now,
				 uint64_t *arm_after);

const char *pmu_miss_name(enum pmu_miss miss);

/* The arithmetic of a 'width'-bit hardware counter (1..64 bits). Branches
 * counted between two readings, across one wraparound at most: */
uint64_t pmu_counter_delta(uint64_t before, uint64_t after, unsigned width);
/* The value that overflows after exactly 'branches' more (1 .. 2^width - 1): */
uint64_t pmu_counter_arm_value(uint64_t branches, unsigned width);

#endif
