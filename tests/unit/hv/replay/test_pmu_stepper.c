/*
 * hv/pmu_stepper.c: reaching execution points with a branch counter.
 *
 * Besides single decisions, the stepper is driven against a simulation: a
 * pseudo-random guest program (conditional branches, plain instructions,
 * forward jumps, REP strings whose iterations are separate positions) and a
 * simulated PMU (a narrow counter of retired conditional branches whose
 * overflow interrupt arrives 0..max_late-1 instructions late, monitor-trap
 * steps of exactly one instruction or REP iteration, unrelated exits at
 * random, a time slice). A "recording" copy of the guest picks targets; the
 * "replaying" copy must stop exactly there — never early at a look-alike,
 * never past it — or report the miss.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/replay/pmu_stepper.h"

/* ---- a seeded generator (splitmix64) ---- */

static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *state, uint64_t n)
{
	return rng_next(state) % n;
}

/* ---- the simulated guest ---- */

enum sim_op {
	OP_PLAIN,    /* no branch */
	OP_SETRCX,   /* RCX = arg */
	OP_COND,     /* conditional branch to arg, taken taken_pm times in 1000 */
	OP_REP,      /* a REP string instruction: one position per iteration */
	OP_JMP,      /* unconditional jump to arg: retires no conditional branch */
};

struct sim_insn {
	enum sim_op op;
	uint32_t arg;
	uint32_t taken_pm;
};

#define SIM_RIP_BASE 0x100000ull
#define SIM_INSN_BYTES 4

struct sim_guest {
	const struct sim_insn *code;
	uint32_t len;
	uint32_t pc;
	uint64_t rcx;
	uint64_t branches;      /* the truth the counter must follow */
	uint64_t positions;     /* instructions and REP iterations executed */
	uint64_t since_branch;  /* positions since the last conditional branch */
	uint64_t reached[256];  /* position at which count k was reached, k mod 256 */
	uint64_t data;          /* the guest's own randomness: branch directions */
};

static void guest_init(struct sim_guest *g, const struct sim_insn *code, uint32_t len,
		       uint64_t data_seed)
{
	memset(g, 0, sizeof(*g));
	g->code = code;
	g->len = len;
	g->data = data_seed;
}

static uint64_t guest_rip(const struct sim_guest *g)
{
	return SIM_RIP_BASE + (uint64_t)g->pc * SIM_INSN_BYTES;
}

static struct exec_point guest_point(const struct sim_guest *g)
{
	struct exec_point p = { g->branches, guest_rip(g), g->rcx };
	return p;
}

/* Executes one position; returns 1 if a conditional branch retired. */
static int guest_step(struct sim_guest *g)
{
	const struct sim_insn *in = &g->code[g->pc];
	int branch = 0;
	switch (in->op) {
	case OP_PLAIN:
		g->pc++;
		break;
	case OP_SETRCX:
		g->rcx = in->arg;
		g->pc++;
		break;
	case OP_REP:
		/* One iteration; the instruction completes when RCX reaches 0
		 * (at once if it starts at 0). */
		if (g->rcx > 0)
			g->rcx--;
		if (g->rcx == 0)
			g->pc++;
		break;
	case OP_JMP:
		g->pc = in->arg;
		break;
	case OP_COND:
		g->pc = rng_below(&g->data, 1000) < in->taken_pm ? in->arg : g->pc + 1;
		branch = 1;
		break;
	}
	assert_true(g->pc < g->len);
	g->positions++;
	g->branches += (uint64_t)branch;
	g->since_branch = branch ? 0 : g->since_branch + 1;
	if (branch)
		g->reached[g->branches % 256] = g->positions;
	return branch;
}

/*
 * A random program. Jumps go forward only and every backward edge is a
 * conditional branch, so no loop is branch-free and, within one branch
 * count, (RIP, RCX) never repeats: a target has exactly one true instance.
 * The last instruction branches back to the start.
 */
