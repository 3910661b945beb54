/*
 * libFuzzer target for the ACPI table walk (arch/x86_64/acpi.c): RSDP ->
 * XSDT or RSDT -> the tables they list, over an image of physical memory
 * that the input is. The image sits at physical IMAGE_BASE with the RSDP at
 * its start; every address outside it is unmapped, so a walk that reads
 * past the memory it was given is caught (the image is an exactly-sized
 * buffer, for ASan). Random bytes almost never keep a checksum, so when the
 * input's first byte asks for it the checksums along the path (the RSDP's
 * two, the root table's, each listed table's) are made right first. A table
 * found is one the root lists, inside the image, with the wanted signature,
 * a sane length and a zero checksum, and the MADT found goes through the
 * parser the way ioapic.c uses it; a refusal says why. Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "tests/fuzz/fuzz_check.h"

#define IMAGE_BASE 0x000e0000u   /* where firmware of old put the RSDP */
#define MAX_IMAGE 8192
#define SDT_HEADER 36

struct image {
	uint8_t *bytes;
	size_t len;
};

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_acpi_walk", what);
}

static const uint8_t *image_map(void *ctx, uint64_t addr, size_t len)
{
	const struct image *m = ctx;
	if (addr < IMAGE_BASE || addr - IMAGE_BASE > m->len || len > m->len - (addr - IMAGE_BASE))
		return NULL;
	return m->bytes + (addr - IMAGE_BASE);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Sets the checksum byte at 'at' so that len bytes at p sum to zero. */
static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)-sum(p, len);
}

/* The table at addr, if its header and length lie in the image: fixed. */
static uint8_t *fix_table(struct image *m, uint64_t addr)
{
	uint8_t *t = (uint8_t *)image_map(m, addr, SDT_HEADER);
	if (!t || rd32(t + 4) < SDT_HEADER || !image_map(m, addr, rd32(t + 4)))
		return NULL;
	fix_sum(t, rd32(t + 4), 9);
	return t;
}

static void fix_checksums(struct image *m)
{
	uint8_t *r = m->bytes;
	if (m->len < 20)
		return;
	fix_sum(r, 20, 8);
	int v2 = r[15] >= 2 && m->len >= 36;
	if (v2)
		fix_sum(r, 36, 32);
	uint64_t root_addr = v2 ? rd64(r + 24) : rd32(r + 16);
	uint8_t *root = fix_table(m, root_addr);
	if (!root)
		return;
	size_t entry = v2 ? 8 : 4, n = (rd32(root + 4) - SDT_HEADER) / entry;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = root + SDT_HEADER + i * entry;
		fix_table(m, entry == 8 ? rd64(p) : rd32(p));
	}
	/* The root table may overlap the tables it lists (even its own length
	 * may have changed): check it against the image again and fix it last. */
	fix_table(m, root_addr);
}

/* Whether a root table the RSDP names (RSDT or XSDT) lists 'addr'. */
static int listed(struct image *m, uint64_t addr)
{
	for (size_t entry = 4; entry <= 8; entry += 4) {
		if (m->len < (entry == 8 ? 32u : 20u))
			continue;
		uint64_t root = entry == 8 ? rd64(m->bytes + 24) : rd32(m->bytes + 16);
		const uint8_t *r = image_map(m, root, SDT_HEADER);
		if (!r || rd32(r + 4) < SDT_HEADER)
			continue;
		size_t n = (rd32(r + 4) - SDT_HEADER) / entry;
		for (size_t i = 0; i < n; i++) {
			const uint8_t *p = image_map(m, root + SDT_HEADER + i * entry, entry);
			if (p && (entry == 8 ? rd64(p) : rd32(p)) == addr)
				return 1;
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const wanted[] = { "APIC", "FACP", "HPET" };
	if (size < 1 || size - 1 > MAX_IMAGE)
		return 0;
	struct image m = { malloc(size - 1 ? size - 1 : 1), size - 1 };
	if (!m.bytes)
		abort();
	memcpy(m.bytes, data + 1, m.len);
	if (data[0] & 1)
		fix_checksums(&m);
	const char *sig = wanted[(data[0] >> 1) % 3];
	char why[160] = "";
	const uint8_t *t = acpi_find_table_in(image_map, &m, IMAGE_BASE, sig, why, sizeof(why));
	if (t) {
		check(t >= m.bytes && t + SDT_HEADER <= m.bytes + m.len, "a table outside memory");
		uint32_t len = acpi_table_length(t);
		check(len >= SDT_HEADER && t + len <= m.bytes + m.len, "a table running past memory");
		check(memcmp(t, sig, 4) == 0, "a table of another signature");
		check(sum(t, len) == 0, "a table with a bad checksum");
		check(listed(&m, IMAGE_BASE + (uint64_t)(t - m.bytes)), "a table no root table lists");
		struct madt_info madt;
		if (acpi_madt_parse(t, len, &madt, why, sizeof(why)) == 0)
			check(madt.nioapics >= 1 && madt.nioapics <= MADT_MAX_IOAPICS,
			      "a MADT parsed to no I/O APIC");
		else
			check(fuzz_said_why(why, sizeof(why)), "a MADT refused without a reason");
	} else {
		check(fuzz_said_why(why, sizeof(why)), "refused without a reason");
	}
	free(m.bytes);
	return 0;
}
