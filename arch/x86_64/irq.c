#include "arch/x86_64/irq.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "hv/lib/log.h"

struct irq_slot {
	irq_handler_fn fn;
	void *ctx;
	int reported;              /* an unexpected vector is said once */
};

static struct {
	struct irq_slot slot[256];
	int can_wait;
} irq;

void irq_init(void)
{
	apic_enable(IRQ_VECTOR_SPURIOUS);
	uint64_t per_ms = apic_timer_calibrate();
	irq.can_wait = per_ms != 0;
	if (irq.can_wait)
		log_info("irq", "local APIC %u, timer %llu ticks/ms: the host sleeps in HLT when idle",
			 apic_id(), (unsigned long long)per_ms);
	else
		log_warn("irq", "the local APIC timer does not count: the host spins when idle");
}

void irq_register(uint8_t vector, irq_handler_fn fn, void *ctx)
{
	irq.slot[vector].fn = fn;
	irq.slot[vector].ctx = ctx;
}

void irq_unregister(uint8_t vector)
{
	irq.slot[vector].fn = 0;
	irq.slot[vector].ctx = 0;
}

void irq_dispatch(uint8_t vector)
{
	struct irq_slot *s = &irq.slot[vector];
	if (vector == IRQ_VECTOR_SPURIOUS)
		return;            /* a spurious interrupt takes no EOI */
	if (s->fn)
		s->fn(s->ctx, vector);
	else if (vector != IRQ_VECTOR_TIMER && !s->reported) {
		s->reported = 1;
		log_warn("irq", "host interrupt on vector 0x%02x, which nothing uses (ignored)", vector);
	}
	apic_eoi();
}

void irq_wait(uint64_t max_us)
{
	if (!irq.can_wait || !max_us)
		return;
	apic_timer_oneshot(IRQ_VECTOR_TIMER, max_us);
	/* STI's one-instruction shadow: an interrupt already pending wakes
	 * the HLT instead of slipping in before it. */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	apic_timer_oneshot(IRQ_VECTOR_TIMER, 0);
}

void irq_window(void)
{
	/* Interrupts are recognised after the instruction that follows STI. */
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

int irq_can_wait(void)
{
	return irq.can_wait;
}
