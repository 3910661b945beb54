/*
 * arch/x86_64/acpi.c: finding a table from the RSDP (XSDT and RSDT), and
 * parsing the MADT; damaged tables are refused with a reason. The tables
 * are built in ordinary memory: their addresses are host pointers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "arch/x86_64/acpi.h"

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void fix_checksum(uint8_t *t, size_t len, size_t at)
{
	uint8_t s = 0;
	t[at] = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + t[i]);
	t[at] = (uint8_t)-s;
}

static void header(uint8_t *t, const char *sig, uint32_t len)
{
	memset(t, 0, len);
	memcpy(t, sig, 4);
	put32(t + 4, len);
}

/* A MADT like QEMU's: a local APIC, one I/O APIC, overrides for the timer
 * and for PCI IRQ 11 (level, active high). */
static uint8_t madt[44 + 8 + 12 + 10 + 10];

static void build_madt(void)
{
	header(madt, "APIC", sizeof(madt));
	uint8_t *e = madt + 44;
	e[0] = 0; e[1] = 8;                                /* local APIC */
	e += 8;
	e[0] = 1; e[1] = 12; e[2] = 2; put32(e + 4, 0xfec00000u); put32(e + 8, 0);
	e += 12;
	e[0] = 2; e[1] = 10; e[3] = 0; put32(e + 4, 2); e[8] = 0; e[9] = 0;
	e += 10;
	e[0] = 2; e[1] = 10; e[3] = 11; put32(e + 4, 11); e[8] = 0x0d; e[9] = 0;
	fix_checksum(madt, sizeof(madt), 9);
}

static uint8_t xsdt[36 + 2 * 8], rsdp[36], other[36];

static void build_xsdt_path(void)
{
	build_madt();
	header(other, "FACP", sizeof(other));
	fix_checksum(other, sizeof(other), 9);
	header(xsdt, "XSDT", sizeof(xsdt));
	put64(xsdt + 36, (uint64_t)(uintptr_t)other);
	put64(xsdt + 44, (uint64_t)(uintptr_t)madt);
	fix_checksum(xsdt, sizeof(xsdt), 9);
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = 2;
	put32(rsdp + 20, 36);
	put64(rsdp + 24, (uint64_t)(uintptr_t)xsdt);
	fix_checksum(rsdp, 20, 8);
	fix_checksum(rsdp, 36, 32);
}

static void test_finds_madt_through_xsdt(void **state)
{
	(void)state;
	char why[128];
	build_xsdt_path();
	const uint8_t *t = acpi_find_table((uint64_t)(uintptr_t)rsdp, "APIC", why, sizeof(why));
	assert_ptr_equal(t, madt);
	assert_int_equal(acpi_table_length(t), sizeof(madt));
}

/* ACPI 1.0 firmware: revision 0, a 32-bit RSDT; its tables are placed
 * below 4 GiB (MAP_32BIT) so that 32-bit pointers reach them. */
static void test_finds_table_through_rsdt(void **state)
{
	(void)state;
	char why[128];
	build_xsdt_path();
	uint8_t *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
			    -1, 0);
	assert_true(low != MAP_FAILED);
	uint8_t *rsdt = low, *low_madt = low + 64;
	memcpy(low_madt, madt, sizeof(madt));
	header(rsdt, "RSDT", 36 + 4);
	put32(rsdt + 36, (uint32_t)(uintptr_t)low_madt);
	fix_checksum(rsdt, 36 + 4, 9);
	rsdp[15] = 0;
	put32(rsdp + 16, (uint32_t)(uintptr_t)rsdt);
	fix_checksum(rsdp, 20, 8);
	assert_ptr_equal(acpi_find_table((uint64_t)(uintptr_t)rsdp, "APIC", why, sizeof(why)),
			 low_madt);
	munmap(low, 4096);
}

static void test_refuses_damage(void **state)
{
	(void)state;
	char why[128];
	assert_null(acpi_find_table(0, "APIC", why, sizeof(why)));
	assert_string_equal(why, "the firmware gave no ACPI RSDP");

	build_xsdt_path();
	rsdp[1] ^= 1;                         /* signature */
	assert_null(acpi_find_table((uint64_t)(uintptr_t)rsdp, "APIC", why, sizeof(why)));
	assert_non_null(strstr(why, "RSDP"));

	build_xsdt_path();
	madt[50] ^= 0x40;                     /* a flipped bit in the MADT */
	assert_null(acpi_find_table((uint64_t)(uintptr_t)rsdp, "APIC", why, sizeof(why)));
	assert_non_null(strstr(why, "bad checksum"));

	build_xsdt_path();
	assert_null(acpi_find_table((uint64_t)(uintptr_t)rsdp, "HPET", why, sizeof(why)));
	assert_string_equal(why, "no HPET table among the 2 ACPI tables");

	build_xsdt_path();
	put32(xsdt + 4, 20);                  /* shorter than a header */
	assert_null(acpi_find_table((uint64_t)(uintptr_t)rsdp, "APIC", why, sizeof(why)));
	assert_non_null(strstr(why, "claims 20 bytes"));
}

