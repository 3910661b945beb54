#include "tests/unit/support/virtq_driver.h"

#include "hv/lib/le_bytes.h"

static uint8_t *at(const struct virtq_driver *d, uint64_t offset)
{
	return d->mem->base + d->gpa + offset;
}

/* The layout again, written from the spec's formulas (virtio 1.x 2.7.2). */
static uint64_t avail_off(const struct virtq_driver *d)
{
	return 16ull * d->size;
}

static uint64_t used_off(const struct virtq_driver *d)
{
	uint64_t end = avail_off(d) + 6 + 2ull * d->size;
	return (end + 4095) & ~4095ull;
}

void vqd_init(struct virtq_driver *d, const struct guest_mem *m, uint64_t gpa, uint16_t size)
{
	d->mem = m;
	d->gpa = gpa;
	d->size = size;
	d->avail_idx = 0;
}

void vqd_desc(struct virtq_driver *d, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
	      uint16_t next)
{
	uint8_t *p = at(d, 16ull * i);
	put_le(p, addr, 8);
	put_le(p + 8, len, 4);
	put_le(p + 12, flags, 2);
	put_le(p + 14, next, 2);
}

void vqd_set_avail_idx(struct virtq_driver *d, uint16_t idx)
{
	put_le(at(d, avail_off(d) + 2), idx, 2);
}

void vqd_avail(struct virtq_driver *d, uint16_t head)
{
	put_le(at(d, avail_off(d) + 4 + 2ull * (d->avail_idx % d->size)), head, 2);
	d->avail_idx++;
	vqd_set_avail_idx(d, d->avail_idx);
}

void vqd_set_avail_flags(struct virtq_driver *d, uint16_t flags)
{
	put_le(at(d, avail_off(d)), flags, 2);
}

uint16_t vqd_used_idx(const struct virtq_driver *d)
{
	return (uint16_t)get_le(at(d, used_off(d) + 2), 2);
}

void vqd_used(const struct virtq_driver *d, uint16_t n, uint32_t *id, uint32_t *len)
{
	const uint8_t *e = at(d, used_off(d) + 4 + 8ull * (n % d->size));
	*id = (uint32_t)get_le(e, 4);
	*len = (uint32_t)get_le(e + 4, 4);
}