static struct sim_insn *make_program(uint32_t len, uint64_t seed)
{
	struct sim_insn *code = calloc(len, sizeof(*code));
	uint64_t r = seed;
	uint32_t i = 0;
	assert_non_null(code);
	while (i < len - 1) {
		/* Per 8000 slots: 1 straight-line stretch of 100..399 positions,
		 * 40 REP strings, 240 forward jumps, 1600 conditional branches,
		 * the rest plain: about 8 positions per conditional branch run. */
		uint64_t pick = rng_below(&r, 8000);
		if (pick < 1 && len - 1 - i > 500) {
			uint32_t run = 100 + (uint32_t)rng_below(&r, 300);
			for (uint32_t k = 0; k < run; k++, i++) {
				code[i].op = rng_below(&r, 10) == 0 ? OP_SETRCX : OP_PLAIN;
				code[i].arg = (uint32_t)rng_below(&r, 64);
			}
		} else if (pick < 41 && i + 2 < len - 1) {
			/* mostly short, sometimes thousands of iterations */
			uint64_t size = rng_below(&r, 100);
			uint32_t n = size < 90 ? (uint32_t)rng_below(&r, 20)
				   : size < 99 ? 20 + (uint32_t)rng_below(&r, 100)
					       : 120 + (uint32_t)rng_below(&r, 3000);
			code[i].op = OP_SETRCX;
			code[i].arg = n;
			code[i + 1].op = OP_REP;
			i += 2;
		} else if (pick < 281) {
			uint32_t room = len - 1 - i;
			code[i].op = OP_JMP;
			code[i].arg = i + 1 + (uint32_t)rng_below(&r, room < 20 ? room : 20);
			i++;
		} else if (pick < 1881) {
			code[i].op = OP_COND;
			code[i].arg = (uint32_t)rng_below(&r, len);
			code[i].taken_pm = (uint32_t)rng_below(&r, 1001);
			i++;
		} else {
			code[i].op = rng_below(&r, 10) == 0 ? OP_SETRCX : OP_PLAIN;
			code[i].arg = (uint32_t)rng_below(&r, 64);
			i++;
		}
	}
	code[len - 1].op = OP_COND;
	code[len - 1].arg = 0;
	code[len - 1].taken_pm = 1000;
	return code;
}

/* ---- the simulated hardware ---- */

enum sim_exit { SIM_EXIT_PMI, SIM_EXIT_MTF, SIM_EXIT_OTHER };

struct sim_pmu {
	unsigned width;
	uint64_t counter;
	int pending;              /* an overflow interrupt is on its way */
	uint32_t delay;           /* instructions still to retire before it is taken */
	uint32_t max_late;        /* lateness 0 .. max_late - 1 instructions */
	uint32_t spurious_pm;     /* unrelated exit before an instruction, per 1000 */
	uint32_t slice;           /* the preemption timer: instructions per entry */
	int mtf;
	uint64_t rng;
};

