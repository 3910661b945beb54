/*
 * hv/bench_stats.c: round-trip summaries and throughput for the network
 * benchmarks. No samples, one, many (the minimum is not stuck at the
 * zero-initialised 0 nor at the first sample), the mean rounded down, the
 * "min/avg/max" text (also cut short by a small buffer), and Mbit/s in
 * tenths including no elapsed time and large byte counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/bench/bench_stats.h"

static void test_no_samples(void **state)
{
	(void)state;
	struct rtt_stats s = { 0 };
	char buf[32];
	assert_true(rtt_stats_avg(&s) == 0);
	assert_int_equal(rtt_stats_format(&s, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "0/0/0");
}

static void test_one_sample(void **state)
{
	(void)state;
	struct rtt_stats s = { 0 };
	char buf[32];
	rtt_stats_add(&s, 4321);
	rtt_stats_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "4321/4321/4321");
}

static void test_many_samples(void **state)
{
	(void)state;
	struct rtt_stats s = { 0 };
	char buf[64];
	const uint64_t v[] = { 900, 120, 3000, 121, 500 };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		rtt_stats_add(&s, v[i]);
	assert_true(s.n == 5);
	assert_true(rtt_stats_avg(&s) == 928); /* 4641 / 5, rounded down */
	rtt_stats_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "120/928/3000");
	rtt_stats_add(&s, 0);
	rtt_stats_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "0/773/3000");
}

static void test_format_cut_short(void **state)
{
	(void)state;
	struct rtt_stats s = { 0 };
	char buf[6];
	rtt_stats_add(&s, 123456);
	assert_int_equal(rtt_stats_format(&s, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "12345");
}

static void test_mbit(void **state)
{
	(void)state;
	assert_true(bench_mbit_tenths(1 << 20, 1000000) == 83);         /* 8.39 Mbit/s */
	assert_true(bench_mbit_tenths(16ull << 20, 978000) == 1372);    /* 137.2 */
	assert_true(bench_mbit_tenths(125000, 1000) == 10000);          /* 1 Gbit/s exactly */
	assert_true(bench_mbit_tenths(1000, 0) == 0);
	assert_true(bench_mbit_tenths(0, 1000) == 0);
	assert_true(bench_mbit_tenths(4ull << 30, 1) == (4ull << 30) * 80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_samples),
		cmocka_unit_test(test_one_sample),
		cmocka_unit_test(test_many_samples),
		cmocka_unit_test(test_format_cut_short),
		cmocka_unit_test(test_mbit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
