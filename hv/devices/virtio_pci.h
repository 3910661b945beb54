/*
 * The legacy virtio-pci transport (virtio 1.x, 4.1.4.8 legacy interfaces:
 * a note on PCI device layout): one I/O BAR holding the common registers
 * (host and guest features, queue address as a page number, queue size,
 * queue select, queue notify, device status, ISR) followed by the device's
 * configuration. What Debian's stock virtio_pci module drives. Common to
 * every virtio device here (block now, net later): the device model fills
 * in its features, queues and configuration and handles notifications;
 * the transport keeps the registers, the queues and the failed state.
 * Pure: guest memory is a (pointer, size) pair.
 */
#ifndef FTV_VIRTIO_PCI_H
#define FTV_VIRTIO_PCI_H

#include <stdint.h>

#include "hv/devices/virtq.h"
#include "hv/devices/vpci.h"

#define VIRTIO_PCI_VENDOR 0x1af4
/* Transitional (legacy-capable) PCI device ids: 0x1000 + virtio id - 1. */
#define VIRTIO_PCI_LEGACY_DEVICE(virtio_id) (0x1000 + (virtio_id) - 1)
#define VIRTIO_PCI_ABI_VERSION 0  /* the PCI revision a legacy driver requires */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2

/* The legacy register map (without MSI-X), offsets in BAR0. */
#define VIRTIO_PCI_HOST_FEATURES 0x00   /* 32-bit, read-only */
#define VIRTIO_PCI_GUEST_FEATURES 0x04  /* 32-bit */
#define VIRTIO_PCI_QUEUE_PFN 0x08       /* 32-bit: ring address >> 12, 0 to stop */
#define VIRTIO_PCI_QUEUE_NUM 0x0c       /* 16-bit, read-only */
#define VIRTIO_PCI_QUEUE_SEL 0x0e       /* 16-bit */
#define VIRTIO_PCI_QUEUE_NOTIFY 0x10    /* 16-bit, write-only */
#define VIRTIO_PCI_STATUS 0x12          /* 8-bit, 0 resets */
#define VIRTIO_PCI_ISR 0x13             /* 8-bit, a read clears it */
#define VIRTIO_PCI_CONFIG 0x14          /* the device's configuration */
#define VIRTIO_PCI_BAR_SIZE 64
#define VIRTIO_CONFIG_MAX (VIRTIO_PCI_BAR_SIZE - VIRTIO_PCI_CONFIG)
#define VIRTIO_PCI_QUEUE_PFN_SHIFT 12

#define VIRTIO_ISR_QUEUE 0x1
#define VIRTIO_ISR_CONFIG 0x2

/* Device status bits (virtio 1.x 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

#define VIRTIO_PCI_QUEUES_MAX 2

struct virtio_pci;

/* The function's INTx wire: 1 asserted, 0 released. */
typedef void (*virtio_intx_fn)(void *ctx, int asserted);

/* What a device model does for the transport. */
struct virtio_device_ops {
	/* The guest notified queue 'queue' (below the device's queue count). */
	void (*notify)(void *dev, unsigned queue);
	/* The guest reset the device (status 0): forget requests in flight. */
	void (*reset)(void *dev);
};

struct virtio_pci {
	/* Fixed by the device model at init. */
	const char *name;                 /* "virtio-blk": console messages */
	uint32_t host_features;
	uint16_t num_queues, queue_size;
	uint8_t config[VIRTIO_CONFIG_MAX];
	uint16_t config_size;
	const struct virtio_device_ops *ops;
	void *dev;
	struct guest_mem mem;
	virtio_intx_fn intx;              /* NULL: not wired */
	void *intx_ctx;
	/* The guest-visible registers and queues. */
	uint32_t guest_features;
	uint16_t queue_sel;
	uint8_t status, isr;
	uint8_t line;                     /* INTx as driven: asserted while the ISR is not 0 */
	struct virtq vq[VIRTIO_PCI_QUEUES_MAX];
	/* Diagnostics, not guest-visible. */
	uint64_t failures;
	uint64_t ignored_accesses;        /* widths or offsets the map does not have */
};

/* A transport for a device model; the model then fills host_features,
 * config and config_size. Registers at their reset values. */
void virtio_pci_init(struct virtio_pci *t, const char *name, const struct guest_mem *mem,
		     uint16_t num_queues, uint16_t queue_size,
		     const struct virtio_device_ops *ops, void *dev);
/* Puts the function on the bus at 00:slot.0 with BAR0 as its I/O window.
 * 0, or -1 (logged). */
int virtio_pci_attach(struct virtio_pci *t, struct vpci *bus, unsigned slot, uint16_t virtio_id,
		      uint8_t class_base, uint8_t class_sub);

/* Wires INTx (the transport drives it from the ISR from now on). */
void virtio_pci_wire_intx(struct virtio_pci *t, virtio_intx_fn intx, void *ctx);
/* The device sets ISR bits (VIRTIO_ISR_*): INTx goes up. */
void virtio_pci_interrupt(struct virtio_pci *t, uint8_t isr_bits);

/* Accesses to BAR0 at 'offset', 'size' bytes; reading the ISR clears it
 * and releases INTx (legacy virtio). */
uint32_t virtio_pci_read(struct virtio_pci *t, unsigned offset, unsigned size);
void virtio_pci_write(struct virtio_pci *t, unsigned offset, unsigned size, uint32_t value);

/* The device cannot go on: logs 'what' and 'why', sets DEVICE_NEEDS_RESET
 * and raises a configuration interrupt; notifications are ignored until
 * the guest resets the device. */
void virtio_pci_fail(struct virtio_pci *t, const char *what, const char *why);
/* Whether requests may be taken: the queue is set up and the device has
 * not failed. */
int virtio_pci_queue_live(const struct virtio_pci *t, unsigned queue);

/* Continues hash 'h' over the guest-visible registers and queues. */
uint64_t virtio_pci_hash(uint64_t h, const struct virtio_pci *t);

#endif
