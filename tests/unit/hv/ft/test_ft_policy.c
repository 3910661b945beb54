/*
 * hv/ft_policy.c: whether a backup can resume where it asks (held, released,
 * never written), what the backup may release, the largest flow-control
 * window a log allows, and the open batch's age (timed from the first
 * service that saw an event in it, restarted for each new batch).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/ft/ft_policy.h"

static void test_resume(void **state)
{
	(void)state;
	/* A backup that never connected asks for 0: fine while 0 is held. */
	assert_int_equal(ft_resume_at(0, 0, 0), FT_RESUME_OK);
	assert_int_equal(ft_resume_at(0, 0, 100), FT_RESUME_OK);
	assert_int_equal(ft_resume_at(0, 1, 100), FT_RESUME_RELEASED);
	/* Anywhere in what is held, or the very next batch. */
	assert_int_equal(ft_resume_at(40, 40, 100), FT_RESUME_OK);
	assert_int_equal(ft_resume_at(99, 40, 100), FT_RESUME_OK);
	assert_int_equal(ft_resume_at(100, 40, 100), FT_RESUME_OK);
	assert_int_equal(ft_resume_at(100, 100, 100), FT_RESUME_OK);
	/* Released, or never written. */
	assert_int_equal(ft_resume_at(39, 40, 100), FT_RESUME_RELEASED);
	assert_int_equal(ft_resume_at(99, 100, 100), FT_RESUME_RELEASED);
	assert_int_equal(ft_resume_at(101, 40, 100), FT_RESUME_AHEAD);
	assert_int_equal(ft_resume_at(UINT64_MAX, 0, 100), FT_RESUME_AHEAD);
}

static void test_backup_release(void **state)
{
	(void)state;
	/* Replayed but not acknowledged yet, and the other way round. */
	assert_int_equal(ft_backup_release_before(10, 7), 7);
	assert_int_equal(ft_backup_release_before(7, 10), 7);
	assert_int_equal(ft_backup_release_before(8, 8), 8);
	assert_int_equal(ft_backup_release_before(0, 1000), 0);
}

static void test_max_unacked(void **state)
{
	(void)state;
	/* The defaults (16 MiB log, 1024 KiB) are well inside. */
	assert_int_equal(ft_max_unacked_kb(16ull << 20), 8192);
	assert_true(1024 <= ft_max_unacked_kb(16ull << 20));
	assert_int_equal(ft_max_unacked_kb(1ull << 20), 512);
	assert_int_equal(ft_max_unacked_kb(4096ull << 20), 2ull << 20);
	assert_int_equal(ft_max_unacked_kb(2047), 0);
}

static void test_flush_clock(void **state)
{
	(void)state;
	struct ft_flush_clock c = { 0 };
	/* No batch open: never due, however long. */
	assert_false(ft_flush_due(&c, 0, 0, 1000000, 5000));
	/* Timed from the first time it is seen with events, not from the
	 * last flush: an event after a quiet spell waits its full age. */
	assert_false(ft_flush_due(&c, 3, 1, 2000000, 5000));
	assert_false(ft_flush_due(&c, 3, 9, 2004999, 5000));
	assert_true(ft_flush_due(&c, 3, 9, 2005000, 5000));
	assert_true(ft_flush_due(&c, 3, 9, 2009000, 5000));
	/* Closed: the next batch is timed afresh. */
	assert_false(ft_flush_due(&c, 4, 0, 2009100, 5000));
	assert_false(ft_flush_due(&c, 4, 2, 2010000, 5000));
	assert_true(ft_flush_due(&c, 4, 2, 2015000, 5000));
	/* A batch closed because it was full (seen open with events both
	 * times): the new one is timed from now. */
	assert_false(ft_flush_due(&c, 5, 1, 2016000, 5000));
	assert_false(ft_flush_due(&c, 5, 1, 2020999, 5000));
	assert_true(ft_flush_due(&c, 5, 1, 2021000, 5000));
	/* Batch 0 is timed like any other. */
	struct ft_flush_clock d = { 0 };
	assert_false(ft_flush_due(&d, 0, 1, 100, 1000));
	assert_false(ft_flush_due(&d, 0, 1, 1099, 1000));
	assert_true(ft_flush_due(&d, 0, 1, 1100, 1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_backup_release),
		cmocka_unit_test(test_max_unacked),
		cmocka_unit_test(test_flush_clock),
	};
	return cmocka_run_group_tests_name("ft_policy", tests, NULL, NULL);
}