static uint64_t counter_mask(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

/* One VM entry: runs the guest until something makes it exit. */
static enum sim_exit sim_enter(struct sim_guest *g, struct sim_pmu *hw)
{
	for (uint32_t done = 0;; done++) {
		if (hw->pending && hw->delay == 0) {
			hw->pending = 0;
			return SIM_EXIT_PMI;
		}
		if (!hw->mtf && (done >= hw->slice || rng_below(&hw->rng, 1000) < hw->spurious_pm))
			return SIM_EXIT_OTHER;
		if (hw->pending)
			hw->delay--;
		if (guest_step(g)) {
			hw->counter = (hw->counter + 1) & counter_mask(hw->width);
			if (hw->counter == 0) {
				hw->pending = 1;
				hw->delay = hw->max_late ? (uint32_t)rng_below(&hw->rng, hw->max_late) : 0;
			}
		}
		if (hw->mtf)
			return SIM_EXIT_MTF;
	}
}

/* ---- the backend's side, as hv/execpoint_pmu.c does it ---- */

struct sim_backend {
	uint64_t count;           /* software total of the counter */
	uint64_t hw_last;         /* the counter's value at the last exit or write */
	uint64_t hw_armed_at;     /* the count at which the hardware overflows */
	uint64_t pmis;
	uint64_t exits;
};

/* As the backend arms: at most 2^31 - 1 branches (32-bit writes that the
 * CPU sign-extends), less on a narrower counter. */
static struct pmu_stepper_limits limits_for(uint32_t skid, unsigned width)
{
	struct pmu_stepper_limits lim;
	lim.skid = skid;
	lim.max_arm = width > 32 ? 0x7fffffffull : (1ull << (width - 1)) - 1;
	lim.max_steps = 1ull << 22;
	lim.max_stalls = 1000;
	return lim;
}

/*
 * Pursues one target. 'truth' is the target's position in the recording;
 * with never_past set, the guest must not get past it at any exit.
 */
static enum pmu_action pursue(struct sim_guest *g, struct sim_pmu *hw, struct sim_backend *b,
			      struct pmu_stepper *s, const struct exec_point *target,
			      const struct pmu_stepper_limits *lim, uint64_t truth, int never_past)
{
	uint64_t exits = 0;
	pmu_stepper_start(s, target, lim);
	for (;;) {
		struct exec_point now = { b->count, guest_rip(g), g->rcx };
		uint64_t n = 0;
		assert_true(b->count == g->branches);
		if (never_past)
			assert_true(g->positions <= truth);
		enum pmu_action a = pmu_stepper_next(s, &now, &n);
		if (a == PMU_ARRIVED || a == PMU_OVERSHOT)
			return a;
		if (a == PMU_ARM) {
			assert_true(n >= 1 && n <= lim->max_arm);
			if (s->armed_at != b->hw_armed_at) {
				hw->counter = pmu_counter_arm_value(n, hw->width);
				b->hw_last = hw->counter;
				b->hw_armed_at = s->armed_at;
			}
			hw->mtf = 0;
		} else {
			hw->mtf = 1;
		}
		enum sim_exit e = sim_enter(g, hw);
		b->count += pmu_counter_delta(b->hw_last, hw->counter, hw->width);
		b->hw_last = hw->counter;
		b->exits++;
		if (e == SIM_EXIT_PMI)
			b->pmis++;
		assert_true(++exits < 50000000ull); /* a hang is a failure too */
	}
}

/* ---- single decisions ---- */

static struct exec_point pt(uint64_t count, uint64_t rip, uint64_t rcx)
{
	struct exec_point p = { count, rip, rcx };
	return p;
}

static void test_far_target_arms_skid_early(void **state)
{
	(void)state;
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(100, 48);
	struct exec_point target = pt(1000, 0x40, 7), now = pt(10, 0x20, 0);
	uint64_t n = 0;
	pmu_stepper_start(&s, &target, &lim);
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_ARM);
	assert_int_equal(n, 1000 - 100 - 10);
	assert_int_equal(s.armed_at, 900);
	/* One branch further than the skid still arms, for one branch. */
	now.count = 1000 - 101;
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_ARM);
	assert_int_equal(n, 1);
}

static void test_within_skid_steps(void **state)
{
	(void)state;
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(100, 48);
	struct exec_point target = pt(1000, 0x40, 7), now = pt(900, 0x20, 0);
	uint64_t n = 12345;
	pmu_stepper_start(&s, &target, &lim);
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_STEP);
	assert_int_equal(n, 12345); /* untouched */
	now.count = 999;
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_STEP);
	assert_int_equal(s.steps, 2);
	assert_int_equal(s.state, PMU_STEPPING);
}

static void test_rip_and_rcx_must_both_match(void **state)
{
	(void)state;
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(100, 48);
	struct exec_point target = pt(1000, 0x40, 7);
	struct exec_point wrong_rip = pt(1000, 0x44, 7), wrong_rcx = pt(1000, 0x40, 8);
	struct exec_point there = pt(1000, 0x40, 7);
	uint64_t n;
	pmu_stepper_start(&s, &target, &lim);
	assert_int_equal(pmu_stepper_next(&s, &wrong_rip, &n), PMU_STEP);
	assert_int_equal(pmu_stepper_next(&s, &wrong_rcx, &n), PMU_STEP);
	assert_int_equal(pmu_stepper_next(&s, &there, &n), PMU_ARRIVED);
	assert_int_equal(s.state, PMU_AT_TARGET);
	assert_int_equal(s.miss, PMU_MISS_NONE);
}

static void test_past_the_count_is_an_overshoot(void **state)
{
	(void)state;
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(100, 48);
	struct exec_point target = pt(1000, 0x40, 7), now = pt(1001, 0x40, 7);
	uint64_t n;
	pmu_stepper_start(&s, &target, &lim);
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_OVERSHOT);
	assert_int_equal(s.miss, PMU_MISS_PAST);
	assert_string_equal(pmu_miss_name(s.miss), "ran past its branch count");
}

