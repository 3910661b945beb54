/*
 * hv/execpoint_timer.c: the preemption-timer arithmetic of the emulator
 * backend.
 *
 * Besides the formula at its edges, both calls are driven against a model of
 * Bochs' VMX-preemption timer: every VM entry loaded with 1 or more costs one
 * tick, then every counted guest instruction costs one and the exit comes
 * when the timer reads 0. The simulated guest also has instructions that
 * exit by themselves (CPUID, port I/O: the hypervisor emulates them, they
 * are not counted) and exits unrelated to the guest (host interrupts) at
 * random. Counts kept with execpoint_timer_consumed() must match the model's
 * truth whatever the slicing, and execpoint_timer_value() must bring the
 * count to any target exactly, never one instruction past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/replay/execpoint.h"

/* ---- a seeded generator (xorshift64*) ---- */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return rnd(s) % n;
}

/* ---- the simulated timer and guest ---- */

struct timer_sim {
	uint64_t program;       /* which instructions exit by themselves */
	unsigned self_exit_pm;  /* how many in 1000 do */
	unsigned async_pm;      /* chance in 1000 of an unrelated exit before an instruction */
	uint64_t longest_run;   /* an unrelated exit comes at the latest after this many */
	uint64_t rng;
	uint64_t pos;           /* instructions completed, counted or not */
	uint64_t executed;      /* counted instructions: the truth */
	uint64_t entries;
};

static void sim_init(struct timer_sim *s, uint64_t seed, unsigned self_exit_pm, unsigned async_pm,
		     uint64_t longest_run)
{
	memset(s, 0, sizeof(*s));
	s->program = seed * 0x9e3779b97f4a7c15ull + 1;
	s->rng = seed ^ 0xd1b54a32d192ed03ull;
	if (!s->rng)
		s->rng = 1;
	s->self_exit_pm = self_exit_pm;
	s->async_pm = async_pm;
	s->longest_run = longest_run;
}

/* Whether instruction number 'pos' of the program exits by itself: a fixed
 * property of the program, the same however the run is sliced. */
static int sim_self_exiting(const struct timer_sim *s, uint64_t pos)
{
	uint64_t x = s->program ^ (pos * 0xbf58476d1ce4e5b9ull);
	x ^= x >> 31;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 29;
	return x % 1000 < s->self_exit_pm;
}

/* One VM entry with the timer loaded to 'loaded'; returns the value the CPU
 * saves on the exit. */
static uint32_t sim_enter(struct timer_sim *s, uint32_t loaded)
{
	s->entries++;
	if (loaded == 0)
		return 0; /* exits at once, before any instruction, charging nothing */
	uint32_t timer = loaded - 1; /* the entry's own tick */
	uint64_t budget = 1 + rnd_below(&s->rng, s->longest_run);
	for (;;) {
		if (timer == 0)
			return 0; /* preemption-timer exit */
		if (budget-- == 0 || rnd_below(&s->rng, 1000) < s->async_pm)
			return timer; /* a host interrupt or the like */
		if (sim_self_exiting(s, s->pos)) {
			s->pos++; /* emulated by the hypervisor, not counted */
			return timer;
		}
		s->pos++;
		s->executed++;
		timer--;
	}
}

/* A slice as a configuration could set it, from tiny to the largest value. */
static uint32_t pick_slice(uint64_t *rng)
{
	switch (rnd_below(rng, 6)) {
	case 0:
		return 2;
	case 1:
		return 3;
	case 2:
		return (uint32_t)(2 + rnd_below(rng, 16));
	case 3:
		return (uint32_t)(2 + rnd_below(rng, 1000));
	case 4:
		return (uint32_t)(1000 + rnd_below(rng, 1000000));
	default:
		return UINT32_MAX;
	}
}

