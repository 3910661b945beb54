#include "hv/devices/virtio_blk.h"

#include <string.h>

#include "hv/lib/hash64.h"
#include "hv/lib/le_bytes.h"
#include "hv/lib/log.h"

#define REQUEST_QUEUE 0
#define HEADER_TYPE 0
#define HEADER_SECTOR 8
#define TAG_HEAD_BITS 16

static uint32_t make_tag(const struct virtio_blk *b, uint16_t head)
{
	return (uint32_t)b->epoch << TAG_HEAD_BITS | head;
}

static void give_back(struct virtio_blk *b, uint16_t head, uint32_t used_len)
{
	struct virtio_pci *t = &b->pci;
	struct virtq *q = &t->vq[REQUEST_QUEUE];
	enum virtq_error err;
	if (virtq_push_used(&t->mem, q, head, used_len, &err) != 0) {
		virtio_pci_fail(t, "used ring", virtq_error_name(err));
		return;
	}
	if (virtq_wants_interrupt(&t->mem, q))
		virtio_pci_interrupt(t, VIRTIO_ISR_QUEUE);
}

static void finish(struct virtio_blk *b, uint16_t head, uint64_t status_gpa, uint32_t used_len,
		   uint8_t status)
{
	/* In RAM: the walker checked the status buffer. */
	*guest_range(&b->pci.mem, status_gpa, 1) = status;
	if (status != VIRTIO_BLK_S_OK)
		b->io_errors++;
	give_back(b, head, used_len);
}

/* Checks the chain's shape for 'type' and fills b->req's buffers from the
 * data descriptors. NULL, or why the chain is malformed. */
static const char *gather(struct virtio_blk *b, uint32_t type)
{
	const struct virtq_chain *c = &b->chain;
	struct blk_request *r = &b->req;
	int data_writable = type != VIRTIO_BLK_T_OUT;
	r->iov_count = 0;
	r->bytes = 0;
	for (unsigned i = 1; i + 1 < c->count; i++) {
		const struct virtq_seg *s = &c->seg[i];
		if (s->writable != data_writable)
			return data_writable ? "a read-only buffer where the device writes"
					     : "a device-writable buffer in a write request";
		r->iov[r->iov_count++] = (struct blk_iov){ guest_range(&b->pci.mem, s->gpa, s->len), s->len };
		r->bytes += s->len;
	}
	return NULL;
}

static void answer_get_id(struct virtio_blk *b, uint16_t head, uint64_t status_gpa)
{
	const struct blk_request *r = &b->req;
	uint32_t copied = 0;
	for (unsigned i = 0; i < r->iov_count && copied < VIRTIO_BLK_ID_BYTES; i++) {
		uint32_t n = r->iov[i].len;
		if (n > VIRTIO_BLK_ID_BYTES - copied)
			n = VIRTIO_BLK_ID_BYTES - copied;
		memcpy(r->iov[i].base, b->serial + copied, n);
		copied += n;
	}
	finish(b, head, status_gpa, copied + 1, VIRTIO_BLK_S_OK);
}

/* Whether the data fits the disk: whole sectors, inside it. */
static int in_range(const struct virtio_blk *b, const struct blk_request *r)
{
	uint64_t sectors = r->bytes / BLK_SECTOR_SIZE;
	return r->bytes % BLK_SECTOR_SIZE == 0 && r->sector <= b->backend.sectors &&
	       sectors <= b->backend.sectors - r->sector;
}

/* One chain taken from the queue. 0, or -1 when the device failed. */
static int handle(struct virtio_blk *b)
{
	const struct virtq_chain *c = &b->chain;
	struct blk_request *r = &b->req;
	const struct virtq_seg *hdr = &c->seg[0], *st = &c->seg[c->count - 1];
	const char *why = NULL;
	if (c->count < 2 || hdr->writable || hdr->len < VIRTIO_BLK_HEADER_BYTES)
		why = "no read-only header descriptor";
	else if (!st->writable || st->len < 1)
		why = "no device-writable status descriptor";
	else if (c->head >= VIRTIO_BLK_QUEUE_SIZE || b->inflight[c->head].busy)
		why = "a request still in flight made available again";
	if (why) {
		virtio_pci_fail(&b->pci, "malformed request", why);
		return -1;
	}
	const uint8_t *h = guest_range(&b->pci.mem, hdr->gpa, VIRTIO_BLK_HEADER_BYTES);
	uint32_t type = (uint32_t)get_le(h + HEADER_TYPE, 4);
	uint64_t status_gpa = st->gpa + st->len - 1;
	b->requests++;

	if (type != VIRTIO_BLK_T_IN && type != VIRTIO_BLK_T_OUT && type != VIRTIO_BLK_T_FLUSH &&
	    type != VIRTIO_BLK_T_GET_ID) {
		finish(b, c->head, status_gpa, 1, VIRTIO_BLK_S_UNSUPP);
		return 0;
	}
	why = gather(b, type);
	if (why) {
		virtio_pci_fail(&b->pci, "malformed request", why);
		return -1;
	}
	if (type == VIRTIO_BLK_T_GET_ID) {
		answer_get_id(b, c->head, status_gpa);
		return 0;
	}
	r->op = type == VIRTIO_BLK_T_IN ? BLK_OP_READ : type == VIRTIO_BLK_T_OUT ? BLK_OP_WRITE
									  : BLK_OP_FLUSH;
	r->sector = get_le(h + HEADER_SECTOR, 8);
	r->tag = make_tag(b, c->head);
	uint32_t used_len = 1 + (r->op == BLK_OP_READ ? r->bytes : 0);
	if (r->op != BLK_OP_FLUSH && !in_range(b, r)) {
		finish(b, c->head, status_gpa, 1, VIRTIO_BLK_S_IOERR);
		return 0;
	}
	int status = b->backend.ops->submit(b->backend.ctx, r);
	if (status == BLK_PENDING) {
		b->inflight[c->head] = (struct vblk_inflight){ 1, status_gpa, used_len };
		return 0;
	}
	finish(b, c->head, status_gpa, status == VIRTIO_BLK_S_OK ? used_len : 1, (uint8_t)status);
	return 0;
}

