/*
 * Split virtqueues in the legacy layout (virtio 1.x, 2.7 split virtqueues
 * and 2.7.2 legacy interfaces: alignment): the descriptor table, then the
 * available ring, then the used ring at the next 4096-byte boundary, all in
 * guest memory the guest may have filled with anything. The walker takes
 * a chain from the available ring and checks everything it reads (ring
 * placement, an available index that jumps, descriptor indices, loops,
 * buffers outside guest RAM, absurd lengths, indirect descriptors) and
 * answers a malformed queue with an error that names the fault: the device
 * then fails, the hypervisor never does. Pure: guest memory is a
 * (pointer, size) pair.
 */
#ifndef FTV_VIRTQ_H
#define FTV_VIRTQ_H

#include <stddef.h>
#include <stdint.h>

#define VIRTQ_SIZE_MAX 256             /* the largest queue a device here offers */
#define VIRTQ_LEGACY_ALIGN 4096        /* the used ring's alignment, and the PFN unit */
#define VIRTQ_MAX_CHAIN_BYTES (4u << 20) /* longer chains are refused as absurd */

#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u          /* device-writable buffer */
#define VIRTQ_DESC_F_INDIRECT 4u       /* not offered: VIRTIO_RING_F_INDIRECT_DESC */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u

#define VIRTQ_DESC_BYTES 16
#define VIRTQ_USED_ELEM_BYTES 8

/* Guest-physical memory from 0 to size, at host address base. */
struct guest_mem {
	uint8_t *base;
	uint64_t size;
};

/* One queue's guest-visible state (snapshotted and hashed with its device). */
struct virtq {
	uint64_t gpa;        /* where the ring starts; 0 with size 0: not set up */
	uint16_t size;       /* entries, a power of two */
	uint16_t last_avail; /* the next available entry the device takes */
	uint16_t used_idx;   /* the device's used index (the guest only reads it) */
};

/* One buffer of a chain, its bounds already checked against guest RAM. */
struct virtq_seg {
	uint64_t gpa;
	uint32_t len;
	uint8_t writable;
};

struct virtq_chain {
	uint16_t head;       /* the id the used ring gives back */
	uint16_t count;
	uint32_t readable_bytes, writable_bytes;
	struct virtq_seg seg[VIRTQ_SIZE_MAX];
};

enum virtq_error {
	VIRTQ_OK,
	VIRTQ_ERR_NOT_READY,    /* no ring set up */
	VIRTQ_ERR_RING_RANGE,   /* the rings reach outside guest RAM */
	VIRTQ_ERR_AVAIL_JUMP,   /* the available index ran more than a queue ahead */
	VIRTQ_ERR_HEAD_RANGE,   /* a head index outside the descriptor table */
	VIRTQ_ERR_NEXT_RANGE,   /* a next index outside the descriptor table */
	VIRTQ_ERR_LOOP,         /* a chain longer than the queue: a loop */
	VIRTQ_ERR_INDIRECT,     /* an indirect descriptor (not negotiated) */
	VIRTQ_ERR_BUF_RANGE,    /* a buffer outside guest RAM */
	VIRTQ_ERR_LENGTH,       /* a chain longer than VIRTQ_MAX_CHAIN_BYTES */
	VIRTQ_ERR_COUNT
};

const char *virtq_error_name(enum virtq_error e);

/* Host address of guest-physical [gpa, gpa + len), or NULL when any of it
 * is outside guest RAM. */
uint8_t *guest_range(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Bytes the legacy layout of a 'size'-entry queue spans. */
uint64_t virtq_legacy_bytes(uint16_t size);
/* A queue of 'size' entries (a power of two, at most VIRTQ_SIZE_MAX) at
 * gpa; indices start at 0. */
void virtq_setup(struct virtq *q, uint64_t gpa, uint16_t size);

/* Takes the next available chain: 1 with *c filled, 0 when the guest has
 * made none available, -1 with *err set when the queue is malformed. */
int virtq_pop(const struct guest_mem *m, struct virtq *q, struct virtq_chain *c,
	      enum virtq_error *err);
/* Gives chain 'head' back with 'len' bytes written into it. 0, or -1 with
 * *err set. */
int virtq_push_used(const struct guest_mem *m, struct virtq *q, uint16_t head, uint32_t len,
		    enum virtq_error *err);
/* Whether the guest asks for an interrupt when buffers are used. */
int virtq_wants_interrupt(const struct guest_mem *m, const struct virtq *q);

#endif