/* One entry aimed at 'target' (0: none); checks the value and accounts. */
static void drive_once(struct timer_sim *s, uint64_t *count, uint64_t target, uint32_t slice)
{
	uint32_t loaded = execpoint_timer_value(*count, target, slice);
	uint32_t cap = slice ? slice : 1;
	if (loaded == 0 || loaded > cap)
		fail_msg("value %u for count %llu target %llu slice %u", loaded,
			 (unsigned long long)*count, (unsigned long long)target, slice);
	uint32_t saved = sim_enter(s, loaded);
	*count += execpoint_timer_consumed(loaded, saved);
	if (*count != s->executed)
		fail_msg("loaded %u saved %u: count %llu but %llu instructions ran", loaded, saved,
			 (unsigned long long)*count, (unsigned long long)s->executed);
}

/* ---- the formula ---- */

static void test_value_without_target(void **state)
{
	(void)state;
	assert_int_equal(execpoint_timer_value(0, 0, 1000), 1000);
	assert_int_equal(execpoint_timer_value(123456789, 0, 7), 7);
	assert_int_equal(execpoint_timer_value(UINT64_MAX, 0, 2), 2);
	assert_int_equal(execpoint_timer_value(5, 0, UINT32_MAX), UINT32_MAX);
	/* A slice of 0 is one tick: the entry alone, nothing runs. */
	assert_int_equal(execpoint_timer_value(0, 0, 0), 1);
	assert_int_equal(execpoint_timer_value(99, 0, 0), 1);
	assert_int_equal(execpoint_timer_value(99, 0, 1), 1);
}

static void test_value_before_target(void **state)
{
	(void)state;
	/* k instructions to go: k + 1, the entry's tick included. */
	assert_int_equal(execpoint_timer_value(10, 11, 1000), 2);
	assert_int_equal(execpoint_timer_value(10, 12, 1000), 3);
	assert_int_equal(execpoint_timer_value(10, 20, 1000), 11);
	assert_int_equal(execpoint_timer_value(0, 999, 1000), 1000);
	/* The slice bounds it. */
	assert_int_equal(execpoint_timer_value(0, 1000, 1000), 1000);
	assert_int_equal(execpoint_timer_value(0, 5000, 1000), 1000);
	assert_int_equal(execpoint_timer_value(10, 20, 11), 11);
	assert_int_equal(execpoint_timer_value(10, 20, 10), 10);
	assert_int_equal(execpoint_timer_value(10, 20, 2), 2);
	assert_int_equal(execpoint_timer_value(10, 20, 0), 1);
	/* Distances beyond 32 bits are bounded by the slice, not truncated. */
	assert_int_equal(execpoint_timer_value(0, (1ull << 32) + 5, UINT32_MAX), UINT32_MAX);
	assert_int_equal(execpoint_timer_value(0, (1ull << 32) - 1, UINT32_MAX), UINT32_MAX);
	assert_int_equal(execpoint_timer_value(0, (1ull << 32) - 2, UINT32_MAX), UINT32_MAX);
	assert_int_equal(execpoint_timer_value(0, (1ull << 32) - 3, UINT32_MAX), UINT32_MAX - 1);
	assert_int_equal(execpoint_timer_value(1ull << 40, (1ull << 40) + 7, 100), 8);
	/* The farthest target of all still runs a whole slice. */
	assert_int_equal(execpoint_timer_value(0, UINT64_MAX, 1000), 1000);
	assert_int_equal(execpoint_timer_value(0, UINT64_MAX, UINT32_MAX), UINT32_MAX);
	assert_int_equal(execpoint_timer_value(1, UINT64_MAX, 1000), 1000);
	assert_int_equal(execpoint_timer_value(UINT64_MAX - 1, UINT64_MAX, 1000), 2);
}

static void test_value_at_or_past_target(void **state)
{
	(void)state;
	assert_int_equal(execpoint_timer_value(10, 10, 1000), 2);
	assert_int_equal(execpoint_timer_value(10, 10, 0), 2);
	assert_int_equal(execpoint_timer_value(10, 10, UINT32_MAX), 2);
	assert_int_equal(execpoint_timer_value(11, 10, 1000), 2);
	assert_int_equal(execpoint_timer_value(UINT64_MAX, 1, 1000), 2);
}

