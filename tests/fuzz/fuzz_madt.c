/*
 * libFuzzer target for the MADT parser (arch/x86_64/acpi.c) and the
 * routing candidates built from it (drivers/irq_route.c). The firmware's
 * tables are trusted no more than a packet: whatever the bytes, parsing
 * stays inside them, and every candidate pin is one the probe may touch
 * (0-23, below the chip's pin count, listed once). The input's first byte
 * is the device's Interrupt Line, the second the I/O APIC's pin count; the
 * rest is the table, with its length field made to match so that the
 * entries, not only the header check, get exercised. Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "drivers/irq_route.h"

#define MAX_TABLE 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct madt_info m;
	struct irq_candidate c[IRQ_ROUTE_MAX_CANDIDATES];
	char why[128];
	if (size < 2 || size - 2 > MAX_TABLE)
		return 0;
	uint8_t line = data[0];
	unsigned pins = data[1];
	size_t len = size - 2;
	/* A buffer of exactly the table's size: a read past it is caught. */
	uint8_t *table = malloc(len ? len : 1);
	if (!table)
		return 0;
	memcpy(table, data + 2, len);
	if (len >= 8) {
		memcpy(table, "APIC", 4);
		table[4] = (uint8_t)len;
		table[5] = (uint8_t)(len >> 8);
		table[6] = table[7] = 0;
	}
	int rc = acpi_madt_parse(table, len, &m, why, sizeof(why));
	free(table);
	if (rc != 0) {
		if (!memchr(why, 0, sizeof(why)) || !why[0])
			abort();       /* a refusal always says why */
		return 0;
	}
	if (m.nioapics < 1 || m.nioapics > MADT_MAX_IOAPICS || m.noverrides > MADT_MAX_OVERRIDES)
		abort();
	size_t n = irq_route_candidates(line, pins, &m, c);
	if (n > IRQ_ROUTE_MAX_CANDIDATES)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (c[i].pin > IRQ_ROUTE_LAST_PCI_PIN || c[i].pin >= pins)
			abort();
		for (size_t j = 0; j < i; j++)
			if (c[j].pin == c[i].pin)
				abort();
	}
	uint64_t fired = 0;
	for (size_t i = 0; i < n; i++)
		fired |= 1ull << c[i].pin;
	int chosen = irq_route_choose(c, n, 0, fired);
	if (n ? chosen != 0 : chosen != -1)
		abort();
	return 0;
}
