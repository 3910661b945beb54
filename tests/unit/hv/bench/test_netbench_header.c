/*
 * hv/bench/netbench_header.c: the header a net.bench sink reads from any
 * peer. A written header parses back; a wrong magic, a byte count beyond
 * NETBENCH_MAX_BULK (up to 2^64 - 1, which would wrap the sink's
 * header + bulk) and too many round trips are refused with a reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/bench/netbench_header.h"

static void test_round_trip(void **state)
{
	(void)state;
	uint8_t raw[NETBENCH_HEADER_SIZE];
	struct netbench_header h = { 200, 16ull << 20 }, back;
	char why[128] = "";
	netbench_header_write(&h, raw);
	assert_memory_equal(raw, "NBCH", 4);
	assert_int_equal(netbench_header_parse(raw, &back, why, sizeof(why)), 0);
	assert_int_equal(back.rounds, 200);
	assert_int_equal(back.bulk, 16ull << 20);

	h = (struct netbench_header){ NETBENCH_MAX_ROUNDS, NETBENCH_MAX_BULK };
	netbench_header_write(&h, raw);
	assert_int_equal(netbench_header_parse(raw, &back, why, sizeof(why)), 0);
	assert_int_equal(back.bulk, NETBENCH_MAX_BULK);
}

static void test_refuses_wrong_magic(void **state)
{
	(void)state;
	uint8_t raw[NETBENCH_HEADER_SIZE];
	struct netbench_header back;
	char why[128];
	netbench_header_write(&(struct netbench_header){ 1, 1 }, raw);
	raw[3] ^= 0x20;
	assert_int_equal(netbench_header_parse(raw, &back, why, sizeof(why)), -1);
	assert_string_equal(why, "not a net.bench sender");
}

static void test_refuses_counts_that_would_wrap(void **state)
{
	(void)state;
	uint8_t raw[NETBENCH_HEADER_SIZE];
	struct netbench_header back;
	char why[128];
	netbench_header_write(&(struct netbench_header){ 200, UINT64_MAX - 15 }, raw);
	assert_int_equal(netbench_header_parse(raw, &back, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "18446744073709551600 bytes, more than the 4096 MiB"));

	netbench_header_write(&(struct netbench_header){ 200, NETBENCH_MAX_BULK + 1 }, raw);
	assert_int_equal(netbench_header_parse(raw, &back, why, sizeof(why)), -1);

	netbench_header_write(&(struct netbench_header){ UINT32_MAX, 1 }, raw);
	assert_int_equal(netbench_header_parse(raw, &back, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "4294967295 round trips"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refuses_wrong_magic),
		cmocka_unit_test(test_refuses_counts_that_would_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
