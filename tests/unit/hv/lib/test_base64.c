/*
 * hv/base64.c: RFC 4648 base64 with padding. The RFC's test vectors, every
 * byte value in every position of a group, every length from 0 to 57 (one
 * log-dump line) decoded both by a strict decoder written here (canonical
 * padding and zero bits under it) and by the module's own, the returned
 * length and the NUL. The alphabet itself is pinned by the RFC's vectors. Input and output live in heap buffers of the
 * exact sizes the header promises, so ASan catches a byte too many either
 * way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/base64.h"

/* ---- helpers ---- */

/* The size the header asks for: 4 * ceil(n / 3) + 1. */
static size_t out_size(size_t n)
{
	return 4 * ((n + 2) / 3) + 1;
}

/* Encodes a heap copy of in[0..n) into a heap buffer of exactly out_size(n)
 * bytes, pre-filled with a marker; returns it (caller frees) and the count. */
static char *encode_exact(const uint8_t *in, size_t n, size_t *ret)
{
	uint8_t *src = malloc(n ? n : 1);
	char *out = malloc(out_size(n));
	assert_non_null(src);
	assert_non_null(out);
	if (n)
		memcpy(src, in, n);
	memset(out, '#', out_size(n));
	*ret = base64_encode(n ? src : NULL, n, out);
	free(src);
	return out;
}

static void check_vector(const char *plain, const char *want)
{
	size_t ret;
	char *out = encode_exact((const uint8_t *)plain, strlen(plain), &ret);
	assert_string_equal(out, want);
	assert_int_equal(ret, strlen(want));
	free(out);
}

/* Strict decoder: canonical padding only. Returns the byte count, or -1
 * if the text is not canonical base64 or needs more than cap bytes. */
static long decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	if (len % 4 || len / 4 * 3 > cap + 2)
		return -1;
	long n = 0;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			if (s[i + j] == '=') {
				if (i + 4 != len || j < 2)
					return -1;
				pad++;
				v[j] = 0;
			} else {
				if (pad)
					return -1; /* data after padding */
				v[j] = base64_char_value(s[i + j]);
				if (v[j] < 0)
					return -1;
			}
		}
		uint32_t b = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		/* Bits under the padding must be zero (canonical). */
		if (pad == 2 && (b & 0xffff))
			return -1;
		if (pad == 1 && (b & 0xff))
			return -1;
		if ((size_t)n + 3 - (size_t)pad > cap)
			return -1;
		out[n++] = (uint8_t)(b >> 16);
		if (pad < 2)
			out[n++] = (uint8_t)(b >> 8);
		if (pad < 1)
			out[n++] = (uint8_t)b;
	}
	return n;
}

/* ---- tests ---- */

static void test_rfc4648_vectors(void **state)
{
	(void)state;
	check_vector("", "");
	check_vector("f", "Zg==");
	check_vector("fo", "Zm8=");
	check_vector("foo", "Zm9v");
	check_vector("foob", "Zm9vYg==");
	check_vector("fooba", "Zm9vYmE=");
	check_vector("foobar", "Zm9vYmFy");
}

static void test_more_known_values(void **state)
{
	(void)state;
	check_vector("Man", "TWFu");
	check_vector("Ma", "TWE=");
	check_vector("M", "TQ==");
	check_vector("any carnal pleasure.", "YW55IGNhcm5hbCBwbGVhc3VyZS4=");
	check_vector("\xff\xff\xff", "////");
	check_vector("\xfb\xff", "+/8=");
	check_vector("\xf8", "+A==");
	size_t ret;
	const uint8_t zeros[3] = { 0, 0, 0 };
	char *out = encode_exact(zeros, 3, &ret);
	assert_string_equal(out, "AAAA");
	free(out);
	out = encode_exact(zeros, 1, &ret);
	assert_string_equal(out, "AA==");
	free(out);
}

static void test_empty(void **state)
{
	(void)state;
	char out[1] = { 'x' };
	assert_int_equal(base64_encode(NULL, 0, out), 0);
	assert_int_equal(out[0], 0);
}

