/*
 * virtio-blk (virtio 1.x, 5.2) on the legacy virtio-pci transport: one
 * request queue, the features SEG_MAX, BLK_SIZE and FLUSH, and requests
 * of a header (type, sector), data buffers and a status byte, handed to a
 * blk_backend. In the legacy framing (no VIRTIO_F_ANY_LAYOUT) the header
 * and the status byte are descriptors of their own; a chain that breaks
 * that, or reuses a request still in flight, fails the device. A request
 * the disk cannot serve (past the end, not whole sectors) gets IOERR; an
 * unknown type gets UNSUPP. Pure: the host tests drive it through BAR0.
 */
#ifndef FTV_VIRTIO_BLK_H
#define FTV_VIRTIO_BLK_H

#include <stdint.h>

#include "hv/devices/blk_backend.h"
#include "hv/devices/virtio_pci.h"

/* Feature bits (virtio 1.x 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_RING_F_INDIRECT_DESC 28

/* Request types and status values (virtio 1.x 5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_HEADER_BYTES 16  /* le32 type, le32 reserved, le64 sector */

/* The device configuration (virtio 1.x 5.2.4), offsets after the common
 * registers. */
#define VIRTIO_BLK_CFG_CAPACITY 0   /* le64, sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 8   /* le32 */
#define VIRTIO_BLK_CFG_SEG_MAX 12   /* le32 */
#define VIRTIO_BLK_CFG_GEOMETRY 16  /* cylinders le16, heads, sectors */
#define VIRTIO_BLK_CFG_BLK_SIZE 20  /* le32 */
#define VIRTIO_BLK_CFG_BYTES 24

#define VIRTIO_BLK_QUEUE_SIZE 128
#define VIRTIO_BLK_SLOT 1           /* 00:01.0 on the virtual bus */

/* A request the backend holds. */
struct vblk_inflight {
	uint8_t busy;
	uint64_t status_gpa;   /* where the status byte goes */
	uint32_t used_len;     /* what the used ring reports when it is done */
};

struct virtio_blk {
	struct virtio_pci pci;
	struct blk_backend backend;
	char serial[VIRTIO_BLK_ID_BYTES];   /* GET_ID's answer */
	uint16_t epoch;                     /* bumped at reset: stale completions are refused */
	struct vblk_inflight inflight[VIRTIO_BLK_QUEUE_SIZE];
	uint64_t requests, io_errors;
	/* Scratch for one notification, not state. */
	struct virtq_chain chain;
	struct blk_request req;
};

void virtio_blk_init(struct virtio_blk *b, const struct guest_mem *mem,
		     const struct blk_backend *backend, const char *serial);
/* Puts the disk on the bus at VIRTIO_BLK_SLOT. 0, or -1 (logged). */
int virtio_blk_attach(struct virtio_blk *b, struct vpci *bus);
/* Finishes request 'tag' with a VIRTIO_BLK_S_* status: the status byte,
 * the used ring, the ISR. 0, or -1 (logged) for a tag not in flight. */
int virtio_blk_complete(struct virtio_blk *b, uint32_t tag, uint8_t status);
/* Requests in flight. */
unsigned virtio_blk_inflight(const struct virtio_blk *b);

/* Continues hash 'h' over the guest-visible state, requests in flight
 * included. */
uint64_t virtio_blk_hash(uint64_t h, const struct virtio_blk *b);

#endif
