#include "arch/x86_64/apic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "hv/lib/log.h"

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

/* Register offsets in the xAPIC page; in x2APIC mode the MSR is
 * 0x800 + offset / 16 (SDM vol. 3, table 11-6). */
#define APIC_ID 0x20
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3e0
#define X2APIC_MSR_BASE 0x800

#define LVT_MASKED (1u << 16)
#define SVR_ENABLE (1u << 8)
#define TIMER_DIVIDE_16 0x3
#define CALIBRATE_US 10000

static uint64_t ticks_per_ms;

static int host_x2apic(void)
{
	return (cpu_rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC) != 0;
}

static uint32_t apic_read(uint32_t offset)
{
	if (host_x2apic())
		return (uint32_t)cpu_rdmsr(X2APIC_MSR_BASE + offset / 16);
	uint64_t base = cpu_rdmsr(MSR_IA32_APIC_BASE) & 0xffffff000ull;
	return *(volatile uint32_t *)(base + offset);
}

static void apic_write(uint32_t offset, uint32_t value)
{
	if (host_x2apic()) {
		cpu_wrmsr(X2APIC_MSR_BASE + offset / 16, value);
		return;
	}
	uint64_t base = cpu_rdmsr(MSR_IA32_APIC_BASE) & 0xffffff000ull;
	*(volatile uint32_t *)(base + offset) = value;
}

void apic_quiesce(void)
{
	/* The firmware's tick (8254 through the 8259, or the LAPIC timer) must
	 * not keep firing into a hypervisor: its own interrupts come later. */
	cpu_outb(PIC1_DATA, 0xff);
	cpu_outb(PIC2_DATA, 0xff);
	if (!(cpu_rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ENABLE))
		return;
	apic_write(APIC_LVT_TIMER, apic_read(APIC_LVT_TIMER) | LVT_MASKED);
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

uint32_t apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);
	return host_x2apic() ? id : id >> 24;
}

void apic_enable(uint8_t spurious_vector)
{
	cpu_wrmsr(MSR_IA32_APIC_BASE, cpu_rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_ENABLE);
	apic_write(APIC_SVR, SVR_ENABLE | spurious_vector);
}

uint64_t apic_timer_calibrate(void)
{
	apic_write(APIC_LVT_TIMER, LVT_MASKED);
	apic_write(APIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	apic_write(APIC_TIMER_INITIAL, 0xffffffffu);
	uint64_t start = log_uptime_us();
	while (log_uptime_us() - start < CALIBRATE_US)
		cpu_pause();
	uint32_t left = apic_read(APIC_TIMER_CURRENT);
	apic_write(APIC_TIMER_INITIAL, 0);
	ticks_per_ms = (0xffffffffull - left) * 1000 / CALIBRATE_US;
	return ticks_per_ms;
}

void apic_timer_oneshot(uint8_t vector, uint64_t us)
{
	uint64_t ticks = us * ticks_per_ms / 1000;
	if (us && !ticks)
		ticks = 1;
	if (ticks > 0xffffffffull)
		ticks = 0xffffffffull;
	apic_write(APIC_LVT_TIMER, vector);     /* one-shot, unmasked */
	apic_write(APIC_TIMER_INITIAL, (uint32_t)ticks);
}
