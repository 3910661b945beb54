/*
 * The I/O APIC at 0xFEC00000 as Linux first meets it, through MMIO (the
 * hypervisor decodes these MOVs at the EPT violation): the version register
 * reads 0x170020 (24 pins, version 0x20), every redirection entry is masked
 * after power-on, and an entry written through IOREGSEL/IOWIN reads back,
 * without its read-only bits (remote IRR, delivery status).
 */
#include "checks.h"
#include "codes.h"
#include "print.h"
#include "report.h"

#define IOAPIC_BASE 0xfec00000u
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN 0x10
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_REDIR 0x10
#define IOAPIC_VERSION_EXPECTED 0x170020u
#define IOAPIC_PINS 24
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_PENDING (1u << 12)
#define TEST_PIN 5
#define TEST_VECTOR 0x35u
#define TEST_DEST 0x0f000000u

static volatile uint32_t *reg32(unsigned offset)
{
	return (volatile uint32_t *)(IOAPIC_BASE + offset);
}

static uint32_t ioapic_read(unsigned reg)
{
	*reg32(IOAPIC_IOREGSEL) = reg;
	return *reg32(IOAPIC_IOWIN);
}

static void ioapic_write(unsigned reg, uint32_t value)
{
	*reg32(IOAPIC_IOREGSEL) = reg;
	*reg32(IOAPIC_IOWIN) = value;
}

void check_ioapic(void)
{
	uint32_t version = ioapic_read(IOAPIC_REG_VERSION);
	if (version != IOAPIC_VERSION_EXPECTED)
		fail(CODE_IOAPIC_VERSION, "ioapic: version register 0x%x, expected 0x%x", version,
		     IOAPIC_VERSION_EXPECTED);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint32_t low = ioapic_read(IOAPIC_REG_REDIR + 2 * pin);
		if (!(low & RTE_MASKED))
			fail(CODE_IOAPIC_MASKED, "ioapic: pin %u is 0x%x after power-on, not masked", pin,
			     low);
	}

	unsigned lo = IOAPIC_REG_REDIR + 2 * TEST_PIN;
	uint32_t wanted = TEST_VECTOR | RTE_LEVEL | RTE_MASKED;
	ioapic_write(lo, wanted | RTE_REMOTE_IRR | RTE_PENDING);
	ioapic_write(lo + 1, TEST_DEST);
	uint32_t low = ioapic_read(lo), high = ioapic_read(lo + 1);
	if (low != wanted || high != TEST_DEST)
		fail(CODE_IOAPIC_REDIR, "ioapic: pin %u reads 0x%x:%x, written 0x%x:%x", TEST_PIN, high,
		     low, TEST_DEST, wanted);
	ioapic_write(lo, RTE_MASKED);
	ioapic_write(lo + 1, 0);
	print("ioapic: version 0x%x, %u pins masked, pin %u entry 0x%x:%x reads back\n", version,
	      IOAPIC_PINS, TEST_PIN, high, low);
}
