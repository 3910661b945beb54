/*
 * net/iscsi/iscsi_isid.c: the "Random" ISID format (T = 10b, A = 0), the
 * same ISID for the same identity every time, different ones for
 * different servers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/iscsi/iscsi_isid.h"

static void test_format_and_stability(void **state)
{
	(void)state;
	uint8_t a[ISCSI_ISID_SIZE], b[ISCSI_ISID_SIZE], c[ISCSI_ISID_SIZE];
	iscsi_isid_derive("ftv-a/52:54:00:12:34:56", 23, a);
	iscsi_isid_derive("ftv-a/52:54:00:12:34:56", 23, b);
	iscsi_isid_derive("ftv-b/52:54:00:12:34:57", 23, c);
	assert_int_equal(a[0], 0x80); /* T = 10b, A = 0 */
	assert_int_equal(c[0], 0x80);
	assert_memory_equal(a, b, ISCSI_ISID_SIZE);
	assert_memory_not_equal(a, c, ISCSI_ISID_SIZE);
	/* B, C, D carry the hash: not all zero. */
	uint8_t zero[5] = { 0 };
	assert_memory_not_equal(a + 1, zero, 5);
}

static void test_every_byte_of_identity_counts(void **state)
{
	(void)state;
	char id[16] = "server-0";
	uint8_t base[ISCSI_ISID_SIZE], other[ISCSI_ISID_SIZE];
	iscsi_isid_derive(id, sizeof(id), base);
	for (size_t i = 0; i < sizeof(id); i++) {
		id[i] ^= 1;
		iscsi_isid_derive(id, sizeof(id), other);
		assert_memory_not_equal(base, other, ISCSI_ISID_SIZE);
		id[i] ^= 1;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_and_stability),
		cmocka_unit_test(test_every_byte_of_identity_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