static void notify(void *dev, unsigned queue)
{
	struct virtio_blk *b = dev;
	struct virtio_pci *t = &b->pci;
	(void)queue; /* the only queue */
	for (;;) {
		enum virtq_error err;
		int rc = virtq_pop(&t->mem, &t->vq[REQUEST_QUEUE], &b->chain, &err);
		if (rc == 0)
			return;
		if (rc < 0) {
			virtio_pci_fail(t, "request queue", virtq_error_name(err));
			return;
		}
		if (handle(b) != 0)
			return;
	}
}

static void reset(void *dev)
{
	struct virtio_blk *b = dev;
	memset(b->inflight, 0, sizeof(b->inflight));
	b->epoch++;
}

static const struct virtio_device_ops blk_ops = { notify, reset };

void virtio_blk_init(struct virtio_blk *b, const struct guest_mem *mem,
		     const struct blk_backend *backend, const char *serial)
{
	memset(b, 0, sizeof(*b));
	virtio_pci_init(&b->pci, "virtio-blk", mem, 1, VIRTIO_BLK_QUEUE_SIZE, &blk_ops, b);
	b->backend = *backend;
	strncpy(b->serial, serial, sizeof(b->serial));
	b->pci.host_features = 1u << VIRTIO_BLK_F_SEG_MAX | 1u << VIRTIO_BLK_F_BLK_SIZE |
			       1u << VIRTIO_BLK_F_FLUSH;
	uint8_t *cfg = b->pci.config;
	put_le(cfg + VIRTIO_BLK_CFG_CAPACITY, backend->sectors, 8);
	/* Every descriptor but the header's and the status byte's. */
	put_le(cfg + VIRTIO_BLK_CFG_SEG_MAX, VIRTIO_BLK_QUEUE_SIZE - 2, 4);
	put_le(cfg + VIRTIO_BLK_CFG_BLK_SIZE, BLK_SECTOR_SIZE, 4);
	b->pci.config_size = VIRTIO_BLK_CFG_BYTES;
}

int virtio_blk_attach(struct virtio_blk *b, struct vpci *bus)
{
	return virtio_pci_attach(&b->pci, bus, VIRTIO_BLK_SLOT, VIRTIO_ID_BLOCK, PCI_CLASS_STORAGE,
				 PCI_SUBCLASS_STORAGE_OTHER);
}

int virtio_blk_complete(struct virtio_blk *b, uint32_t tag, uint8_t status)
{
	uint16_t head = (uint16_t)tag;
	if ((tag >> TAG_HEAD_BITS) != b->epoch || head >= VIRTIO_BLK_QUEUE_SIZE ||
	    !b->inflight[head].busy) {
		log_error(b->pci.name, "completion of request 0x%x, which is not in flight (ignored)", tag);
		return -1;
	}
	struct vblk_inflight f = b->inflight[head];
	b->inflight[head].busy = 0;
	if (b->pci.status & VIRTIO_STATUS_NEEDS_RESET)
		return 0; /* a failed device touches no more guest memory */
	finish(b, head, f.status_gpa, status == VIRTIO_BLK_S_OK ? f.used_len : 1, status);
	return 0;
}

unsigned virtio_blk_inflight(const struct virtio_blk *b)
{
	unsigned n = 0;
	for (unsigned i = 0; i < VIRTIO_BLK_QUEUE_SIZE; i++)
		n += b->inflight[i].busy;
	return n;
}

uint64_t virtio_blk_hash(uint64_t h, const struct virtio_blk *b)
{
	h = virtio_pci_hash(h, &b->pci);
	for (unsigned i = 0; i < VIRTIO_BLK_QUEUE_SIZE; i++) {
		const struct vblk_inflight *f = &b->inflight[i];
		if (!f->busy)
			continue;
		const uint64_t fields[] = { i, f->status_gpa, f->used_len };
		h = hash64_update(h, fields, sizeof(fields));
	}
	return h;
}
