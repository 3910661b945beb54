/*
 * hv/lib/md5.c: the test suite of RFC 1321 (appendix A.5), and the same
 * digests when the input arrives in pieces of every size (block boundaries,
 * the 55/56/64-byte padding cases).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/md5.h"

static const struct { const char *in, *hex; } vectors[] = {
	{ "", "d41d8cd98f00b204e9800998ecf8427e" },
	{ "a", "0cc175b9c0f1b6a831c399e269772661" },
	{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
	{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
	{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	  "d174ab98d277d9f5a5611c2c9f419d9f" },
	{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	  "57edf4a22be3c955ac49da2e2107b67a" },
};

static void hex(const uint8_t d[MD5_DIGEST_SIZE], char out[33])
{
	for (int i = 0; i < MD5_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_rfc1321_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint8_t d[MD5_DIGEST_SIZE];
		char h[33];
		md5(vectors[i].in, strlen(vectors[i].in), d);
		hex(d, h);
		assert_string_equal(h, vectors[i].hex);
	}
}

static void test_pieces_match_one_shot(void **state)
{
	(void)state;
	uint8_t msg[200];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(msg); len++) {
		uint8_t whole[MD5_DIGEST_SIZE];
		md5(msg, len, whole);
		for (size_t piece = 1; piece <= 65; piece += 8) {
			struct md5_ctx c;
			md5_init(&c);
			for (size_t at = 0; at < len; at += piece)
				md5_update(&c, msg + at, len - at < piece ? len - at : piece);
			uint8_t d[MD5_DIGEST_SIZE];
			md5_final(&c, d);
			assert_memory_equal(d, whole, MD5_DIGEST_SIZE);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1321_vectors),
		cmocka_unit_test(test_pieces_match_one_shot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
