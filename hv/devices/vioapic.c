#include "hv/devices/vioapic.h"

#include <string.h>

#include "hv/lib/hash64.h"

#define VERSION 0x20
#define ID_MASK (0xfu << 24)

void vioapic_reset(struct vioapic *a)
{
	vioapic_deliver_fn fn = a->deliver;
	void *ctx = a->deliver_ctx;
	memset(a, 0, sizeof(*a));
	for (unsigned i = 0; i < VIOAPIC_PINS; i++)
		a->redir[i] = VIOAPIC_RTE_MASKED;
	a->deliver = fn;
	a->deliver_ctx = ctx;
}

/*
 * Delivers pin's interrupt if it should go now. Level-triggered: while the
 * line is asserted and the last delivery has been EOIed (remote IRR clear).
 * Edge-triggered: called on a rising edge only. A masked pin delivers
 * nothing (a level pin delivers once it is unmasked with the line still up).
 */
static void service(struct vioapic *a, unsigned pin)
{
	uint64_t *e = &a->redir[pin];
	if (!(a->line & (1u << pin)) || (*e & VIOAPIC_RTE_MASKED))
		return;
	if (*e & VIOAPIC_RTE_LEVEL) {
		if (*e & VIOAPIC_RTE_REMOTE_IRR)
			return;
		*e |= VIOAPIC_RTE_REMOTE_IRR;
	}
	a->delivered++;
	if (a->deliver)
		a->deliver(a->deliver_ctx, (uint8_t)(*e & VIOAPIC_RTE_VECTOR));
}

static uint32_t read_reg(const struct vioapic *a, uint32_t reg)
{
	switch (reg) {
	case VIOAPIC_REG_ID:
		return a->id;
	case VIOAPIC_REG_VERSION:
		return VERSION | (uint32_t)(VIOAPIC_PINS - 1) << 16;
	case VIOAPIC_REG_ARB:
		return a->id; /* arbitration ID follows the ID on a single APIC bus */
	}
	if (reg >= VIOAPIC_REG_REDIR && reg < VIOAPIC_REG_REDIR + 2 * VIOAPIC_PINS) {
		uint64_t e = a->redir[(reg - VIOAPIC_REG_REDIR) / 2];
		return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
	}
	return 0; /* reserved registers read as 0 */
}

static void write_reg(struct vioapic *a, uint32_t reg, uint32_t value)
{
	if (reg == VIOAPIC_REG_ID) {
		a->id = value & ID_MASK;
		return;
	}
	if (reg < VIOAPIC_REG_REDIR || reg >= VIOAPIC_REG_REDIR + 2 * VIOAPIC_PINS)
		return; /* version, arbitration and reserved registers are read-only */
	unsigned pin = (reg - VIOAPIC_REG_REDIR) / 2;
	uint64_t *e = &a->redir[pin];
	uint64_t want = (reg & 1) ? (*e & 0xffffffffull) | (uint64_t)value << 32
				  : (*e & ~0xffffffffull) | value;
	*e = (*e & ~VIOAPIC_RTE_WRITABLE) | (want & VIOAPIC_RTE_WRITABLE);
	if (!(*e & VIOAPIC_RTE_LEVEL))
		*e &= ~VIOAPIC_RTE_REMOTE_IRR; /* remote IRR is meaningless for edge pins */
	/* Unmasking a level pin whose line is up delivers at once. */
	if (*e & VIOAPIC_RTE_LEVEL)
		service(a, pin);
}

uint32_t vioapic_read(struct vioapic *a, uint32_t offset)
{
	switch (offset) {
	case VIOAPIC_IOREGSEL:
		return a->regsel;
	case VIOAPIC_IOWIN:
		return read_reg(a, a->regsel);
	}
	return 0;
}

void vioapic_write(struct vioapic *a, uint32_t offset, uint32_t value)
{
	switch (offset) {
	case VIOAPIC_IOREGSEL:
		a->regsel = value & 0xff;
		break;
	case VIOAPIC_IOWIN:
		write_reg(a, a->regsel, value);
		break;
	case VIOAPIC_EOI:
		vioapic_eoi(a, (uint8_t)value);
		break;
	}
}

void vioapic_set_line(struct vioapic *a, unsigned pin, int asserted)
{
	if (pin >= VIOAPIC_PINS)
		return;
	uint32_t bit = 1u << pin;
	int was = (a->line & bit) != 0;
	if (asserted)
		a->line |= bit;
	else
		a->line &= ~bit;
	if (asserted && (!was || (a->redir[pin] & VIOAPIC_RTE_LEVEL)))
		service(a, pin);
}

void vioapic_eoi(struct vioapic *a, uint8_t vector)
{
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t *e = &a->redir[pin];
		if ((*e & VIOAPIC_RTE_LEVEL) && (*e & VIOAPIC_RTE_REMOTE_IRR) &&
		    (uint8_t)(*e & VIOAPIC_RTE_VECTOR) == vector) {
			*e &= ~VIOAPIC_RTE_REMOTE_IRR;
			service(a, pin);
		}
	}
}

uint64_t vioapic_hash(uint64_t h, const struct vioapic *a)
{
	h = hash64_update(h, &a->id, sizeof(a->id));
	h = hash64_update(h, &a->regsel, sizeof(a->regsel));
	h = hash64_update(h, a->redir, sizeof(a->redir));
	return hash64_update(h, &a->line, sizeof(a->line));
}
