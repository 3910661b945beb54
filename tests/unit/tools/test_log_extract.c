/*
 * tools/log_extract.c: the log block of a console capture, decoded. Noise
 * before and after, CRLF line ends, trailing blanks and a prefix before the
 * marker are taken; a missing BEGIN or END, a stray character inside the
 * block and a block cut short are refused with the reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tools/log_extract.h"

static long extract(const char *capture, uint8_t *out, char *why)
{
	char scratch[512];
	size_t len = strlen(capture);
	assert_true(LOG_EXTRACT_SCRATCH(len) <= sizeof(scratch));
	return log_extract(capture, len, scratch, out, why, 200);
}

static void test_block_between_markers(void **state)
{
	(void)state;
	uint8_t out[512];
	char why[200];
	const char *capture = "ftvisor> replay-check\r\n"
			      "[ 1.2] replay: ----- BEGIN FTVISOR LOG -----  \r\n"
			      "AAEC\r\n"
			      "A/8= \t\r\n"
			      "----- END FTVISOR LOG -----\r\n"
			      "ftvisor> \r\n"
			      "----- BEGIN FTVISOR LOG -----\nBBBB\n----- END FTVISOR LOG -----\n";
	assert_int_equal(extract(capture, out, why), 5);
	assert_memory_equal(out, "\x00\x01\x02\x03\xff", 5);
	assert_int_equal(extract("----- BEGIN FTVISOR LOG -----\n----- END FTVISOR LOG -----", out,
				 why),
			 0);
}

static void test_refusals(void **state)
{
	(void)state;
	uint8_t out[512];
	char why[200];
	assert_int_equal(extract("AAEC\n----- END FTVISOR LOG -----\n", out, why), -1);
	assert_string_equal(why, "no \"----- BEGIN FTVISOR LOG -----\" line");
	assert_int_equal(extract("x\n----- BEGIN FTVISOR LOG -----\nAAEC\n", out, why), -1);
	assert_non_null(strstr(why, "after the BEGIN on line 2"));
	assert_int_equal(extract("----- BEGIN FTVISOR LOG -----\nAA EC\n", out, why), -1);
	assert_string_equal(why, "line 2: unexpected character 0x20 inside the log block");
	assert_int_equal(extract("----- BEGIN FTVISOR LOG -----\nAAE\n----- END FTVISOR LOG -----",
				 out, why),
			 -1);
	assert_non_null(strstr(why, "not a multiple of 4"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_between_markers),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
