/* A disk in a buffer: the blk_backend of the tests (and of a guest that
 * needs no shared storage). Finishes every request at once. */
#ifndef FTV_BLK_RAMDISK_H
#define FTV_BLK_RAMDISK_H

#include <stdint.h>

#include "hv/devices/blk_backend.h"

struct blk_ramdisk {
	uint8_t *data;
	uint64_t sectors;
	uint64_t reads, writes, flushes;
};

/* A backend over 'sectors' sectors at 'data'. */
void blk_ramdisk_init(struct blk_ramdisk *d, uint8_t *data, uint64_t sectors,
		      struct blk_backend *out);

#endif
