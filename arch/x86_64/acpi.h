/*
 * The few ACPI facts ftvisor needs to route a device interrupt: where the
 * I/O APICs are and how legacy IRQs map onto their pins (the MADT's
 * interrupt source overrides). Tables are found from the RSDP the firmware
 * handed over; every table is checked (signature, length, checksum) before
 * a byte of it is believed. Memory is identity-mapped, so a table's
 * physical address is also its address here (and in host unit tests, where
 * the tables are built in ordinary memory).
 */
#ifndef FTV_ARCH_ACPI_H
#define FTV_ARCH_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define MADT_MAX_IOAPICS 8
#define MADT_MAX_OVERRIDES 16

/* MPS INTI flags of an override (ACPI 6.5, table 5.50). */
#define MADT_POLARITY_MASK 0x3u
#define MADT_POLARITY_HIGH 0x1u
#define MADT_POLARITY_LOW 0x3u
#define MADT_TRIGGER_MASK 0xcu
#define MADT_TRIGGER_EDGE 0x4u
#define MADT_TRIGGER_LEVEL 0xcu

struct madt_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

struct madt_override {
	uint8_t source;            /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;            /* MADT_POLARITY_* | MADT_TRIGGER_* */
};

struct madt_info {
	size_t nioapics, noverrides;
	struct madt_ioapic ioapic[MADT_MAX_IOAPICS];
	struct madt_override override[MADT_MAX_OVERRIDES];
};

/* The table with this 4-character signature, found through the RSDP's XSDT
 * (or RSDT for ACPI 1.0). NULL with 'why' filled when the RSDP, the root
 * table or the wanted table is missing or damaged. */
const uint8_t *acpi_find_table(uint64_t rsdp, const char *signature, char *why, size_t why_len);

/* Physical memory as the table walk sees it: where len bytes at physical
 * address addr can be read, or NULL when they are not all there. */
typedef const uint8_t *(*acpi_map_fn)(void *ctx, uint64_t addr, size_t len);

/* acpi_find_table through 'map' (the hypervisor's is the identity; the
 * fuzzer's is an image of physical memory that ends somewhere). */
const uint8_t *acpi_find_table_in(acpi_map_fn map, void *ctx, uint64_t rsdp,
				  const char *signature, char *why, size_t why_len);

/* The length a checked table's header gives. */
uint32_t acpi_table_length(const uint8_t *table);

/* Parses a whole MADT (header included). 0, or -1 with 'why' filled. */
int acpi_madt_parse(const uint8_t *madt, size_t len, struct madt_info *out, char *why,
		    size_t why_len);

/* The override for ISA IRQ 'irq', or NULL when it maps to GSI 'irq' as is. */
const struct madt_override *acpi_madt_override(const struct madt_info *m, uint8_t irq);

#endif