/* Physical memory that ends: 4 KiB at 0x10000, the RSDP at its start. */
#define PHYS_BASE 0x10000u
static uint8_t phys[4096];

static const uint8_t *phys_map(void *ctx, uint64_t addr, size_t len)
{
	(void)ctx;
	if (addr < PHYS_BASE || addr - PHYS_BASE > sizeof(phys) ||
	    len > sizeof(phys) - (addr - PHYS_BASE))
		return NULL;
	return phys + (addr - PHYS_BASE);
}

/* An RSDP (ACPI 1.0) at 0x10000, an RSDT at 0x10020 naming one table at 'at'. */
static void build_phys(uint32_t at, uint32_t table_len)
{
	memset(phys, 0, sizeof(phys));
	memcpy(phys, "RSD PTR ", 8);
	put32(phys + 16, PHYS_BASE + 0x20);
	fix_checksum(phys, 20, 8);
	header(phys + 0x20, "RSDT", 40);
	put32(phys + 0x20 + 36, at);
	fix_checksum(phys + 0x20, 40, 9);
	if (at >= PHYS_BASE && at + 8 <= PHYS_BASE + sizeof(phys)) {
		memcpy(phys + (at - PHYS_BASE), "APIC", 4);
		put32(phys + (at - PHYS_BASE) + 4, table_len);
	}
}

static void test_walk_stays_inside_memory(void **state)
{
	(void)state;
	char why[128];
	build_phys(PHYS_BASE + 0x100, 44);
	fix_checksum(phys + 0x100, 44, 9);
	assert_ptr_equal(acpi_find_table_in(phys_map, NULL, PHYS_BASE, "APIC", why, sizeof(why)),
			 phys + 0x100);

	/* A table whose length runs past the end of memory. */
	build_phys(PHYS_BASE + sizeof(phys) - 64, 4096);
	assert_null(acpi_find_table_in(phys_map, NULL, PHYS_BASE, "APIC", why, sizeof(why)));
	assert_non_null(strstr(why, "claims 4096 bytes, past the end of memory"));

	/* A table that starts outside memory, and an RSDP outside memory. */
	build_phys(PHYS_BASE + sizeof(phys) - 4, 44);
	memcpy(phys + sizeof(phys) - 4, "APIC", 4);
	assert_null(acpi_find_table_in(phys_map, NULL, PHYS_BASE, "APIC", why, sizeof(why)));
	assert_non_null(strstr(why, "lies outside memory"));
	assert_null(acpi_find_table_in(phys_map, NULL, PHYS_BASE + sizeof(phys) - 10, "APIC", why,
				       sizeof(why)));
	assert_non_null(strstr(why, "is damaged"));
}

static void test_parses_ioapic_and_overrides(void **state)
{
	(void)state;
	struct madt_info m;
	char why[128];
	build_madt();
	assert_int_equal(acpi_madt_parse(madt, sizeof(madt), &m, why, sizeof(why)), 0);
	assert_int_equal(m.nioapics, 1);
	assert_int_equal(m.ioapic[0].id, 2);
	assert_int_equal(m.ioapic[0].address, 0xfec00000u);
	assert_int_equal(m.noverrides, 2);
	const struct madt_override *o = acpi_madt_override(&m, 11);
	assert_non_null(o);
	assert_int_equal(o->gsi, 11);
	assert_int_equal(o->flags & MADT_TRIGGER_MASK, MADT_TRIGGER_LEVEL);
	assert_int_equal(o->flags & MADT_POLARITY_MASK, MADT_POLARITY_HIGH);
	assert_int_equal(acpi_madt_override(&m, 0)->gsi, 2);
	assert_null(acpi_madt_override(&m, 10));
}

static void test_refuses_bad_madt(void **state)
{
	(void)state;
	struct madt_info m;
	char why[128];
	build_madt();
	madt[44 + 8 + 1] = 200;               /* the I/O APIC entry runs past the end */
	assert_int_equal(acpi_madt_parse(madt, sizeof(madt), &m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "runs past the table"));

	build_madt();
	madt[44 + 8 + 1] = 6;                 /* an I/O APIC entry too short to hold one */
	assert_int_equal(acpi_madt_parse(madt, sizeof(madt), &m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "type 1 is only 6 bytes"));

	build_madt();
	madt[44 + 1] = 0;                     /* a zero-length entry would loop forever */
	assert_int_equal(acpi_madt_parse(madt, sizeof(madt), &m, why, sizeof(why)), -1);

	build_madt();
	madt[44 + 8] = 0x7f;                  /* the I/O APIC becomes an unknown entry type */
	assert_int_equal(acpi_madt_parse(madt, sizeof(madt), &m, why, sizeof(why)), -1);
	assert_string_equal(why, "the MADT lists no I/O APIC");

	build_madt();
	assert_int_equal(acpi_madt_parse(madt, sizeof(madt) - 1, &m, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_madt_through_xsdt),
		cmocka_unit_test(test_finds_table_through_rsdt),
		cmocka_unit_test(test_refuses_damage),
		cmocka_unit_test(test_walk_stays_inside_memory),
		cmocka_unit_test(test_parses_ioapic_and_overrides),
		cmocka_unit_test(test_refuses_bad_madt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
