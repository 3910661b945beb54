/*
 * The NIC's interrupt: found by a routing probe (irq_route.h), delivered to
 * IRQ_VECTOR_NIC, and turned into "poll now". The handler only reads and
 * clears the NIC's causes (which lowers its level-triggered line) and sets
 * 'pending'; net_poll() does the receive work. Without a route the NIC is
 * simply polled, and 'why_polled' says why.
 */
#ifndef FTV_DRIVERS_NIC_IRQ_H
#define FTV_DRIVERS_NIC_IRQ_H

#include <stdint.h>

#include "drivers/irq_route.h"
#include "drivers/nic.h"

struct nic_irq {
	struct nic *nic;
	int active;                    /* interrupts routed and enabled */
	struct irq_candidate route;
	volatile int pending;          /* set by the handler, cleared by the poller */
	uint64_t taken;                /* interrupts with a cause from the NIC */
	uint64_t unclaimed;            /* interrupts on its pin with no cause (a shared line) */
	unsigned unclaimed_run;        /* of those, in a row */
	char why_polled[160];
};

/* Probes the route of nic's INTx through the I/O APIC (already brought up
 * with 'pins' pins; 'madt' may be NULL) and enables its interrupt. 0 when
 * interrupts are on; -1 when the NIC stays polled (ni->why_polled says why,
 * also on the console). */
int nic_irq_setup(struct nic_irq *ni, struct nic *nic, unsigned pins, const struct madt_info *madt);

#endif
