#include "arch/x86_64/acpi.h"

#include <stdio.h>
#include <string.h>

#define RSDP_SIGNATURE "RSD PTR "
#define RSDP_V1_LENGTH 20
#define RSDP_V2_LENGTH 36
#define SDT_HEADER_LENGTH 36
#define SDT_MAX_LENGTH (1u << 20)     /* no table ftvisor reads is larger */
#define MADT_ENTRIES_OFFSET 44
#define MADT_TYPE_IOAPIC 1
#define MADT_TYPE_OVERRIDE 2
#define MADT_IOAPIC_LENGTH 12
#define MADT_OVERRIDE_LENGTH 10

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* A system description table at 'addr' whose header and checksum hold. */
static const uint8_t *checked_table(acpi_map_fn map, void *ctx, uint64_t addr, char *why,
				    size_t why_len)
{
	if (!addr) {
		snprintf(why, why_len, "a root table entry is 0");
		return NULL;
	}
	const uint8_t *t = map(ctx, addr, SDT_HEADER_LENGTH);
	if (!t) {
		snprintf(why, why_len, "a table at 0x%llx lies outside memory",
			 (unsigned long long)addr);
		return NULL;
	}
	uint32_t len = le32(t + 4);
	if (len < SDT_HEADER_LENGTH || len > SDT_MAX_LENGTH) {
		snprintf(why, why_len, "table %.4s at 0x%llx claims %u bytes", (const char *)t,
			 (unsigned long long)addr, len);
		return NULL;
	}
	char sig[5] = { 0 };
	memcpy(sig, t, 4);
	t = map(ctx, addr, len);
	if (!t) {
		snprintf(why, why_len, "table %.4s at 0x%llx claims %u bytes, past the end of memory",
			 sig, (unsigned long long)addr, len);
		return NULL;
	}
	if (sum(t, len) != 0) {
		snprintf(why, why_len, "table %.4s at 0x%llx has a bad checksum", sig,
			 (unsigned long long)addr);
		return NULL;
	}
	return t;
}

const uint8_t *acpi_find_table_in(acpi_map_fn map, void *ctx, uint64_t rsdp,
				  const char *signature, char *why, size_t why_len)
{
	if (!rsdp) {
		snprintf(why, why_len, "the firmware gave no ACPI RSDP");
		return NULL;
	}
	const uint8_t *r = map(ctx, rsdp, RSDP_V1_LENGTH);
	if (!r || memcmp(r, RSDP_SIGNATURE, 8) != 0 || sum(r, RSDP_V1_LENGTH) != 0) {
		snprintf(why, why_len, "the RSDP at 0x%llx is damaged", (unsigned long long)rsdp);
		return NULL;
	}
	/* ACPI 2.0 and later: the extended part, if it is all there and sound. */
	const uint8_t *r2 = r[15] >= 2 ? map(ctx, rsdp, RSDP_V2_LENGTH) : NULL;
	int xsdt = r2 && le32(r2 + 20) >= RSDP_V2_LENGTH && sum(r2, RSDP_V2_LENGTH) == 0 &&
		   le64(r2 + 24) != 0;
	const uint8_t *root = checked_table(map, ctx, xsdt ? le64(r2 + 24) : le32(r + 16), why,
					    why_len);
	if (!root)
		return NULL;
	size_t entry = xsdt ? 8 : 4;
	if (memcmp(root, xsdt ? "XSDT" : "RSDT", 4) != 0) {
		snprintf(why, why_len, "the RSDP points at a %.4s, not an %s", (const char *)root,
			 xsdt ? "XSDT" : "RSDT");
		return NULL;
	}
	size_t n = (le32(root + 4) - SDT_HEADER_LENGTH) / entry;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = root + SDT_HEADER_LENGTH + i * entry;
		uint64_t addr = xsdt ? le64(p) : le32(p);
		const uint8_t *t = addr ? map(ctx, addr, 4) : NULL;
		if (t && memcmp(t, signature, 4) == 0)
			return checked_table(map, ctx, addr, why, why_len);
	}
	snprintf(why, why_len, "no %.4s table among the %zu ACPI tables", signature, n);
	return NULL;
}

/* The hypervisor's view: memory is identity-mapped. */
static const uint8_t *identity_map(void *ctx, uint64_t addr, size_t len)
{
	(void)ctx;
	if (addr + len < addr)
		return NULL;
	return (const uint8_t *)(uintptr_t)addr;
}

const uint8_t *acpi_find_table(uint64_t rsdp, const char *signature, char *why, size_t why_len)
{
	return acpi_find_table_in(identity_map, NULL, rsdp, signature, why, why_len);
}

uint32_t acpi_table_length(const uint8_t *table)
{
	return le32(table + 4);
}

static int add_entry(struct madt_info *out, const uint8_t *e, char *why, size_t why_len)
{
	switch (e[0]) {
	case MADT_TYPE_IOAPIC:
		if (e[1] < MADT_IOAPIC_LENGTH)
			break;
		if (out->nioapics == MADT_MAX_IOAPICS)
			return 0;     /* more than ftvisor routes through; the first ones serve */
		out->ioapic[out->nioapics].id = e[2];
		out->ioapic[out->nioapics].address = le32(e + 4);
		out->ioapic[out->nioapics].gsi_base = le32(e + 8);
		out->nioapics++;
		return 0;
	case MADT_TYPE_OVERRIDE:
		if (e[1] < MADT_OVERRIDE_LENGTH)
			break;
		if (out->noverrides == MADT_MAX_OVERRIDES)
			return 0;
		out->override[out->noverrides].source = e[3];
		out->override[out->noverrides].gsi = le32(e + 4);
		out->override[out->noverrides].flags = (uint16_t)(e[8] | e[9] << 8);
		out->noverrides++;
		return 0;
	default:
		return 0;             /* local APICs, NMI sources and the rest: not needed */
	}
	snprintf(why, why_len, "MADT entry of type %u is only %u bytes long", e[0], e[1]);
	return -1;
}

int acpi_madt_parse(const uint8_t *madt, size_t len, struct madt_info *out, char *why,
		    size_t why_len)
{
	memset(out, 0, sizeof(*out));
	if (len < MADT_ENTRIES_OFFSET || memcmp(madt, "APIC", 4) != 0 || le32(madt + 4) != len) {
		snprintf(why, why_len, "not a MADT, or its length is wrong");
		return -1;
	}
	for (size_t off = MADT_ENTRIES_OFFSET; off < len;) {
		if (len - off < 2 || madt[off + 1] < 2 || madt[off + 1] > len - off) {
			snprintf(why, why_len, "MADT entry at offset %zu runs past the table", off);
			return -1;
		}
		if (add_entry(out, madt + off, why, why_len) != 0)
			return -1;
		off += madt[off + 1];
	}
	if (!out->nioapics) {
		snprintf(why, why_len, "the MADT lists no I/O APIC");
		return -1;
	}
	return 0;
}

const struct madt_override *acpi_madt_override(const struct madt_info *m, uint8_t irq)
{
	for (size_t i = 0; i < m->noverrides; i++)
		if (m->override[i].source == irq)
			return &m->override[i];
	return NULL;
}
