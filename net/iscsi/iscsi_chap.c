#include "net/iscsi/iscsi_chap.h"

#include <string.h>

#include "hv/lib/base64.h"
#include "hv/lib/md5.h"

long iscsi_value_binary(const struct iscsi_kv *kv, uint8_t *out, size_t cap)
{
	const char *s = kv->value;
	size_t n = kv->value_len;
	if (n < 3 || s[0] != '0')
		return -1;
	if (s[1] == 'b' || s[1] == 'B') {
		if ((n - 2) % 4 || (n - 2) / 4 * 3 > cap)
			return -1;
		char why[8];
		return base64_decode(s + 2, n - 2, out, why, sizeof(why));
	}
	if (s[1] != 'x' && s[1] != 'X')
		return -1;
	size_t digits = n - 2, bytes = (digits + 1) / 2;
	if (bytes > cap)
		return -1;
	/* An odd count: the first byte has one digit. */
	size_t at = 2;
	for (size_t i = 0; i < bytes; i++) {
		int hi = 0;
		if (i > 0 || digits % 2 == 0)
			hi = iscsi_hex_digit(s[at++]);
		int lo = iscsi_hex_digit(s[at++]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)bytes;
}

const char *iscsi_chap_response(const struct iscsi_kv *id, const struct iscsi_kv *challenge,
				const char *secret, char out[ISCSI_CHAP_RESPONSE_SIZE])
{
	uint32_t ident;
	if (!iscsi_value_u32(id, &ident) || ident > 255)
		return "CHAP_I is not a number from 0 to 255";
	uint8_t c[ISCSI_CHAP_MAX_CHALLENGE];
	long clen = iscsi_value_binary(challenge, c, sizeof(c));
	if (clen <= 0)
		return "CHAP_C is not a binary value of 1 to 1024 bytes";
	uint8_t idb = (uint8_t)ident, digest[MD5_DIGEST_SIZE];
	struct md5_ctx m;
	md5_init(&m);
	md5_update(&m, &idb, 1);
	md5_update(&m, secret, strlen(secret));
	md5_update(&m, c, (size_t)clen);
	md5_final(&m, digest);
	static const char hex[] = "0123456789abcdef";
	out[0] = '0';
	out[1] = 'x';
	for (unsigned i = 0; i < MD5_DIGEST_SIZE; i++) {
		out[2 + 2 * i] = hex[digest[i] >> 4];
		out[3 + 2 * i] = hex[digest[i] & 15];
	}
	out[2 + 2 * MD5_DIGEST_SIZE] = 0;
	return NULL;
}
