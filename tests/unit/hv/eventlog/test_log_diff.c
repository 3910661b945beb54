/*
 * hv/eventlog/log_diff.c, what `ftvlog diff` reports: the first event that
 * differs in any one field, the point's RCX included, or where the shorter
 * log ends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/eventlog/log_diff.h"

#define N 12

static void sample(struct ev *e)
{
	for (size_t i = 0; i < N; i++)
		e[i] = (struct ev){ .type = EV_TSC, .value = 1000 + i, .at = { 10 * i, 0x1000 + i, 0 } };
}

/* Changing one field of event k makes k the first difference. */
static void test_each_field_at_each_index(void **state)
{
	(void)state;
	struct ev a[N], b[N];
	sample(a);
	for (size_t k = 0; k < N; k++)
		for (int field = 0; field < 7; field++) {
			sample(b);
			switch (field) {
			case 0: b[k].type = EV_RAND; break;
			case 1: b[k].flag = 1; break;
			case 2: b[k].key = 2; break;
			case 3: b[k].value++; break;
			case 4: b[k].at.count++; break;
			case 5: b[k].at.rip++; break;
			case 6: b[k].at.rcx = 5; break;
			}
			/* A later difference must not hide the first. */
			if (k + 1 < N)
				b[N - 1].value += 7;
			assert_false(ev_equal(&a[k], &b[k]));
			assert_int_equal(log_first_difference(a, N, b, N), k);
			assert_int_equal(log_first_difference(b, N, a, N), k);
		}
}

static void test_identical_and_prefix(void **state)
{
	(void)state;
	struct ev a[N], b[N];
	sample(a);
	sample(b);
	assert_true(ev_equal(&a[3], &b[3]));
	assert_int_equal(log_first_difference(a, N, b, N), N);
	assert_int_equal(log_first_difference(a, N, b, 5), 5);
	assert_int_equal(log_first_difference(a, 0, b, N), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_field_at_each_index),
		cmocka_unit_test(test_identical_and_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
