#include "apic.h"

#include <stdint.h>

#include "cpu.h"
#include "msr.h"

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1
#define XAPIC_EOI 0xb0
#define XAPIC_LVT_TIMER 0x320
#define X2APIC_EOI_MSR 0x80b
#define X2APIC_LVT_TIMER_MSR 0x832
#define LVT_MASKED (1u << 16)

static int host_x2apic(void)
{
	return (cpu_rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC) != 0;
}

static volatile uint32_t *xapic_reg(uint32_t offset)
{
	uint64_t base = cpu_rdmsr(MSR_IA32_APIC_BASE) & 0xffffff000ull;
	return (volatile uint32_t *)(base + offset);
}

void apic_quiesce(void)
{
	/* The firmware's tick (8254 through the 8259, or the LAPIC timer) must
	 * not keep firing into a hypervisor that runs with interrupts off. */
	cpu_outb(PIC1_DATA, 0xff);
	cpu_outb(PIC2_DATA, 0xff);
	if (!(cpu_rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ENABLE))
		return;
	if (host_x2apic())
		cpu_wrmsr(X2APIC_LVT_TIMER_MSR, cpu_rdmsr(X2APIC_LVT_TIMER_MSR) | LVT_MASKED);
	else
		*xapic_reg(XAPIC_LVT_TIMER) |= LVT_MASKED;
}

void apic_eoi(void)
{
	if (host_x2apic())
		cpu_wrmsr(X2APIC_EOI_MSR, 0);
	else
		*xapic_reg(XAPIC_EOI) = 0;
}
