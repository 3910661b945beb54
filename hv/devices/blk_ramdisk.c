#include "hv/devices/blk_ramdisk.h"

#include <string.h>

#include "hv/devices/virtio_blk.h"

static int submit(void *ctx, const struct blk_request *r)
{
	struct blk_ramdisk *d = ctx;
	if (r->op == BLK_OP_FLUSH) {
		d->flushes++;
		return VIRTIO_BLK_S_OK;
	}
	/* The device checked the range; a backend trusts no one. */
	if (r->sector > d->sectors || r->bytes / BLK_SECTOR_SIZE > d->sectors - r->sector)
		return VIRTIO_BLK_S_IOERR;
	if (r->bytes == 0)
		return VIRTIO_BLK_S_OK; /* nothing to move (and a disk of no medium has no data) */
	uint8_t *at = d->data + r->sector * BLK_SECTOR_SIZE;
	for (unsigned i = 0; i < r->iov_count; i++) {
		if (r->op == BLK_OP_READ)
			memcpy(r->iov[i].base, at, r->iov[i].len);
		else
			memcpy(at, r->iov[i].base, r->iov[i].len);
		at += r->iov[i].len;
	}
	*(r->op == BLK_OP_READ ? &d->reads : &d->writes) += 1;
	return VIRTIO_BLK_S_OK;
}

static const struct blk_backend_ops ramdisk_ops = { submit };

void blk_ramdisk_init(struct blk_ramdisk *d, uint8_t *data, uint64_t sectors,
		      struct blk_backend *out)
{
	memset(d, 0, sizeof(*d));
	d->data = data;
	d->sectors = sectors;
	*out = (struct blk_backend){ &ramdisk_ops, d, sectors };
}
