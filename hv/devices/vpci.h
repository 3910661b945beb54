/*
 * A virtual PCI bus: bus 0 behind configuration mechanism #1 (an address
 * latch at 0xCF8, data at 0xCFC-0xCFF), a host bridge at 00:00.0 and device
 * functions in the other slots, each a type 0 header with I/O BARs. The
 * device models plug in with vpci_add() and answer accesses to their BARs
 * through vpci_bar_ops. Pure: the host tests drive it through the ports.
 *
 * Every configuration register is a byte array plus a mask of the bits the
 * guest may write; BAR sizing falls out of the mask (the bits below a BAR's
 * size and its flag bits are read-only), as PCI 3.0 6.2.5.1 describes.
 */
#ifndef FTV_VPCI_H
#define FTV_VPCI_H

#include <stdint.h>

#include "drivers/pci_regs.h"

#define VPCI_SLOTS 8            /* devices 0-7 of bus 0; the others are absent */
#define VPCI_HOST_BRIDGE_SLOT 0
#define VPCI_PORTS 8            /* 0xCF8-0xCFF */
/* INTx routing, the PC convention for I/O APIC pins above the ISA ones:
 * INTA-INTD of slot s go to GSI 16 + (s + pin - 1) % 4 (the swizzle that
 * spreads slots over the four PIRQ lines). The function's Interrupt Line
 * register says which, so a guest can find it without ACPI. */
#define VPCI_INTX_GSI_BASE 16
#define VPCI_INTX_LINES 4

/* The host bridge's identity: Intel's 440FX, which every OS takes for a
 * plain host bridge with nothing to configure. */
#define VPCI_BRIDGE_VENDOR 0x8086
#define VPCI_BRIDGE_DEVICE 0x1237

/* A device function's answers to accesses inside its I/O BARs: 'offset'
 * from the BAR's base, 'size' 1, 2 or 4 bytes. */
struct vpci_bar_ops {
	uint32_t (*io_read)(void *ctx, unsigned bar, unsigned offset, unsigned size);
	void (*io_write)(void *ctx, unsigned bar, unsigned offset, unsigned size, uint32_t value);
};

/* The identity of a function: fixed at registration. */
struct vpci_id {
	uint16_t vendor, device;
	uint16_t subsystem_vendor, subsystem_id;
	uint8_t revision;
	uint8_t class_base, class_sub, class_prog;
	uint8_t interrupt_pin;  /* 0: none, PCI_INTERRUPT_PIN_INTA.. */
};

struct vpci_function {
	uint8_t present;
	uint8_t cfg[PCI_CONFIG_SPACE_SIZE];      /* what the guest reads */
	uint8_t power_on[PCI_CONFIG_SPACE_SIZE]; /* cfg after a reset */
	uint8_t wmask[PCI_CONFIG_SPACE_SIZE];    /* bits a guest write changes */
	uint32_t bar_size[PCI_BAR_COUNT];        /* 0: no BAR in that slot */
	const struct vpci_bar_ops *ops;
	void *ctx;
};

struct vpci {
	uint32_t address;       /* the 0xCF8 latch */
	struct vpci_function fn[VPCI_SLOTS];
	uint64_t absent_reads;  /* configuration reads of functions not there */
};

/* The I/O APIC pin of INTx 'pin' (PCI_INTERRUPT_PIN_INTA..) of 'slot'. */
unsigned vpci_intx_gsi(unsigned slot, unsigned pin);
/* An empty bus with only the host bridge. */
void vpci_init(struct vpci *p);
/* A device function at 00:slot.0. 0, or -1 (logged) for a slot that is out
 * of range or taken. */
int vpci_add(struct vpci *p, unsigned slot, const struct vpci_id *id,
	     const struct vpci_bar_ops *ops, void *ctx);
/* An I/O BAR of 'size' bytes (a power of two, 4 to 256) in BAR slot 'bar'.
 * 0 or -1 (logged). */
int vpci_add_io_bar(struct vpci *p, unsigned slot, unsigned bar, uint32_t size);
/* Every function back to its power-on registers (BARs unassigned, decoding
 * off), the address latch cleared. The device models reset themselves. */
void vpci_reset(struct vpci *p);

/* Accesses to ports 0xCF8-0xCFF of 'size' bytes (1, 2 or 4). */
uint32_t vpci_config_read(struct vpci *p, uint16_t port, unsigned size);
void vpci_config_write(struct vpci *p, uint16_t port, unsigned size, uint32_t value);

/* Accesses to any other port: 1 when an enabled I/O BAR decodes it (and
 * *value is filled for a read), 0 when none does. */
int vpci_bar_read(struct vpci *p, uint16_t port, unsigned size, uint32_t *value);
int vpci_bar_write(struct vpci *p, uint16_t port, unsigned size, uint32_t value);

/* Continues hash 'h' over the guest-visible state: the latch and every
 * present function's registers. */
uint64_t vpci_hash(uint64_t h, const struct vpci *p);

#endif
