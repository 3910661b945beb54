/*
 * The host's local APIC: silenced at start (the firmware's tick must not
 * reach ftvisor), end-of-interrupt, its id (where the I/O APIC sends), the
 * spurious vector, and a one-shot timer that bounds how long the host
 * sleeps in HLT. Works in xAPIC (MMIO) and x2APIC (MSR) mode alike.
 */
#ifndef FTV_ARCH_APIC_H
#define FTV_ARCH_APIC_H

#include <stdint.h>

void apic_quiesce(void);
void apic_eoi(void);
uint32_t apic_id(void);
/* Software-enables the APIC with this spurious-interrupt vector. */
void apic_enable(uint8_t spurious_vector);
/* Measures the timer against the TSC (about 10 ms). Returns timer ticks
 * per millisecond, 0 if the timer does not count. */
uint64_t apic_timer_calibrate(void);
/* One interrupt on 'vector' after 'us' microseconds (0 cancels). */
void apic_timer_oneshot(uint8_t vector, uint64_t us);

#endif