static void test_final_states_stay(void **state)
{
	(void)state;
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(100, 48);
	struct exec_point target = pt(1000, 0x40, 7), at = target, later = pt(5, 0, 0);
	uint64_t n;
	pmu_stepper_start(&s, &target, &lim);
	assert_int_equal(pmu_stepper_next(&s, &at, &n), PMU_ARRIVED);
	assert_int_equal(pmu_stepper_next(&s, &later, &n), PMU_ARRIVED);
	struct exec_point past = pt(2000, 0, 0);
	pmu_stepper_start(&s, &target, &lim);
	assert_int_equal(pmu_stepper_next(&s, &past, &n), PMU_OVERSHOT);
	assert_int_equal(pmu_stepper_next(&s, &at, &n), PMU_OVERSHOT);
}

static void test_long_distances_arm_in_pieces(void **state)
{
	(void)state;
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(100, 48);
	lim.max_arm = 1000;
	struct exec_point target = pt(5000, 0x40, 0), now = pt(0, 0, 0);
	uint64_t n;
	pmu_stepper_start(&s, &target, &lim);
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_ARM);
	assert_int_equal(n, 1000);
	now.count = 1003; /* the interrupt, three branches late */
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_ARM);
	assert_int_equal(n, 1000);
	assert_int_equal(s.late_max, 3);
	now.count = 4000;
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_ARM);
	assert_int_equal(n, 900);
	assert_int_equal(s.arms, 3);
}

static void test_spurious_exit_rearms_the_rest(void **state)
{
	(void)state;
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(10, 48);
	struct exec_point target = pt(500, 0x40, 0), now = pt(0, 0, 0);
	uint64_t n;
	pmu_stepper_start(&s, &target, &lim);
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_ARM);
	assert_int_equal(s.armed_at, 490);
	now.count = 200; /* an I/O exit on the way */
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_ARM);
	assert_int_equal(n, 290);
	assert_int_equal(s.armed_at, 490); /* the same overflow point */
	assert_int_equal(s.late_max, 0);
}

static void test_skid_zero_is_one(void **state)
{
	(void)state;
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(0, 48);
	struct exec_point target = pt(10, 0x40, 0), now = pt(0, 0, 0);
	uint64_t n;
	pmu_stepper_start(&s, &target, &lim);
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_ARM);
	assert_int_equal(n, 9); /* stop one branch short: an on-time interrupt is safe */
}

static void test_stall_gives_up(void **state)
{
	(void)state;
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(10, 48);
	lim.max_stalls = 3;
	struct exec_point target = pt(500, 0x40, 0), now = pt(7, 0x80, 0);
	uint64_t n;
	pmu_stepper_start(&s, &target, &lim);
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_ARM);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_ARM);
	assert_int_equal(pmu_stepper_next(&s, &now, &n), PMU_OVERSHOT);
	assert_int_equal(s.miss, PMU_MISS_STALLED);
}

static void test_counter_arithmetic(void **state)
{
	(void)state;
	assert_int_equal(pmu_counter_arm_value(1, 48), 0xffffffffffffull);
	assert_int_equal(pmu_counter_arm_value(100, 48), 0xffffffffff9cull);
	assert_int_equal(pmu_counter_arm_value(5, 64), 0xfffffffffffffffbull);
	assert_int_equal(pmu_counter_arm_value(0x7fffffff, 48), 0xffff80000001ull);
	/* Armed for n, the counter reads n later as having counted n. */
	uint64_t armed = pmu_counter_arm_value(100, 48);
	assert_int_equal(pmu_counter_delta(armed, 5, 48), 105);
	assert_int_equal(pmu_counter_delta(10, 10, 48), 0);
	assert_int_equal(pmu_counter_delta(0xfff0, 0x10, 16), 0x20);
	assert_int_equal(pmu_counter_delta(3, 1, 64), 0xfffffffffffffffeull);
}

/* ---- the simulation ---- */

struct sim_config {
	unsigned width;
	uint32_t skid;            /* the stepper's margin, branches */
	uint32_t max_late;        /* the hardware's lateness bound, instructions */
	uint32_t spurious_pm;
	uint32_t targets;
	uint64_t seed;
};

struct sim_result {
	uint64_t arrived, overshot;
	uint64_t steps, armed_targets, armed_steps;
	uint64_t in_rep, in_long_run, near;
	uint64_t beyond_one_arm;      /* targets further than one arming reaches */
	double positions_per_branch;  /* of the recorded run */
	uint64_t pmis, exits, late_max;
};

#define PROGRAM_LEN 20000u

