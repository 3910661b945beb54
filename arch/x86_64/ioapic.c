#include "arch/x86_64/ioapic.h"

#include "hv/lib/log.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_VERSION 0x01
#define REG_REDIRECTION(pin) (0x10 + 2 * (pin))

#define ENTRY_ACTIVE_LOW (1ull << 13)
#define ENTRY_LEVEL (1ull << 15)
#define ENTRY_MASKED (1ull << 16)
#define ENTRY_DEST_SHIFT 56

static struct {
	volatile uint32_t *regs;
	unsigned pins;
} io;

uint64_t ioapic_entry(const struct ioapic_route *r)
{
	uint64_t e = r->vector;   /* fixed delivery (000), physical destination (0) */
	if (r->active_low)
		e |= ENTRY_ACTIVE_LOW;
	if (r->level)
		e |= ENTRY_LEVEL;
	if (r->masked)
		e |= ENTRY_MASKED;
	return e | (uint64_t)r->dest_apic_id << ENTRY_DEST_SHIFT;
}

static uint32_t reg_read(uint32_t reg)
{
	io.regs[IOREGSEL / 4] = reg;
	return io.regs[IOWIN / 4];
}

static void reg_write(uint32_t reg, uint32_t value)
{
	io.regs[IOREGSEL / 4] = reg;
	io.regs[IOWIN / 4] = value;
}

unsigned ioapic_init(uint32_t base)
{
	io.regs = (volatile uint32_t *)(uintptr_t)base;
	uint32_t version = reg_read(REG_VERSION);
	unsigned max_entry = (version >> 16) & 0xff;
	/* Nothing there reads as all ones; real chips have 24 to 240 pins. */
	if (version == 0xffffffffu || max_entry < 15) {
		io.regs = 0;
		io.pins = 0;
		return 0;
	}
	io.pins = max_entry + 1;
	for (unsigned pin = 0; pin < io.pins; pin++)
		ioapic_mask(pin);
	return io.pins;
}

void ioapic_set(unsigned pin, const struct ioapic_route *r)
{
	uint64_t e = ioapic_entry(r);
	/* Masked while half written, then the low half (with the mask bit) last. */
	reg_write(REG_REDIRECTION(pin), (uint32_t)ENTRY_MASKED);
	reg_write(REG_REDIRECTION(pin) + 1, (uint32_t)(e >> 32));
	reg_write(REG_REDIRECTION(pin), (uint32_t)e);
}

void ioapic_mask(unsigned pin)
{
	reg_write(REG_REDIRECTION(pin), reg_read(REG_REDIRECTION(pin)) | (uint32_t)ENTRY_MASKED);
}

unsigned ioapic_pins(void)
{
	return io.pins;
}

unsigned ioapic_discover(uint64_t rsdp, struct madt_info *madt, int *have_madt)
{
	char why[128];
	uint32_t base = IOAPIC_DEFAULT_BASE;
	const uint8_t *t = acpi_find_table(rsdp, "APIC", why, sizeof(why));
	*have_madt = t && acpi_madt_parse(t, acpi_table_length(t), madt, why, sizeof(why)) == 0;
	/* The chip whose pins start at GSI 0: the firmware's IRQs and the PCI
	 * pins 16-23 are its pin numbers. */
	for (size_t i = 0; *have_madt && i < madt->nioapics; i++)
		if (madt->ioapic[i].gsi_base == 0)
			base = madt->ioapic[i].address;
	else
		log_info("irq", "no usable MADT (%s): trying the I/O APIC at the PC default 0x%x", why,
			 base);
	unsigned pins = ioapic_init(base);
	if (pins)
		log_info("irq", "I/O APIC at 0x%x, %u pins%s", base, pins,
			 *have_madt ? " (from the MADT)" : "");
	else
		log_warn("irq", "no I/O APIC answers at 0x%x", base);
	return pins;
}
