/*
 * drivers/desc_ring.c: ring index arithmetic at the wrap, and the stuck
 * rule the NIC drivers reset on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/desc_ring.h"

static void test_next_wraps(void **state)
{
	(void)state;
	assert_int_equal(ring_next(0, 128), 1);
	assert_int_equal(ring_next(126, 128), 127);
	assert_int_equal(ring_next(127, 128), 0);
	assert_int_equal(ring_next(0, 1), 0);
}

static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(ring_distance(5, 5, 128), 0);
	assert_int_equal(ring_distance(5, 9, 128), 4);
	assert_int_equal(ring_distance(120, 3, 128), 11);
	assert_int_equal(ring_distance(0, 127, 128), 127);
	assert_int_equal(ring_distance(127, 0, 128), 1);
	/* Walking with ring_next agrees with the distance everywhere. */
	for (uint32_t from = 0; from < 16; from++) {
		uint32_t i = from;
		for (uint32_t steps = 0; steps < 16; steps++) {
			assert_int_equal(ring_distance(from, i, 16), steps);
			i = ring_next(i, 16);
		}
	}
}

static void test_stuck_only_when_waiting(void **state)
{
	(void)state;
	assert_false(ring_stuck(0, 0, 10000000, 200000));
	assert_false(ring_stuck(0, 1000, 1000, 200000));
}

static void test_stuck_after_the_limit(void **state)
{
	(void)state;
	uint64_t last = 5000000;
	assert_false(ring_stuck(1, last, last, 200000));
	assert_false(ring_stuck(1, last, last + 199999, 200000));
	assert_false(ring_stuck(1, last, last + 200000, 200000));   /* the limit itself is allowed */
	assert_true(ring_stuck(1, last, last + 200001, 200000));
	assert_true(ring_stuck(1, last, last + 60000000, 200000));
}

static void test_clock_behind_progress_is_no_stall(void **state)
{
	(void)state;
	/* now read before the progress stamp (a stamp taken later in the same poll) */
	assert_false(ring_stuck(1, 5000000, 4000000, 200000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_wraps),
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_stuck_only_when_waiting),
		cmocka_unit_test(test_stuck_after_the_limit),
		cmocka_unit_test(test_clock_behind_progress_is_no_stall),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
