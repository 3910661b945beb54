#include "hv/lib/base64.h"

#include <stdio.h>

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

/* 0..63 for a base64 character of the standard alphabet, -1 otherwise. */
int base64_char_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decodes base64 text with no whitespace into out (room for len / 4 * 3
 * bytes). '=' may only pad the last group. Returns the byte count, or -1
 * with 'why' set.
 */
long base64_decode(const char *text, size_t len, uint8_t *out, char *why, size_t why_size)
{
	if (len % 4) {
		snprintf(why, why_size, "%zu base64 characters, not a multiple of 4 (block cut short?)",
			 len);
		return -1;
	}
	size_t n = 0;
	for (size_t g = 0; g < len; g += 4) {
		int last = g + 4 == len;
		uint32_t bits = 0;
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			char c = text[g + k];
			int v = base64_char_value(c);
			if (c == '=' && last && k >= 2) {
				pad++;
				v = 0;
			} else if (v < 0 || pad) {
				snprintf(why, why_size, "bad base64 character '%c' at position %zu", c,
					 g + k);
				return -1;
			}
			bits = bits << 6 | (uint32_t)v;
		}
		out[n++] = (uint8_t)(bits >> 16);
		if (pad < 2)
			out[n++] = (uint8_t)(bits >> 8);
		if (pad < 1)
			out[n++] = (uint8_t)bits;
	}
	return (long)n;
}
