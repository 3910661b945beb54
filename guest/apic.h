/* The x2APIC and its timer, driven through MSRs only. */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdint.h>

#define APIC_BASE_X2APIC_ENABLE (1u << 10)
#define APIC_BASE_GLOBAL_ENABLE (1u << 11)

/* Updated by the timer interrupt handler. */
struct tick_state {
	uint32_t count;         /* interrupts taken since boot */
	uint64_t last_tsc;      /* TSC read inside the most recent one */
	void (*hook)(void);     /* extra work on every tick (test=replay), or NULL */
};

extern volatile struct tick_state ticks;

/* Sets x2APIC mode; returns IA32_APIC_BASE as read back afterwards. */
uint64_t apic_enable_x2apic(void);
/* Periodic timer on VECTOR_TIMER, divide by 1, reloading from count. */
void apic_timer_start_periodic(uint32_t count);
void apic_timer_mask(void);
/* One-shot timer: a single interrupt after count ticks. */
void apic_timer_start_oneshot(uint32_t count);
/* The timer's current count, a value that follows real time. */
uint32_t apic_timer_current(void);

/* Called from isr.S on every timer interrupt. */
void timer_tick(void);

#endif
