/*
 * hv/log_format.c: the console line layout. Output goes into a larger
 * array filled with a guard byte, so writes past 'size' are caught even
 * where ASan cannot see them (inside one object).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/config.h"
#include "hv/lib/log_format.h"

#define GUARD '\xee'
#define ARENA 2048

static char arena[ARENA];

/* Formats into the first 'size' bytes of the arena and checks the contract:
 * NUL-terminated inside 'size', return value = length, nothing touched beyond. */
static const char *fmt(size_t size, uint64_t usec, unsigned level, const char *sub,
		       const char *msg)
{
	assert_true(size < ARENA);
	memset(arena, GUARD, sizeof(arena));
	size_t n = log_format_line(arena, size, usec, level, sub, msg);
	for (size_t i = size; i < ARENA; i++)
		if (arena[i] != GUARD)
			fail_msg("size %zu: byte %zu written", size, i);
	if (size == 0) {
		assert_int_equal(n, 0);
		return arena;
	}
	assert_non_null(memchr(arena, 0, size));
	assert_int_equal(n, strlen(arena));
	assert_true(n < size);
	return arena;
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);
	return a >= b && memcmp(s + a - b, tail, b) == 0;
}

/* The exact layout: 5-wide seconds, 6-digit microseconds, subsystem. */
static void test_layout(void **state)
{
	(void)state;
	assert_string_equal(fmt(256, 1000002, LOG_INFO, "sub", "msg"),
			    "[    1.000002] sub: msg\n");
	assert_string_equal(fmt(256, 0, LOG_DEBUG, "vmx", "ready"),
			    "[    0.000000] vmx: ready\n");
	assert_string_equal(fmt(256, 12345678901ull, LOG_INFO, "hv", ""),
			    "[12345.678901] hv: \n");
}

/* Errors and warnings are labelled; info and debug are not. */
static void test_level_prefix(void **state)
{
	(void)state;
	assert_string_equal(fmt(256, 42, LOG_ERROR, "ept", "boom"),
			    "[    0.000042] ept: ERROR: boom\n");
	assert_string_equal(fmt(256, 42, LOG_WARN, "ept", "hmm"),
			    "[    0.000042] ept: WARN: hmm\n");
	assert_string_equal(fmt(256, 42, LOG_DEBUG, "ept", "x"), "[    0.000042] ept: x\n");
}

/* Control and non-ASCII bytes become '?', so a message cannot start a new
 * console line or send terminal escapes. */
static void test_control_characters(void **state)
{
	(void)state;
	assert_string_equal(fmt(256, 0, LOG_INFO, "guest", "a\nb\rc\td\x1b[2Je\x7f\x80\xff."),
			    "[    0.000000] guest: a?b?c?d?[2Je???.\n");
}

/* Uptimes of hours and beyond widen the seconds field, never wrap it. */
static void test_large_timestamps(void **state)
{
	(void)state;
	assert_string_equal(fmt(256, 3 * 3600 * 1000000ull + 5, LOG_INFO, "t", "m"),
			    "[10800.000005] t: m\n");
	assert_string_equal(fmt(256, 99999999999ull, LOG_INFO, "t", "m"),
			    "[99999.999999] t: m\n");
	assert_string_equal(fmt(256, 123456000000ull, LOG_INFO, "t", "m"),
			    "[123456.000000] t: m\n");
	assert_string_equal(fmt(256, UINT64_MAX, LOG_INFO, "t", "m"),
			    "[18446744073709.551615] t: m\n");
}

/* A message too long for the buffer ends in "...\n" and fills the buffer. */
static void test_truncation(void **state)
{
	(void)state;
	char msg[1001];
	memset(msg, 'z', 1000);
	msg[1000] = 0;
	const char *out = fmt(128, 1000002, LOG_ERROR, "sub", msg);
	assert_int_equal(strlen(out), 127);
	assert_true(ends_with(out, "zzz...\n"));
	assert_memory_equal(out, "[    1.000002] sub: ERROR: zzz", 30);

	out = fmt(40, 1000002, LOG_INFO, "sub", msg);
	assert_string_equal(out, "[    1.000002] sub: zzzzzzzzzzzzzzz...\n");
}

/* Every buffer size from 0 up: the contract holds, the output is a prefix
 * of the full line (except for the "...\n" ending), a message that fits is
 * never cut, and once the header fits a cut message ends in "...\n". */
static void test_every_size(void **state)
{
	(void)state;
	const char *full = "[    1.000002] sub: WARN: a message of some length\n";
	const size_t header = strlen("[    1.000002] sub: WARN: ");
	size_t len = strlen(full);
	for (size_t size = 0; size <= len + 8; size++) {
		const char *out = fmt(size, 1000002, LOG_WARN, "sub", "a message of some length");
		if (size == 0)
			continue;
		if (size > len) {
			assert_string_equal(out, full);
			continue;
		}
		size_t n = strlen(out);
		assert_int_equal(n, size - 1);    /* the buffer is used to the end */
		if (size >= header + 5) {
			if (!ends_with(out, "...\n"))
				fail_msg("size %zu: \"%s\"", size, out);
			assert_memory_equal(out, full, n - 4);
		} else {
			/* the header is cut: at least what is there is right */
			size_t same = n;
			while (same && out[same - 1] == '.')
				same--;
			assert_memory_equal(out, full, same);
		}
	}
}

/* Tiny buffers (1, 8, 20 bytes) stay within bounds and terminated. */
static void test_tiny_buffers(void **state)
{
	(void)state;
	char msg[1001];
	memset(msg, 'q', 1000);
	msg[1000] = 0;
	assert_string_equal(fmt(1, 5, LOG_ERROR, "sub", msg), "");
	assert_string_equal(fmt(8, 5, LOG_ERROR, "sub", msg), "[    0.");
	const char *out = fmt(20, 5, LOG_ERROR, "sub", msg);
	assert_int_equal(strlen(out), 19);
	assert_memory_equal(out, "[    0.000005] sub:", 19);
	fmt(0, 5, LOG_ERROR, "sub", msg);
	fmt(2, 5, LOG_ERROR, "subsystem-with-a-long-name", msg);
	fmt(5, 5, LOG_INFO, "", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_level_prefix),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_large_timestamps),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_every_size),
		cmocka_unit_test(test_tiny_buffers),
	};
	return cmocka_run_group_tests_name("log_format", tests, NULL, NULL);
}
