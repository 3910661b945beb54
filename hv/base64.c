#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t b = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			b |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			b |= in[i + 2];
		out[o++] = alphabet[(b >> 18) & 63];
		out[o++] = alphabet[(b >> 12) & 63];
		out[o++] = i + 1 < n ? alphabet[(b >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? alphabet[b & 63] : '=';
	}
	out[o] = 0;
	return o;
}
