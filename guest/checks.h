/*
 * The checks of test=all. Each prints one line per finding and, when the
 * hypervisor got something wrong, ends the run through fail() with its own
 * code from codes.h. A check that returns has passed.
 */
#ifndef GUEST_CHECKS_H
#define GUEST_CHECKS_H

#include <stdint.h>

void check_cpuid(void);
void check_tsc(void);
void check_rdrand(void);
void check_hypercall_version(void);
/* PCI configuration mechanism #1: the latch, the host bridge, the slots. */
void check_pci(void);
/* The I/O APIC through MMIO: version, masked entries, a redirection entry. */
void check_ioapic(void);
/* Needs to run first: registers VMX does not switch have power-on values. */
void check_unswitched_state(void);

/* Starts the periodic x2APIC timer; returns its period in TSC cycles. */
uint32_t check_timer(uint32_t ticks);
/* Needs the timer still running; masks it and leaves IF=0 when done. */
void check_interrupt_window(uint32_t period);

#endif
