#include "hv/lib/hash64.h"

#include <string.h>

#define MULTIPLIER 0x100000001b3ull  /* the 64-bit FNV prime */

static uint64_t mix_word(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= MULTIPLIER;
	return h ^ (h >> 29);
}

uint64_t hash64_update(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len >= 8) {
		uint64_t w;
		__builtin_memcpy(&w, p, 8); /* inlined: -ffreestanding makes memcpy a call */
		h = mix_word(h, w);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;
		memcpy(&w, p, len);
		h = mix_word(h, w ^ ((uint64_t)len << 56));
	}
	return h;
}

uint64_t hash64_final(uint64_t h)
{
	/* Avalanche so that nearby states give unrelated hashes. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}
