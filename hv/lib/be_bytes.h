/* Big-endian fields in byte buffers (network order: iSCSI, SCSI CDBs). */
#ifndef FTV_BE_BYTES_H
#define FTV_BE_BYTES_H

#include <stdint.h>

static inline void put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[bytes - 1 - i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t get_be(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

#endif
