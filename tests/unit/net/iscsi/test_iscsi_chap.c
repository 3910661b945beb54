/*
 * net/iscsi/iscsi_chap.c: binary values in hex (even and odd digit counts)
 * and base64, refused junk, and CHAP_R = MD5(id, secret, challenge) against
 * digests computed independently (Python's hashlib).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/iscsi/iscsi_chap.h"

static struct iscsi_kv kv(const char *value)
{
	struct iscsi_kv k = { "X", 1, value, strlen(value) };
	return k;
}

static void test_binary_values(void **state)
{
	(void)state;
	uint8_t out[32];
	struct iscsi_kv k = kv("0x0aBc");
	assert_int_equal(iscsi_value_binary(&k, out, sizeof(out)), 2);
	assert_int_equal(out[0], 0x0a);
	assert_int_equal(out[1], 0xbc);
	k = kv("0xabc"); /* odd: a leading 0 */
	assert_int_equal(iscsi_value_binary(&k, out, sizeof(out)), 2);
	assert_int_equal(out[0], 0x0a);
	assert_int_equal(out[1], 0xbc);
	k = kv("0bAQIDBAUGBwgJCgsMDQ4PEA==");
	assert_int_equal(iscsi_value_binary(&k, out, sizeof(out)), 16);
	assert_int_equal(out[15], 0x10);
	const char *bad[] = { "", "0x", "abcd", "0xzz", "0b!!!!", "0bAQI", "0q12" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k = kv(bad[i]);
		assert_true(iscsi_value_binary(&k, out, sizeof(out)) < 0);
	}
	k = kv("0x010203");
	assert_true(iscsi_value_binary(&k, out, 2) < 0); /* too long for the room */
}

static void test_chap_response(void **state)
{
	(void)state;
	char r[ISCSI_CHAP_RESPONSE_SIZE];
	struct iscsi_kv id = kv("7"), c = kv("0x0102030405060708090a0b0c0d0e0f10");
	assert_null(iscsi_chap_response(&id, &c, "secretsecret", r));
	assert_string_equal(r, "0xfd1043ba0b3ceab4dd514b0ebcc793fb");
	/* the same challenge in base64 */
	c = kv("0bAQIDBAUGBwgJCgsMDQ4PEA==");
	assert_null(iscsi_chap_response(&id, &c, "secretsecret", r));
	assert_string_equal(r, "0xfd1043ba0b3ceab4dd514b0ebcc793fb");
	id = kv("200");
	c = kv("0xabc");
	assert_null(iscsi_chap_response(&id, &c, "pw", r));
	assert_string_equal(r, "0x859c19bf6937954877e118aa2f69e1d9");
	id = kv("256");
	assert_non_null(iscsi_chap_response(&id, &c, "pw", r));
	id = kv("1");
	c = kv("nothex");
	assert_non_null(iscsi_chap_response(&id, &c, "pw", r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binary_values),
		cmocka_unit_test(test_chap_response),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
