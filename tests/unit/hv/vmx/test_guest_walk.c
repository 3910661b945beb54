/*
 * hv/vmx/guest_walk.c: paging off, 32-bit paging (4 KiB and 4 MiB pages),
 * 4-level paging (4 KiB and 2 MiB), not-present entries, tables and pages
 * outside RAM, the refused modes, and fetches across a page boundary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/le_bytes.h"
#include "hv/vmx/guest_walk.h"
#include "hv/vmx/vmx_defs.h"

#define RAM_SIZE 0x20000
static uint8_t ram[RAM_SIZE];

static uint64_t walk(const struct guest_paging *p, uint64_t linear)
{
	uint64_t phys = ~0ull;
	const char *why = NULL;
	if (guest_walk(p, ram, RAM_SIZE, linear, &phys, &why) != 0) {
		assert_non_null(why);
		return ~0ull;
	}
	return phys;
}

static void test_paging_off(void **state)
{
	(void)state;
	const struct guest_paging p = { .cr0 = CR0_PE };
	assert_int_equal(walk(&p, 0x1234), 0x1234);
}

static void test_32bit_paging(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	const struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PSE };
	put_le(ram + 0x1000 + 0 * 4, 0x2000 | 1, 4);                  /* 0-4M: table at 0x2000 */
	put_le(ram + 0x2000 + 5 * 4, 0x7000 | 1, 4);                  /* page 5 -> 0x7000 */
	put_le(ram + 0x1000 + 0x3fb * 4, 0xfec00000 | 0x80 | 1, 4);  /* 4 MiB page at 0xfec00000 */
	assert_int_equal(walk(&p, 0x5abc), 0x7abc);
	assert_int_equal(walk(&p, 0xfec00000 + 0x123456 - 0x0), 0xfec00000 + 0x123456);
	assert_int_equal(walk(&p, 0x6000), ~0ull);                    /* PTE not present */
	assert_int_equal(walk(&p, 0x400000), ~0ull);                  /* PDE not present */
	const struct guest_paging far = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x100000 };
	assert_int_equal(walk(&far, 0), ~0ull);                       /* directory outside RAM */
}

static void test_4level_paging(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	const struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PAE,
					.efer = EFER_LME | EFER_LMA };
	put_le(ram + 0x1000, 0x2000 | 1, 8);            /* PML4[0] */
	put_le(ram + 0x2000, 0x3000 | 1, 8);            /* PDPT[0] */
	put_le(ram + 0x3000 + 8, 0x4000 | 1, 8);        /* PD[1]: 2M-4M by a table */
	put_le(ram + 0x4000 + 3 * 8, 0x9000 | 1, 8);    /* PT[3] */
	put_le(ram + 0x3000 + 2 * 8, 0x40000000ull | 0x80 | 1, 8); /* PD[2]: 2 MiB page */
	assert_int_equal(walk(&p, 0x203456), 0x9456);
	assert_int_equal(walk(&p, 0x412345), 0x40012345);
	assert_int_equal(walk(&p, 0x8000000000ull), ~0ull);
	struct guest_paging pae = p;
	pae.efer = 0;
	assert_int_equal(walk(&pae, 0), ~0ull);
	struct guest_paging la57 = p;
	la57.cr4 |= CR4_LA57;
	assert_int_equal(walk(&la57, 0), ~0ull);
}

static void test_fetch_across_pages(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	const struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000 };
	put_le(ram + 0x1000, 0x2000 | 1, 4);
	put_le(ram + 0x2000 + 0x10 * 4, 0x5000 | 1, 4);  /* 0x10000 -> 0x5000 */
	put_le(ram + 0x2000 + 0x11 * 4, 0x3000 | 1, 4);  /* 0x11000 -> 0x3000 */
	ram[0x5ffe] = 0x8b;
	ram[0x5fff] = 0x84;
	ram[0x3000] = 0x88;
	uint8_t buf[15];
	const char *why = NULL;
	assert_int_equal(guest_fetch(&p, ram, RAM_SIZE, 0x10ffe, buf, 15, &why), 15);
	assert_int_equal(buf[0], 0x8b);
	assert_int_equal(buf[1], 0x84);
	assert_int_equal(buf[2], 0x88);
	/* The next page not mapped: only what the first one holds. */
	assert_int_equal(guest_fetch(&p, ram, RAM_SIZE, 0x11ffe, buf, 15, &why), 2);
	assert_non_null(why);
	/* Paging off, at the end of RAM. */
	const struct guest_paging off = { .cr0 = CR0_PE };
	assert_int_equal(guest_fetch(&off, ram, RAM_SIZE, RAM_SIZE - 3, buf, 15, &why), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paging_off),
		cmocka_unit_test(test_32bit_paging),
		cmocka_unit_test(test_4level_paging),
		cmocka_unit_test(test_fetch_across_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