/* Records targets at random gaps and replays to each in turn, as a backup does. */
static void run_random_targets(const struct sim_config *c, struct sim_result *r)
{
	struct sim_insn *code = make_program(PROGRAM_LEN, c->seed);
	struct sim_guest rec, rep;
	struct sim_pmu hw = { 0 };
	struct sim_backend b = { 0 };
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(c->skid, c->width);
	uint64_t gaps = c->seed ^ 0x5eed;

	memset(r, 0, sizeof(*r));
	guest_init(&rec, code, PROGRAM_LEN, c->seed * 3 + 1);
	guest_init(&rep, code, PROGRAM_LEN, c->seed * 3 + 1);
	hw.width = c->width;
	hw.max_late = c->max_late;
	hw.spurious_pm = c->spurious_pm;
	hw.slice = 50000;
	hw.rng = c->seed ^ 0xabcdef;

	for (uint32_t t = 0; t < c->targets; t++) {
		uint64_t kind = rng_below(&gaps, 10);
		uint64_t gap = kind < 3 ? 1 + rng_below(&gaps, 60)
			     : kind < 7 ? 60 + rng_below(&gaps, 3000)
					: 3000 + rng_below(&gaps, 30000);
		for (uint64_t k = 0; k < gap; k++)
			guest_step(&rec);
		struct exec_point target = guest_point(&rec);
		uint64_t start_count = rep.branches, start_positions = rep.positions;
		if (code[rec.pc].op == OP_REP && rec.rcx > 0)
			r->in_rep++;
		if (rec.since_branch >= 200)
			r->in_long_run++;

		enum pmu_action a = pursue(&rep, &hw, &b, &s, &target, &lim, rec.positions, 1);
		assert_int_equal(a, PMU_ARRIVED);
		assert_true(rep.positions == rec.positions); /* the true instance, not a look-alike */
		assert_true(rep.branches == target.count && guest_rip(&rep) == target.rip &&
			    rep.rcx == target.rcx);
		/* Steps are only spent on what lies between where the overflow
		 * point (target - skid) was reached and the target, plus one entry
		 * that an interrupt still in flight may end at once. */
		uint64_t from = target.count - start_count > c->skid
					? rec.reached[(target.count - c->skid) % 256]
					: start_positions;
		assert_true(s.steps <= rec.positions - from + 1);
		r->arrived++;
		r->steps += s.steps;
		if (s.arms) {
			r->armed_targets++;
			r->armed_steps += s.steps;
		}
		if (target.count - start_count <= c->skid)
			r->near++;
		if (target.count - start_count > c->skid + lim.max_arm)
			r->beyond_one_arm++;
		if (s.late_max > r->late_max)
			r->late_max = s.late_max;
	}
	r->pmis = b.pmis;
	r->exits = b.exits;
	r->positions_per_branch = (double)rec.positions / (double)rec.branches;
	free(code);
}

static void report(const char *name, const struct sim_config *c, const struct sim_result *r)
{
	printf("[ PMU SIM  ] %s: %llu targets (%llu within the skid, %llu inside REP, %llu deep in "
	       "branch-free code), %.1f positions per branch, skid %u, interrupt 0..%u instructions "
	       "late: %.1f MTF steps per target, %.1f per armed target; %llu PMIs, %llu exits, "
	       "latest interrupt %llu branches\n",
	       name, (unsigned long long)r->arrived, (unsigned long long)r->near,
	       (unsigned long long)r->in_rep, (unsigned long long)r->in_long_run,
	       r->positions_per_branch, c->skid,
	       c->max_late ? c->max_late - 1 : 0, (double)r->steps / (double)r->arrived,
	       r->armed_targets ? (double)r->armed_steps / (double)r->armed_targets : 0.0,
	       (unsigned long long)r->pmis, (unsigned long long)r->exits,
	       (unsigned long long)r->late_max);
}

static void check_coverage(const struct sim_config *c, const struct sim_result *r)
{
	assert_int_equal(r->arrived, c->targets);
	assert_true(c->skid < 256); /* the reached[] history covers the margin */
	assert_true(r->in_rep >= 20);
	assert_true(r->in_long_run >= 20);
	assert_true(r->near >= 20);
	/* Every armed target is reached through at least one overflow interrupt. */
	assert_true(r->armed_targets >= c->targets / 4);
	assert_true(r->pmis >= r->armed_targets);
	/* The interrupt is never later than the hardware bound allows. */
	assert_true(r->late_max < c->skid);
}

