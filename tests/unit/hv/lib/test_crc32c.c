/*
 * hv/crc32c.c: known answers (the check value and the iSCSI vectors of
 * RFC 3720 B.4), piecewise updates, and the table against a CRC computed
 * one bit at a time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/crc32c.h"

/* The definition, with no table: shift each bit through the register. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t len)
{
	uint32_t reg = 0xffffffffu;
	for (size_t i = 0; i < len; i++) {
		reg ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			reg = (reg >> 1) ^ ((reg & 1) ? 0x82f63b78u : 0);
	}
	return ~reg;
}

static void test_check_value(void **state)
{
	(void)state;
	assert_int_equal(crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(crc32c("", 0), 0);
	assert_int_equal(crc32c_update(0, "", 0), 0);
}

static void test_iscsi_vectors(void **state)
{
	(void)state;
	uint8_t buf[32];

	memset(buf, 0, sizeof(buf));
	assert_int_equal(crc32c(buf, sizeof(buf)), 0x8a9136aau);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(crc32c(buf, sizeof(buf)), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(crc32c(buf, sizeof(buf)), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(crc32c(buf, sizeof(buf)), 0x113fdb5cu);
}

/* Every split of a message into two pieces gives the one-shot CRC. */
static void test_piecewise(void **state)
{
	(void)state;
	static const char msg[] = "The quick brown fox jumps over the lazy dog";
	size_t len = sizeof(msg) - 1;
	uint32_t whole = crc32c(msg, len);
	assert_int_equal(whole, 0x22620404u);
	for (size_t split = 0; split <= len; split++) {
		uint32_t crc = crc32c_update(0, msg, split);
		crc = crc32c_update(crc, msg + split, len - split);
		assert_int_equal(crc, whole);
	}
}

/* Every byte value at every position of a longer buffer: exercises all 256
 * table entries against the bitwise definition. */
static void test_both_paths_against_bitwise(void **state)
{
	(void)state;
	uint8_t buf[1024];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (i < 256) ? (uint8_t)i : (uint8_t)x;
	}
	/* Every length and start offset (the instruction path reads 8 bytes at
	 * a time, unaligned, then single bytes): both paths, one answer. */
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; off + len <= sizeof(buf); len += (len < 64 ? 1 : 7)) {
			uint32_t want = crc32c_bitwise(buf + off, len);
			assert_int_equal(crc32c(buf + off, len), want);
			assert_int_equal(crc32c_update_table(0, buf + off, len), want);
		}
	for (unsigned b = 0; b < 256; b++) {
		uint8_t one = (uint8_t)b;
		assert_int_equal(crc32c(&one, 1), crc32c_bitwise(&one, 1));
		assert_int_equal(crc32c_update_table(0, &one, 1), crc32c_bitwise(&one, 1));
	}
	/* Pieces may alternate between the paths. */
	uint32_t crc = crc32c_update_table(0, buf, 100);
	crc = crc32c_update(crc, buf + 100, 333);
	assert_int_equal(crc32c_update_table(crc, buf + 433, 91), crc32c_bitwise(buf, 524));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_iscsi_vectors),
		cmocka_unit_test(test_piecewise),
		cmocka_unit_test(test_both_paths_against_bitwise),
	};
	return cmocka_run_group_tests_name("crc32c", tests, NULL, NULL);
}