static void test_consumed(void **state)
{
	(void)state;
	assert_int_equal(execpoint_timer_consumed(0, 0), 0);
	assert_int_equal(execpoint_timer_consumed(0, 5), 0);
	assert_int_equal(execpoint_timer_consumed(1, 0), 0);
	assert_int_equal(execpoint_timer_consumed(2, 0), 1);
	assert_int_equal(execpoint_timer_consumed(2, 1), 0);
	assert_int_equal(execpoint_timer_consumed(1000, 0), 999);
	assert_int_equal(execpoint_timer_consumed(1000, 1), 998);
	assert_int_equal(execpoint_timer_consumed(1000, 999), 0);
	assert_int_equal(execpoint_timer_consumed(1000, 1000), 0);
	assert_int_equal(execpoint_timer_consumed(1000, 4000), 0);
	assert_int_equal(execpoint_timer_consumed(UINT32_MAX, 0), (uint64_t)UINT32_MAX - 1);
	assert_int_equal(execpoint_timer_consumed(UINT32_MAX, UINT32_MAX - 1), 0);
	assert_int_equal(execpoint_timer_consumed(UINT32_MAX, UINT32_MAX), 0);
}

/* ---- against the model ---- */

/* The model itself: loading k + 1 runs exactly k plain instructions. */
static void test_model_runs_k(void **state)
{
	(void)state;
	for (uint32_t k = 0; k < 50; k++) {
		struct timer_sim s;
		sim_init(&s, k + 1, 0, 0, UINT64_MAX);
		assert_int_equal(sim_enter(&s, k + 1), 0);
		assert_int_equal(s.executed, k);
		assert_int_equal(execpoint_timer_consumed(k + 1, 0), k);
	}
	struct timer_sim s;
	sim_init(&s, 1, 0, 0, UINT64_MAX);
	assert_int_equal(sim_enter(&s, 0), 0);
	assert_int_equal(s.executed, 0);
	assert_int_equal(s.pos, 0);
}

/* Counting by consumed() follows the truth for any slicing, no target. */
static void test_counts_follow_any_slicing(void **state)
{
	(void)state;
	uint64_t rng = 0x51ce5eedull;
	for (unsigned c = 0; c < 400; c++) {
		struct timer_sim s;
		unsigned self_pm = (unsigned)(c % 4 == 0 ? 0 : rnd_below(&rng, 600));
		unsigned async_pm = (unsigned)(c % 3 == 0 ? 0 : rnd_below(&rng, 300));
		sim_init(&s, rnd(&rng), self_pm, async_pm, 1 + rnd_below(&rng, 3000));
		uint64_t count = 0;
		for (unsigned i = 0; i < 300; i++) {
			uint32_t slice;
			switch (rnd_below(&rng, 4)) {
			case 0:
				slice = (uint32_t)rnd_below(&rng, 3); /* 0, 1, 2 */
				break;
			default:
				slice = pick_slice(&rng);
			}
			drive_once(&s, &count, 0, slice);
		}
		assert_true(s.executed > 0);
	}
}

