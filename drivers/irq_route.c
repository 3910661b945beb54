#include "drivers/irq_route.h"

static int listed(const struct irq_candidate *c, size_t n, unsigned pin)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].pin == pin)
			return 1;
	return 0;
}

size_t irq_route_candidates(uint8_t line, unsigned ioapic_pins, const struct madt_info *madt,
			    struct irq_candidate *out)
{
	size_t n = 0;
	if (line < IRQ_ROUTE_FIRST_PCI_PIN) {
		const struct madt_override *o = madt ? acpi_madt_override(madt, line) : NULL;
		unsigned pin = o ? o->gsi : line;
		/* Polarity as the override says; "conforms" on the ISA side is high. */
		int low = o && (o->flags & MADT_POLARITY_MASK) == MADT_POLARITY_LOW;
		if (pin < ioapic_pins && pin <= IRQ_ROUTE_LAST_PCI_PIN) {
			out[n].pin = pin;
			out[n].active_low = low;
			n++;
		}
	}
	for (unsigned pin = IRQ_ROUTE_FIRST_PCI_PIN; pin <= IRQ_ROUTE_LAST_PCI_PIN && pin < ioapic_pins;
	     pin++) {
		if (listed(out, n, pin))
			continue;
		out[n].pin = pin;
		out[n].active_low = 1;
		n++;
	}
	return n;
}

int irq_route_choose(const struct irq_candidate *c, size_t n, uint64_t quiet, uint64_t fired)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t bit = 1ull << c[i].pin;
		if ((fired & bit) && !(quiet & bit))
			return (int)i;
	}
	return -1;
}
