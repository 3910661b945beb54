/*
 * Which I/O APIC pin carries a PCI device's INTx: the decisions of the
 * routing probe, as pure functions. Candidates are the legacy IRQ the
 * firmware wrote into the device's Interrupt Line register (through the
 * MADT's override when there is one: emulated chipsets route PCI there)
 * and the pins 16-23 where chipsets wire PCI interrupts directly (real
 * boards). The probe then keeps the first candidate that fired when the
 * device raised a test interrupt and stayed quiet while it did not.
 */
#ifndef FTV_DRIVERS_IRQ_ROUTE_H
#define FTV_DRIVERS_IRQ_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/acpi.h"

#define IRQ_ROUTE_MAX_CANDIDATES 9
#define IRQ_ROUTE_FIRST_PCI_PIN 16
#define IRQ_ROUTE_LAST_PCI_PIN 23
#define IRQ_LINE_NONE 0xff          /* what firmware writes when it routed nothing */

struct irq_candidate {
	unsigned pin;
	int active_low;             /* PCI INTx is level-triggered, always */
};

/* The candidates, in the order they are preferred. 'madt' may be NULL. */
size_t irq_route_candidates(uint8_t line, unsigned ioapic_pins, const struct madt_info *madt,
			    struct irq_candidate *out);

/* Index of the chosen candidate, or -1: 'quiet' and 'fired' hold one bit
 * per pin, pins 0-23 (fired while the device was silent / after its test interrupt). */
int irq_route_choose(const struct irq_candidate *c, size_t n, uint64_t quiet, uint64_t fired);

#endif
