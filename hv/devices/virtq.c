#include "hv/devices/virtq.h"

#include "hv/lib/le_bytes.h"

/* Offsets inside the rings (virtio 1.x 2.7.6, 2.7.8). */
#define AVAIL_FLAGS 0
#define AVAIL_IDX 2
#define AVAIL_RING 4
#define USED_IDX 2
#define USED_RING 4
#define DESC_ADDR 0
#define DESC_LEN 8
#define DESC_FLAGS 12
#define DESC_NEXT 14

static const char *const error_names[VIRTQ_ERR_COUNT] = {
	[VIRTQ_OK] = "no error",
	[VIRTQ_ERR_NOT_READY] = "queue not set up",
	[VIRTQ_ERR_RING_RANGE] = "rings outside guest RAM",
	[VIRTQ_ERR_AVAIL_JUMP] = "available index jumped more than the queue size",
	[VIRTQ_ERR_HEAD_RANGE] = "chain head outside the descriptor table",
	[VIRTQ_ERR_NEXT_RANGE] = "next descriptor outside the descriptor table",
	[VIRTQ_ERR_LOOP] = "descriptor loop (chain longer than the queue)",
	[VIRTQ_ERR_INDIRECT] = "indirect descriptor (not negotiated)",
	[VIRTQ_ERR_BUF_RANGE] = "buffer outside guest RAM",
	[VIRTQ_ERR_LENGTH] = "chain longer than the device accepts",
};

const char *virtq_error_name(enum virtq_error e)
{
	return (unsigned)e < VIRTQ_ERR_COUNT ? error_names[e] : "unknown error";
}

uint8_t *guest_range(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	if (gpa > m->size || len > m->size - gpa)
		return NULL;
	return m->base + gpa;
}

static uint64_t avail_offset(uint16_t size)
{
	return (uint64_t)VIRTQ_DESC_BYTES * size;
}

static uint64_t used_offset(uint16_t size)
{
	uint64_t avail_end = avail_offset(size) + AVAIL_RING + 2ull * size + 2; /* + used_event */
	return (avail_end + VIRTQ_LEGACY_ALIGN - 1) & ~(uint64_t)(VIRTQ_LEGACY_ALIGN - 1);
}

uint64_t virtq_legacy_bytes(uint16_t size)
{
	return used_offset(size) + USED_RING + (uint64_t)VIRTQ_USED_ELEM_BYTES * size + 2; /* + avail_event */
}

void virtq_setup(struct virtq *q, uint64_t gpa, uint16_t size)
{
	q->gpa = gpa;
	q->size = size;
	q->last_avail = 0;
	q->used_idx = 0;
}

/* The whole ring, or NULL (with *err) when it is not set up or not in RAM. */
static uint8_t *ring(const struct guest_mem *m, const struct virtq *q, enum virtq_error *err)
{
	if (q->size == 0 || q->size > VIRTQ_SIZE_MAX || (q->size & (q->size - 1))) {
		*err = VIRTQ_ERR_NOT_READY;
		return NULL;
	}
	uint8_t *r = guest_range(m, q->gpa, virtq_legacy_bytes(q->size));
	if (!r)
		*err = VIRTQ_ERR_RING_RANGE;
	return r;
}

static int fail(enum virtq_error *err, enum virtq_error e)
{
	*err = e;
	return -1;
}

int virtq_pop(const struct guest_mem *m, struct virtq *q, struct virtq_chain *c,
	      enum virtq_error *err)
{
	uint8_t *r = ring(m, q, err);
	if (!r)
		return -1;
	const uint8_t *avail = r + avail_offset(q->size);
	uint16_t avail_idx = (uint16_t)get_le(avail + AVAIL_IDX, 2);
	uint16_t pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending == 0)
		return 0;
	if (pending > q->size)
		return fail(err, VIRTQ_ERR_AVAIL_JUMP);

	uint16_t slot = q->last_avail & (q->size - 1);
	uint16_t idx = (uint16_t)get_le(avail + AVAIL_RING + 2u * slot, 2);
	if (idx >= q->size)
		return fail(err, VIRTQ_ERR_HEAD_RANGE);
	c->head = idx;
	c->count = 0;
	c->readable_bytes = c->writable_bytes = 0;
	uint64_t total = 0;
	for (;;) {
		if (c->count == q->size)
			return fail(err, VIRTQ_ERR_LOOP);
		/* Each descriptor is read once: what is checked is what is used. */
		const uint8_t *d = r + (uint64_t)VIRTQ_DESC_BYTES * idx;
		uint64_t addr = get_le(d + DESC_ADDR, 8);
		uint32_t len = (uint32_t)get_le(d + DESC_LEN, 4);
		uint16_t flags = (uint16_t)get_le(d + DESC_FLAGS, 2);
		uint16_t next = (uint16_t)get_le(d + DESC_NEXT, 2);
		if (flags & VIRTQ_DESC_F_INDIRECT)
			return fail(err, VIRTQ_ERR_INDIRECT);
		total += len;
		if (total > VIRTQ_MAX_CHAIN_BYTES)
			return fail(err, VIRTQ_ERR_LENGTH);
		if (!guest_range(m, addr, len))
			return fail(err, VIRTQ_ERR_BUF_RANGE);
		struct virtq_seg *s = &c->seg[c->count++];
		s->gpa = addr;
		s->len = len;
		s->writable = (flags & VIRTQ_DESC_F_WRITE) != 0;
		if (s->writable)
			c->writable_bytes += len;
		else
			c->readable_bytes += len;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			break;
		if (next >= q->size)
			return fail(err, VIRTQ_ERR_NEXT_RANGE);
		idx = next;
	}
	q->last_avail++;
	return 1;
}

int virtq_push_used(const struct guest_mem *m, struct virtq *q, uint16_t head, uint32_t len,
		    enum virtq_error *err)
{
	uint8_t *r = ring(m, q, err);
	if (!r)
		return -1;
	uint8_t *used = r + used_offset(q->size);
	uint8_t *elem = used + USED_RING + (uint64_t)VIRTQ_USED_ELEM_BYTES * (q->used_idx & (q->size - 1));
	put_le(elem, head, 4);
	put_le(elem + 4, len, 4);
	/* The element is in place before the index that publishes it (one
	 * vCPU, stopped while we run: program order is enough). */
	q->used_idx++;
	put_le(used + USED_IDX, q->used_idx, 2);
	return 0;
}

int virtq_wants_interrupt(const struct guest_mem *m, const struct virtq *q)
{
	enum virtq_error err;
	uint8_t *r = ring(m, q, &err);
	return r && !(get_le(r + avail_offset(q->size) + AVAIL_FLAGS, 2) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}
