#include "apic.h"
#include "idt.h"
#include "x86.h"

#define MSR_APIC_BASE 0x1b
#define MSR_X2APIC_EOI 0x80b
#define MSR_X2APIC_SVR 0x80f
#define MSR_X2APIC_LVT_TIMER 0x832
#define MSR_X2APIC_TIMER_INITIAL 0x838
#define MSR_X2APIC_TIMER_CURRENT 0x839
#define MSR_X2APIC_TIMER_DIVIDE 0x83e

#define APIC_DEFAULT_BASE 0xfee00000u
#define APIC_BASE_FLAGS_MASK 0xfffu    /* below the 4 KiB-aligned base */
#define SVR_APIC_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define TIMER_DIVIDE_BY_1 0xb

volatile struct tick_state ticks;

uint64_t apic_enable_x2apic(void)
{
	/*
	 * Keep the low flag bits (BSP among them) as the hypervisor set them;
	 * from the reset state (xAPIC, globally enabled) setting both enables
	 * is the architectural step into x2APIC mode.
	 */
	uint64_t flags = rdmsr(MSR_APIC_BASE) & APIC_BASE_FLAGS_MASK;

	wrmsr(MSR_APIC_BASE, APIC_DEFAULT_BASE | flags |
			     APIC_BASE_GLOBAL_ENABLE | APIC_BASE_X2APIC_ENABLE);
	wrmsr(MSR_X2APIC_SVR, SVR_APIC_ENABLE | VECTOR_SPURIOUS);
	return rdmsr(MSR_APIC_BASE);
}

void apic_timer_start_periodic(uint32_t count)
{
	wrmsr(MSR_X2APIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	wrmsr(MSR_X2APIC_LVT_TIMER, VECTOR_TIMER | LVT_TIMER_PERIODIC);
	/* Writing the initial count is what starts the countdown. */
	wrmsr(MSR_X2APIC_TIMER_INITIAL, count);
}

void apic_timer_start_oneshot(uint32_t count)
{
	wrmsr(MSR_X2APIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	wrmsr(MSR_X2APIC_LVT_TIMER, VECTOR_TIMER);
	wrmsr(MSR_X2APIC_TIMER_INITIAL, count);
}

uint32_t apic_timer_current(void)
{
	return (uint32_t)rdmsr(MSR_X2APIC_TIMER_CURRENT);
}

void apic_timer_mask(void)
{
	wrmsr(MSR_X2APIC_LVT_TIMER, VECTOR_TIMER | LVT_TIMER_PERIODIC | LVT_MASKED);
}

void timer_tick(void)
{
	ticks.last_tsc = rdtsc();
	ticks.count++;
	if (ticks.hook)
		ticks.hook();
	wrmsr(MSR_X2APIC_EOI, 0);
}
