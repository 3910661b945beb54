/*
 * The host's own interrupts. ftvisor runs with interrupts disabled; they
 * reach it two ways only:
 *  - while the guest runs, as an external-interrupt VM exit (acknowledged
 *    on exit), which the exit handler passes to irq_dispatch();
 *  - while the host sleeps in irq_wait(), through the IDT (vectors 32-255).
 * Either way the registered handler runs, then the local APIC gets its EOI.
 * Handlers are short: they note what happened; the work is done by whoever
 * polls afterwards.
 */
#ifndef FTV_ARCH_IRQ_H
#define FTV_ARCH_IRQ_H

#include <stdint.h>

/* Host vectors, named once. The PMU's overflow vector is in pmu.h. */
#define IRQ_VECTOR_PROBE_BASE 0x40     /* + I/O APIC pin, while a route is probed */
#define IRQ_VECTOR_NIC 0x80
#define IRQ_VECTOR_TIMER 0xf0          /* the wake-up timer of irq_wait() */
#define IRQ_VECTOR_SPURIOUS 0xff

/* The entry stubs (irq_entry.S): vector v starts at
 * irq_stubs + (v - 32) * IRQ_STUB_SIZE. */
#define IRQ_STUB_SIZE 16
#define IRQ_FIRST_VECTOR 32

typedef void (*irq_handler_fn)(void *ctx, uint8_t vector);

/* Enables the local APIC with the spurious vector and calibrates the
 * wake-up timer. Says on the console what it found. */
void irq_init(void);
void irq_register(uint8_t vector, irq_handler_fn fn, void *ctx);
void irq_unregister(uint8_t vector);
/* Runs the handler of 'vector' and signals end of interrupt. */
void irq_dispatch(uint8_t vector);
/* Sleeps (HLT) until any interrupt or at most 'max_us'. Returns at once
 * when irq_can_wait() is false. */
void irq_wait(uint64_t max_us);
/* Lets in the interrupts already pending, without sleeping. */
void irq_window(void);
/* The wake-up timer works, so irq_wait() cannot oversleep. */
int irq_can_wait(void);

#endif