/* Random targets, random slices: every one is reached exactly. */
static void test_targets_reached_exactly(void **state)
{
	(void)state;
	uint64_t rng = 0x7a26e7ull;
	uint64_t passed_self_exits = 0;
	for (unsigned c = 0; c < 3000; c++) {
		struct timer_sim s;
		unsigned self_pm = (unsigned)(c % 5 == 0 ? 0 : rnd_below(&rng, 700));
		unsigned async_pm = (unsigned)(c % 7 == 0 ? 0 : rnd_below(&rng, 200));
		sim_init(&s, rnd(&rng) | 1, self_pm, async_pm, 1 + rnd_below(&rng, 5000));
		uint64_t count = 0;
		unsigned ntargets = 1 + (unsigned)rnd_below(&rng, 6);
		for (unsigned t = 0; t < ntargets; t++) {
			/* The next target, sometimes right after the last. */
			uint64_t gap = rnd_below(&rng, 4) == 0 ? 1 + rnd_below(&rng, 3)
							       : 1 + rnd_below(&rng, 3000);
			uint64_t target = count + gap;
			unsigned rounds = 0;
			while (count < target) {
				drive_once(&s, &count, target, pick_slice(&rng));
				if (count > target)
					fail_msg("case %u: count %llu went past target %llu", c,
						 (unsigned long long)count, (unsigned long long)target);
				if (++rounds > 200000)
					fail_msg("case %u: no progress towards %llu (count %llu)", c,
						 (unsigned long long)target, (unsigned long long)count);
			}
			assert_int_equal(count, target);
			assert_int_equal(s.executed, target);

			/* Sometimes the point wanted is after self-exiting instructions
			 * at this count: they pass one by one, the count stays. */
			while (sim_self_exiting(&s, s.pos) && rnd_below(&rng, 2)) {
				uint64_t pos = s.pos;
				while (s.pos == pos) {
					assert_int_equal(execpoint_timer_value(count, target,
									       pick_slice(&rng)), 2);
					drive_once(&s, &count, target, pick_slice(&rng));
					assert_int_equal(count, target);
				}
				assert_int_equal(s.pos, pos + 1);
				passed_self_exits++;
			}
		}
	}
	/* The runs above really went through self-exiting instructions at targets. */
	assert_true(passed_self_exits > 100);
}

/* At the target, value 2 lets one self-exiting instruction through and
 * nothing else: any counted instruction is exactly one too many. */
static void test_at_target_one_instruction(void **state)
{
	(void)state;
	unsigned self = 0, plain = 0;
	for (uint64_t seed = 1; seed < 400; seed++) {
		struct timer_sim s;
		sim_init(&s, seed, 500, 0, UINT64_MAX);
		uint64_t count = 0;
		uint64_t target = 1 + seed % 37;
		for (unsigned rounds = 0; count < target; rounds++) {
			if (rounds > 1000)
				fail_msg("seed %llu: stuck at count %llu", (unsigned long long)seed,
					 (unsigned long long)count);
			drive_once(&s, &count, target, 1000);
		}
		assert_int_equal(count, target);
		uint64_t pos = s.pos;
		int exits = sim_self_exiting(&s, pos);
		uint32_t loaded = execpoint_timer_value(count, target, 1000);
		uint32_t saved = sim_enter(&s, loaded);
		count += execpoint_timer_consumed(loaded, saved);
		assert_int_equal(s.pos, pos + 1);
		if (exits) {
			self++;
			assert_int_equal(count, target);
		} else {
			plain++;
			assert_int_equal(count, target + 1); /* the overshoot the engine reports */
		}
		assert_int_equal(count, s.executed);
	}
	assert_true(self > 50 && plain > 50);
}

/* A slice of 0 or 1 runs nothing, and so never passes a target either. */
static void test_tiny_slice_runs_nothing(void **state)
{
	(void)state;
	for (uint32_t slice = 0; slice < 2; slice++) {
		struct timer_sim s;
		sim_init(&s, 3, 0, 0, UINT64_MAX);
		uint64_t count = 0;
		for (int i = 0; i < 10; i++)
			drive_once(&s, &count, 5, slice);
		assert_int_equal(count, 0);
		assert_int_equal(s.pos, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_without_target),
		cmocka_unit_test(test_value_before_target),
		cmocka_unit_test(test_value_at_or_past_target),
		cmocka_unit_test(test_consumed),
		cmocka_unit_test(test_model_runs_k),
		cmocka_unit_test(test_counts_follow_any_slicing),
		cmocka_unit_test(test_targets_reached_exactly),
		cmocka_unit_test(test_at_target_one_instruction),
		cmocka_unit_test(test_tiny_slice_runs_nothing),
	};
	return cmocka_run_group_tests_name("execpoint_timer", tests, NULL, NULL);
}
