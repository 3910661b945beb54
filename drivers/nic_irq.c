#include "drivers/nic_irq.h"

#include <stdarg.h>
#include <stdio.h>

#include "drivers/pci.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/irq.h"
#include "hv/lib/log.h"

#define QUIET_US 3000        /* how long candidates must stay silent before the test */
#define TEST_US 20000        /* how long the test interrupt may take to arrive */
#define SETTLE_US 1000       /* after the first pin fired, for others wired alike */
#define STORM_LIMIT 1000     /* interrupts in a row without a NIC cause: the line is not ours */

/* What the probe saw, one bit per I/O APIC pin. */
static struct {
	volatile uint64_t quiet, fired;
	volatile int testing;
} probe;

static void probe_handler(void *ctx, uint8_t vector)
{
	(void)ctx;
	unsigned pin = vector - IRQ_VECTOR_PROBE_BASE;
	ioapic_mask(pin);        /* a line that stays asserted must not fire again */
	if (probe.testing)
		probe.fired |= 1ull << pin;
	else
		probe.quiet |= 1ull << pin;
}

static void nic_handler(void *ctx, uint8_t vector)
{
	(void)vector;
	struct nic_irq *ni = ctx;
	if (ni->nic->ops->irq_ack(ni->nic)) {
		ni->taken++;
		ni->unclaimed_run = 0;
		ni->pending = 1;
		return;
	}
	ni->unclaimed++;
	/* A level-triggered line someone else holds asserted would fire after
	 * every EOI and starve the host: give the pin up and poll. */
	if (++ni->unclaimed_run >= STORM_LIMIT) {
		ioapic_mask(ni->route.pin);
		ni->nic->ops->irq_enable(ni->nic, 0);
		ni->active = 0;
		snprintf(ni->why_polled, sizeof(ni->why_polled),
			 "I/O APIC pin %u fired %u times in a row without a cause from the NIC",
			 ni->route.pin, STORM_LIMIT);
		log_warn("net", "%s: receiving by polling (%s)", ni->nic->name, ni->why_polled);
	}
}

static void sleep_us(uint64_t us, const volatile uint64_t *until_set)
{
	uint64_t end = log_uptime_us() + us;
	for (uint64_t now = log_uptime_us(); now < end && !(until_set && *until_set);
	     now = log_uptime_us())
		irq_wait(end - now);
}

static struct ioapic_route route_of(const struct irq_candidate *c, uint8_t vector)
{
	struct ioapic_route r = { vector, (uint8_t)apic_id(), 1, c->active_low, 0 };
	return r;
}

static void list_pins(char *buf, size_t len, const struct irq_candidate *c, size_t n, uint64_t bits)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n && used < len; i++)
		if (bits & (1ull << c[i].pin))
			used += (size_t)snprintf(buf + used, len - used, "%s%u", used ? "," : "", c[i].pin);
	if (!used)
		snprintf(buf, len, "none");
}

static int polled(struct nic_irq *ni, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int polled(struct nic_irq *ni, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ni->why_polled, sizeof(ni->why_polled), fmt, ap);
	va_end(ap);
	log_warn("net", "%s: receiving by polling (%s)", ni->nic->name, ni->why_polled);
	return -1;
}

int nic_irq_setup(struct nic_irq *ni, struct nic *nic, unsigned pins, const struct madt_info *madt)
{
	struct irq_candidate c[IRQ_ROUTE_MAX_CANDIDATES];
	char quiet[64], fired[64];
	ni->nic = nic;
	ni->active = 0;
	if (!nic->ops->irq_enable || !nic->pci)
		return polled(ni, "the %s driver has no interrupt support", nic->name);
	if (!irq_can_wait())
		return polled(ni, "no working local APIC timer");
	if (!pins)
		return polled(ni, "no I/O APIC");
	uint8_t int_pin = pci_read8(nic->pci, PCI_INTERRUPT_PIN);
	uint8_t line = pci_read8(nic->pci, PCI_INTERRUPT_LINE);
	if (int_pin == 0 || int_pin > 4)
		return polled(ni, "the device has no INTx pin (Interrupt Pin %u)", int_pin);
	size_t n = irq_route_candidates(line, pins, madt, c);

	nic->ops->irq_enable(nic, 0);
	(void)nic->ops->irq_ack(nic);
	probe.quiet = probe.fired = 0;
	probe.testing = 0;
	for (size_t i = 0; i < n; i++) {
		struct ioapic_route r = route_of(&c[i], (uint8_t)(IRQ_VECTOR_PROBE_BASE + c[i].pin));
		irq_register(r.vector, probe_handler, NULL);
		ioapic_set(c[i].pin, &r);
	}
	sleep_us(QUIET_US, NULL);
	irq_window();            /* what fired during the quiet time counts as quiet */
	probe.testing = 1;
	nic->ops->irq_raise(nic);
	sleep_us(TEST_US, &probe.fired);
	sleep_us(SETTLE_US, NULL);
	probe.testing = 0;
	(void)nic->ops->irq_ack(nic);
	nic->ops->irq_enable(nic, 0);
	for (size_t i = 0; i < n; i++) {
		ioapic_mask(c[i].pin);
		irq_unregister((uint8_t)(IRQ_VECTOR_PROBE_BASE + c[i].pin));
	}

	list_pins(quiet, sizeof(quiet), c, n, probe.quiet);
	list_pins(fired, sizeof(fired), c, n, probe.fired);
	int chosen = irq_route_choose(c, n, probe.quiet, probe.fired);
	if (chosen < 0) {
		return polled(ni, "no I/O APIC pin carried its test interrupt: firmware IRQ %u, %u "
				  "candidate pins, fired by the test: %s, busy without it: %s",
			      line, (unsigned)n, fired, quiet);
	}
	ni->route = c[chosen];
	struct ioapic_route r = route_of(&ni->route, IRQ_VECTOR_NIC);
	irq_register(IRQ_VECTOR_NIC, nic_handler, ni);
	ioapic_set(ni->route.pin, &r);
	nic->ops->irq_enable(nic, 1);
	ni->active = 1;
	log_info("net", "%s interrupt: I/O APIC pin %u (level, active %s), vector 0x%02x; firmware "
			"IRQ %u, pins fired by the test: %s, busy without it: %s",
		 nic->name, ni->route.pin, ni->route.active_low ? "low" : "high", IRQ_VECTOR_NIC, line,
		 fired, quiet);
	return 0;
}
