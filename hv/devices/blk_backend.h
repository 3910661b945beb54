/*
 * What a virtual disk hands its requests to: a RAM disk in the tests, the
 * iSCSI LUN under record/replay later. A request names guest buffers
 * (already checked to lie in guest RAM); the backend either finishes it
 * in submit() or answers BLK_PENDING and calls virtio_blk_complete() with
 * the request's tag when it is done.
 */
#ifndef FTV_BLK_BACKEND_H
#define FTV_BLK_BACKEND_H

#include <stdint.h>

#include "hv/devices/virtq.h"

#define BLK_SECTOR_SIZE 512
#define BLK_PENDING (-1)

enum blk_op { BLK_OP_READ, BLK_OP_WRITE, BLK_OP_FLUSH };

struct blk_iov {
	uint8_t *base;   /* host address of a guest buffer */
	uint32_t len;
};

struct blk_request {
	enum blk_op op;
	uint64_t sector;          /* in BLK_SECTOR_SIZE units */
	uint32_t tag;             /* names the request to virtio_blk_complete() */
	uint32_t bytes;           /* the sum of the buffers, a whole number of sectors */
	uint16_t iov_count;
	struct blk_iov iov[VIRTQ_SIZE_MAX];
};

struct blk_backend_ops {
	/* A VIRTIO_BLK_S_* status when done, or BLK_PENDING. */
	int (*submit)(void *ctx, const struct blk_request *r);
};

struct blk_backend {
	const struct blk_backend_ops *ops;
	void *ctx;
	uint64_t sectors;         /* the disk's size */
};

#endif
