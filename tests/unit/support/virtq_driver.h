/* The guest driver's side of a legacy split virtqueue, for tests: writes
 * descriptors and available entries into a guest-memory buffer, reads the
 * used ring back. */
#ifndef FTV_TESTS_VIRTQ_DRIVER_H
#define FTV_TESTS_VIRTQ_DRIVER_H

#include <stdint.h>

#include "hv/devices/virtq.h"

struct virtq_driver {
	const struct guest_mem *mem;
	uint64_t gpa;        /* the ring */
	uint16_t size;
	uint16_t avail_idx;  /* the driver's next available index */
};

void vqd_init(struct virtq_driver *d, const struct guest_mem *m, uint64_t gpa, uint16_t size);
void vqd_desc(struct virtq_driver *d, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
	      uint16_t next);
/* Makes chain 'head' available and publishes the index. */
void vqd_avail(struct virtq_driver *d, uint16_t head);
/* Writes the available index as is (to forge a jump). */
void vqd_set_avail_idx(struct virtq_driver *d, uint16_t idx);
void vqd_set_avail_flags(struct virtq_driver *d, uint16_t flags);
uint16_t vqd_used_idx(const struct virtq_driver *d);
/* Used element 'n' (counting from 0, modulo the size). */
void vqd_used(const struct virtq_driver *d, uint16_t n, uint32_t *id, uint32_t *len);

#endif