static void test_random_targets_skid_100(void **state)
{
	(void)state;
	struct sim_config c = { 48, 100, 100, 2, 3000, 0x4242 };
	struct sim_result r;
	run_random_targets(&c, &r);
	report("skid 100", &c, &r);
	check_coverage(&c, &r);
}

/* The same program and targets with the larger margin of newer cores. */
static void test_random_targets_skid_125(void **state)
{
	(void)state;
	struct sim_config c = { 48, 125, 125, 2, 3000, 0x4242 };
	struct sim_result r;
	run_random_targets(&c, &r);
	report("skid 125", &c, &r);
	check_coverage(&c, &r);
}

/* Interrupts always on time (0 instructions late): stops skid branches short. */
static void test_random_targets_on_time_interrupt(void **state)
{
	(void)state;
	struct sim_config c = { 48, 100, 1, 0, 1000, 0x777 };
	struct sim_result r;
	run_random_targets(&c, &r);
	report("on-time interrupt", &c, &r);
	assert_int_equal(r.arrived, c.targets);
	assert_int_equal(r.late_max, 0);
}

/* A 12-bit counter: wraparound in the accumulation, arming in pieces of at
 * most 2047 branches, and many unrelated exits while armed. */
static void test_random_targets_narrow_counter(void **state)
{
	(void)state;
	struct sim_config c = { 12, 100, 100, 30, 1500, 0x1234 };
	struct sim_result r;
	run_random_targets(&c, &r);
	report("12-bit counter, busy exits", &c, &r);
	check_coverage(&c, &r);
	assert_true(r.beyond_one_arm >= 20);
}

/* ---- failure modes: reported, never a hang, never a silent pass ---- */

static void fresh_run(struct sim_guest *rec, struct sim_guest *rep, struct sim_pmu *hw,
		      struct sim_backend *b, const struct sim_insn *code, uint32_t len,
		      uint64_t seed, uint32_t max_late)
{
	guest_init(rec, code, len, seed);
	guest_init(rep, code, len, seed);
	memset(hw, 0, sizeof(*hw));
	memset(b, 0, sizeof(*b));
	hw->width = 48;
	hw->max_late = max_late;
	hw->spurious_pm = 1;
	hw->slice = 50000;
	hw->rng = seed ^ 0x1111;
}

/* A point whose count is real but whose RIP is never executed at that count. */
static void test_target_off_the_path_overshoots(void **state)
{
	(void)state;
	struct sim_insn *code = make_program(PROGRAM_LEN, 0x31337);
	struct pmu_stepper_limits lim = limits_for(100, 48);
	uint64_t seeds = 99;
	for (int trial = 0; trial < 200; trial++) {
		struct sim_guest rec, rep;
		struct sim_pmu hw;
		struct sim_backend b;
		struct pmu_stepper s;
		fresh_run(&rec, &rep, &hw, &b, code, PROGRAM_LEN, rng_next(&seeds), 100);
		uint64_t gap = 1 + rng_below(&seeds, 40000);
		for (uint64_t k = 0; k < gap; k++)
			guest_step(&rec);
		struct exec_point target = guest_point(&rec);
		if (trial % 2)
			target.rip = SIM_RIP_BASE + (uint64_t)PROGRAM_LEN * SIM_INSN_BYTES;
		else
			target.rcx = ~0ull; /* a register value the guest never holds */
		enum pmu_action a = pursue(&rep, &hw, &b, &s, &target, &lim, 0, 0);
		assert_int_equal(a, PMU_OVERSHOT);
		assert_int_equal(s.miss, PMU_MISS_PAST);
		assert_true(rep.branches == target.count + 1); /* caught at the very next branch */
	}
	free(code);
}

/* Hardware whose interrupt comes later than the margin: the stepper must
 * arrive exactly or report the overshoot, whichever happened. */
