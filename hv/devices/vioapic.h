/*
 * Virtual I/O APIC (82093AA register model, version 0x20): the interrupt
 * controller that routes device lines (the virtual PCI devices' INTx) to the
 * local APIC, as Linux expects on a PC. Register map, state and reset in one
 * place; pure: MMIO accesses come in as offsets in its 4 KiB window, line
 * changes as pin levels, and deliveries go out through one callback (the
 * single vCPU's virtual LAPIC). Where a delivery happens matters for
 * record/replay: devices change lines only at VM exits the choke point
 * orders, so the same line changes deliver the same vectors in replay.
 */
#ifndef FTV_VIOAPIC_H
#define FTV_VIOAPIC_H

#include <stdint.h>

#define VIOAPIC_DEFAULT_BASE 0xfec00000ull
#define VIOAPIC_WINDOW 0x1000
#define VIOAPIC_PINS 24

/* MMIO offsets in the window */
#define VIOAPIC_IOREGSEL 0x00
#define VIOAPIC_IOWIN 0x10
#define VIOAPIC_EOI 0x40

/* Indirect registers selected through IOREGSEL */
#define VIOAPIC_REG_ID 0x00
#define VIOAPIC_REG_VERSION 0x01
#define VIOAPIC_REG_ARB 0x02
#define VIOAPIC_REG_REDIR 0x10  /* two per pin: low dword, then high */

/* Redirection entry bits */
#define VIOAPIC_RTE_VECTOR 0xffull
#define VIOAPIC_RTE_DELIVERY_MODE (7ull << 8)
#define VIOAPIC_RTE_DEST_LOGICAL (1ull << 11)
#define VIOAPIC_RTE_PENDING (1ull << 12)     /* delivery status, read-only */
#define VIOAPIC_RTE_ACTIVE_LOW (1ull << 13)
#define VIOAPIC_RTE_REMOTE_IRR (1ull << 14)  /* read-only */
#define VIOAPIC_RTE_LEVEL (1ull << 15)
#define VIOAPIC_RTE_MASKED (1ull << 16)
#define VIOAPIC_RTE_DEST_SHIFT 56
/* What the guest may write: the rest is read-only or reserved. */
#define VIOAPIC_RTE_WRITABLE (VIOAPIC_RTE_VECTOR | VIOAPIC_RTE_DELIVERY_MODE | \
			      VIOAPIC_RTE_DEST_LOGICAL | VIOAPIC_RTE_ACTIVE_LOW | \
			      VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_MASKED | (0xffull << VIOAPIC_RTE_DEST_SHIFT))

/* Delivers a vector to the local APIC (fixed or lowest-priority to the one vCPU). */
typedef void (*vioapic_deliver_fn)(void *ctx, uint8_t vector);

struct vioapic {
	uint32_t id;                      /* bits 27:24 as the guest wrote them */
	uint32_t regsel;                  /* IOREGSEL latch */
	uint64_t redir[VIOAPIC_PINS];
	uint32_t line;                    /* pin levels as the devices drive them (1: asserted) */
	uint64_t delivered;               /* statistics */
	vioapic_deliver_fn deliver;
	void *deliver_ctx;
};

/* Power-on: every entry masked, edge, vector 0; ID 0; lines low. */
void vioapic_reset(struct vioapic *a);
/* 32-bit accesses at an offset in the window; others read 0 / are ignored. */
uint32_t vioapic_read(struct vioapic *a, uint32_t offset);
void vioapic_write(struct vioapic *a, uint32_t offset, uint32_t value);
/* A device drives a pin: 1 asserted, 0 released (the polarity bit is the
 * guest's view of the wire; devices speak in asserted/released). */
void vioapic_set_line(struct vioapic *a, unsigned pin, int asserted);
/* The local APIC's EOI of 'vector': clears remote IRR of level entries
 * with that vector, and delivers again where the line is still asserted. */
void vioapic_eoi(struct vioapic *a, uint8_t vector);
/* Guest-visible state, for the state hash (hash64 chaining). */
uint64_t vioapic_hash(uint64_t h, const struct vioapic *a);

#endif
