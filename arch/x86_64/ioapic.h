/*
 * The I/O APIC: one redirection entry per input pin says which vector, to
 * which local APIC, edge or level, active high or low. ftvisor uses it for
 * its own devices only (the guest's interrupt controller is virtual).
 */
#ifndef FTV_ARCH_IOAPIC_H
#define FTV_ARCH_IOAPIC_H

#include <stdint.h>

#include "arch/x86_64/acpi.h"

#define IOAPIC_DEFAULT_BASE 0xfec00000u   /* where PC chipsets put the first one */

struct ioapic_route {
	uint8_t vector;
	uint8_t dest_apic_id;     /* physical destination mode */
	int level;                /* level-triggered (PCI INTx) rather than edge */
	int active_low;
	int masked;
};

/* The 64-bit redirection entry for a route (SDM-style layout of the
 * 82093AA datasheet: vector 0-7, fixed delivery, physical mode). */
uint64_t ioapic_entry(const struct ioapic_route *r);

/* Finds the first I/O APIC (the MADT through the RSDP; the PC default
 * address without ACPI), says on the console what it found, and brings it
 * up with every pin masked. Returns its pin count, 0 when there is none.
 * *madt is filled and *have_madt set when the MADT was usable. */
unsigned ioapic_discover(uint64_t rsdp, struct madt_info *madt, int *have_madt);

/* Checks the chip at 'base' answers (version register) and masks every pin.
 * Returns the number of pins, or 0 when nothing sensible answered. */
unsigned ioapic_init(uint32_t base);
void ioapic_set(unsigned pin, const struct ioapic_route *r);
void ioapic_mask(unsigned pin);
unsigned ioapic_pins(void);

#endif
