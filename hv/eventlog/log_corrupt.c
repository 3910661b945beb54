#include "hv/eventlog/log_corrupt.h"

#include <string.h>

#include "hv/lib/crc32c.h"
#include "hv/lib/le_bytes.h"
#include "hv/eventlog/log_codec.h"

#define MAX_BATCHES 4096
#define HDR_VERSION_OFFSET 4
#define HDR_CRC_OFFSET 32

const char *log_damage_name(enum log_damage kind)
{
	static const char *const names[DAMAGE_KIND_COUNT] = {
		"flipped bit", "truncated batch", "reordered batches", "wrong version",
	};
	return (unsigned)kind < DAMAGE_KIND_COUNT ? names[kind] : "?";
}

/* Batch start offsets; returns how many batches decode cleanly. */
static size_t batch_offsets(const uint8_t *buf, size_t len, size_t *off, size_t max)
{
	size_t n = 0, pos = 0;
	while (pos < len && n < max) {
		struct log_batch_info info;
		char why[8];
		if (log_batch_decode(buf + pos, len - pos, &info, NULL, 0, why, sizeof(why)) != LOG_OK)
			break;
		off[n++] = pos;
		pos += info.size;
	}
	return n;
}

static void reverse(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		uint8_t t = p[i];
		p[i] = p[n - 1 - i];
		p[n - 1 - i] = t;
	}
}

int log_damage(uint8_t *buf, size_t *len, enum log_damage kind)
{
	static size_t off[MAX_BATCHES + 1];
	size_t n = batch_offsets(buf, *len, off, MAX_BATCHES);
	if (n < 3)
		return -1;
	off[n] = *len;
	size_t k = n / 2;
	size_t start = off[k], size = off[k + 1] - off[k];

	switch (kind) {
	case DAMAGE_FLIP_BIT:
		buf[start + LOG_BATCH_HEADER_SIZE + (size - LOG_BATCH_HEADER_SIZE) / 2] ^= 0x10;
		break;
	case DAMAGE_TRUNCATE:
		*len = start + size / 2;
		break;
	case DAMAGE_REORDER: {
		/* [k][k+1] -> [k+1][k]: reverse each, then both together. */
		size_t next = off[k + 2] - off[k + 1];
		reverse(buf + start, size);
		reverse(buf + start + size, next);
		reverse(buf + start, size + next);
		break;
	}
	case DAMAGE_VERSION: {
		uint8_t *b = buf + start;
		b[HDR_VERSION_OFFSET] = (uint8_t)(LOG_VERSION + 1);
		b[HDR_VERSION_OFFSET + 1] = 0;
		/* A genuine batch of another version, so the CRC is right. */
		put_le(b + HDR_CRC_OFFSET, 0, 4);
		put_le(b + HDR_CRC_OFFSET, crc32c_update(0, b, size), 4);
		break;
	}
	default:
		return -1;
	}
	return (int)k;
}