/* Every byte value in each of the three positions of a group: every
 * 6-bit character of the alphabet comes out where it should. */
static void test_every_byte_value(void **state)
{
	(void)state;
	int used[64] = { 0 };
	for (unsigned pos = 0; pos < 3; pos++)
		for (unsigned v = 0; v < 256; v++) {
			uint8_t in[3] = { 0, 0, 0 };
			in[pos] = (uint8_t)v;
			size_t ret;
			char *out = encode_exact(in, 3, &ret);
			assert_int_equal(ret, 4);
			uint32_t want = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
			for (unsigned j = 0; j < 4; j++) {
				int cv = base64_char_value(out[j]);
				if (cv < 0)
					fail_msg("byte 0x%02x at %u: '%c' is not base64", v, pos, out[j]);
				if ((uint32_t)cv != ((want >> (18 - 6 * j)) & 63))
					fail_msg("byte 0x%02x at %u: char %u is '%c'", v, pos, j, out[j]);
				used[cv] = 1;
			}
			free(out);
		}
	for (int i = 0; i < 64; i++)
		assert_true(used[i]);

	/* All 256 values in one buffer round-trip. */
	uint8_t all[256], back[256];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	size_t ret;
	char *out = encode_exact(all, sizeof(all), &ret);
	assert_int_equal(ret, 344);
	assert_int_equal(decode(out, ret, back, sizeof(back)), 256);
	assert_memory_equal(back, all, 256);
	assert_string_equal(out + 340, "/w==");
	free(out);
}

static void test_every_length(void **state)
{
	(void)state;
	uint64_t s = 0x0123456789abcdefull;
	for (size_t n = 0; n <= 57; n++)
		for (int round = 0; round < 20; round++) {
			uint8_t in[57], back[57];
			for (size_t i = 0; i < n; i++) {
				s = s * 6364136223846793005ull + 1442695040888963407ull;
				in[i] = (uint8_t)(s >> 56);
			}
			size_t ret;
			char *out = encode_exact(in, n, &ret);
			/* Length: 4 per started group of 3, and the NUL right after. */
			assert_int_equal(ret, 4 * ((n + 2) / 3));
			assert_int_equal(strlen(out), ret);
			assert_int_equal(out[ret], 0);
			/* Padding: '=' for each byte missing from the last group. */
			size_t pad = (3 - n % 3) % 3;
			for (size_t i = 0; i < ret; i++) {
				int is_pad = i >= ret - pad;
				if (is_pad != (out[i] == '='))
					fail_msg("length %zu: '%c' at %zu", n, out[i], i);
			}
			long got = decode(out, ret, back, sizeof(back));
			if (got != (long)n)
				fail_msg("length %zu: \"%s\" decodes to %ld bytes", n, out, got);
			assert_memory_equal(back, in, n);
			/* The module's own decoder (the log tool's) agrees. */
			char why[96];
			memset(back, 0, sizeof(back));
			assert_int_equal(base64_decode(out, ret, back, why, sizeof(why)), (long)n);
			assert_memory_equal(back, in, n);
			free(out);
		}
}

/* Writes exactly ret + 1 bytes, even into a larger buffer. */
static void test_writes_nothing_more(void **state)
{
	(void)state;
	const uint8_t in[5] = { 1, 2, 3, 4, 5 };
	char out[32];
	memset(out, '#', sizeof(out));
	size_t ret = base64_encode(in, sizeof(in), out);
	assert_int_equal(ret, 8);
	assert_string_equal(out, "AQIDBAU=");
	for (size_t i = ret + 1; i < sizeof(out); i++)
		assert_int_equal(out[i], '#');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_more_known_values),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_every_byte_value),
		cmocka_unit_test(test_every_length),
		cmocka_unit_test(test_writes_nothing_more),
	};
	return cmocka_run_group_tests_name("base64", tests, NULL, NULL);
}