static void test_interrupt_later_than_skid_is_reported(void **state)
{
	(void)state;
	struct sim_insn *code = make_program(PROGRAM_LEN, 0xbad);
	struct pmu_stepper_limits lim = limits_for(10, 48);
	uint64_t seeds = 7, arrived = 0, overshot = 0;
	for (int trial = 0; trial < 400; trial++) {
		struct sim_guest rec, rep;
		struct sim_pmu hw;
		struct sim_backend b;
		struct pmu_stepper s;
		fresh_run(&rec, &rep, &hw, &b, code, PROGRAM_LEN, rng_next(&seeds), 400);
		uint64_t gap = 2000 + rng_below(&seeds, 20000);
		for (uint64_t k = 0; k < gap; k++)
			guest_step(&rec);
		struct exec_point target = guest_point(&rec);
		enum pmu_action a = pursue(&rep, &hw, &b, &s, &target, &lim, rec.positions, 0);
		if (a == PMU_ARRIVED) {
			assert_true(rep.positions == rec.positions);
			arrived++;
		} else {
			assert_int_equal(a, PMU_OVERSHOT);
			assert_int_equal(s.miss, PMU_MISS_PAST);
			assert_true(rep.positions > rec.positions); /* it really went past */
			overshot++;
		}
	}
	printf("[ PMU SIM  ] interrupt up to 399 instructions late, skid 10: %llu arrived, "
	       "%llu overshoots reported\n", (unsigned long long)arrived,
	       (unsigned long long)overshot);
	assert_true(overshot > 0);
	assert_true(arrived > 0);
	free(code);
}

/* A target deep in straight-line code with too small a step budget. */
static void test_step_budget_is_reported(void **state)
{
	(void)state;
	struct sim_insn code[1200];
	memset(code, 0, sizeof(code));
	code[0].op = OP_COND; /* one branch, then 1000 plain instructions */
	code[0].arg = 1;
	code[0].taken_pm = 1000;
	code[1199].op = OP_COND;
	code[1199].arg = 0;
	code[1199].taken_pm = 1000;
	struct sim_guest rec, rep;
	struct sim_pmu hw;
	struct sim_backend b;
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(100, 48);
	lim.max_steps = 50;
	fresh_run(&rec, &rep, &hw, &b, code, 1200, 5, 100);
	for (int k = 0; k < 1000; k++)
		guest_step(&rec);
	struct exec_point target = guest_point(&rec);
	enum pmu_action a = pursue(&rep, &hw, &b, &s, &target, &lim, rec.positions, 1);
	assert_int_equal(a, PMU_OVERSHOT);
	assert_int_equal(s.miss, PMU_MISS_STEPS);
	assert_int_equal(s.steps, 50);
}

/* The guest spins on an unconditional jump short of the target. */
static void test_spinning_guest_is_reported(void **state)
{
	(void)state;
	struct sim_insn code[4];
	memset(code, 0, sizeof(code));
	code[0].op = OP_PLAIN;
	code[1].op = OP_JMP; /* jmp . */
	code[1].arg = 1;
	code[3].op = OP_COND;
	struct sim_guest rec, rep;
	struct sim_pmu hw;
	struct sim_backend b;
	struct pmu_stepper s;
	struct pmu_stepper_limits lim = limits_for(100, 48);
	fresh_run(&rec, &rep, &hw, &b, code, 4, 5, 100);
	hw.slice = 100;
	struct exec_point target = pt(1000, SIM_RIP_BASE + 3 * SIM_INSN_BYTES, 0);
	enum pmu_action a = pursue(&rep, &hw, &b, &s, &target, &lim, 0, 0);
	assert_int_equal(a, PMU_OVERSHOT);
	assert_int_equal(s.miss, PMU_MISS_STALLED);
	assert_int_equal(rep.branches, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_far_target_arms_skid_early),
		cmocka_unit_test(test_within_skid_steps),
		cmocka_unit_test(test_rip_and_rcx_must_both_match),
		cmocka_unit_test(test_past_the_count_is_an_overshoot),
		cmocka_unit_test(test_final_states_stay),
		cmocka_unit_test(test_long_distances_arm_in_pieces),
		cmocka_unit_test(test_spurious_exit_rearms_the_rest),
		cmocka_unit_test(test_skid_zero_is_one),
		cmocka_unit_test(test_stall_gives_up),
		cmocka_unit_test(test_counter_arithmetic),
		cmocka_unit_test(test_random_targets_skid_100),
		cmocka_unit_test(test_random_targets_skid_125),
		cmocka_unit_test(test_random_targets_on_time_interrupt),
		cmocka_unit_test(test_random_targets_narrow_counter),
		cmocka_unit_test(test_target_off_the_path_overshoots),
		cmocka_unit_test(test_interrupt_later_than_skid_is_reported),
		cmocka_unit_test(test_step_budget_is_reported),
		cmocka_unit_test(test_spinning_guest_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
