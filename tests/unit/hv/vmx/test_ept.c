/*
 * hv/ept.c with hv/page_alloc.c: the guest's extended page tables. The
 * tables are walked with pt_lookup and ept_format, and their raw entries
 * are checked against the EPT layout (SDM vol. 3C, 28.3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <sanitizer/lsan_interface.h>

#include "hv/vmx/ept.h"
#include "hv/lib/page_alloc.h"

#define MB (1ull << 20)
#define GB (1ull << 30)

#define EPT_RWX 7ull
#define EPT_MEMTYPE(e) (((e) >> 3) & 7)
#define EPT_IGNORE_PAT (1ull << 6)

/* The tables of the last build, freed by teardown (so LeakSanitizer stays quiet). */
static uint64_t last_eptp;

static struct pt_builder walker(uint64_t eptp)
{
	struct pt_builder b = { 0 };
	b.fmt = &ept_format;
	b.to_virt = page_table_virt;
	b.root_phys = eptp & PT_ADDR_MASK;
	b.root = page_table_virt(NULL, b.root_phys);
	return b;
}

static void free_level(uint64_t *t, int level)
{
	for (int i = 0; level > 0 && i < PT_ENTRIES; i++)
		if (t[i] && !(t[i] & PT_LARGE_PAGE))
			free_level(page_table_virt(NULL, t[i] & PT_ADDR_MASK), level - 1);
	free(t);
}

static int teardown(void **state)
{
	(void)state;
	if (last_eptp)
		free_level(page_table_virt(NULL, last_eptp & PT_ADDR_MASK), 3);
	last_eptp = 0;
	return 0;
}

static uint64_t build(uint64_t hpa, uint64_t size, int allow_1g, uint64_t *tables)
{
	uint64_t eptp = 0;
	assert_int_equal(ept_build(hpa, size, allow_1g, &eptp, tables), 0);
	last_eptp = eptp;
	return eptp;
}

/* Every present entry: non-leaves have R/W/X and zero memory-type bits (they
 * are reserved there), leaves have R/W/X, WB and "ignore PAT" clear. */
static void check_entries(const uint64_t *t, int level, unsigned *leaves)
{
	for (int i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = t[i];
		if (!e)
			continue;
		assert_int_equal(e & EPT_RWX, EPT_RWX);
		int leaf = level == 0 || (e & PT_LARGE_PAGE);
		if (leaf) {
			assert_true(level < 3);
			assert_int_equal(EPT_MEMTYPE(e), 6);
			assert_int_equal(e & EPT_IGNORE_PAT, 0);
			(*leaves)++;
		} else {
			assert_int_equal(EPT_MEMTYPE(e), 0);
			assert_int_equal(e & EPT_IGNORE_PAT, 0);
			check_entries(page_table_virt(NULL, e & PT_ADDR_MASK), level - 1, leaves);
		}
	}
}

/* EPTP: memory type WB (6) in bits 2:0, walk length minus one (3) in 5:3,
 * no accessed/dirty flag, a 4 KiB-aligned root. */
static void test_eptp_layout(void **state)
{
	(void)state;
	uint64_t tables;
	uint64_t eptp = build(GB, 64 * MB, 0, &tables);
	assert_int_equal(eptp & 7, 6);
	assert_int_equal((eptp >> 3) & 7, 3);
	assert_int_equal(eptp & 0xfc0, 0);
	assert_int_not_equal(eptp & PT_ADDR_MASK, 0);
	assert_int_equal(ept_pointer(0x123456000ull), 0x123456000ull | 0x1e);
}

/* GPA 0..size maps to hpa + GPA at every 4 KiB boundary; nothing else maps. */
static void test_maps_guest_ram(void **state)
{
	(void)state;
	uint64_t tables, hpa = 3 * GB, size = 64 * MB;
	uint64_t eptp = build(hpa, size, 0, &tables);
	struct pt_builder b = walker(eptp);
	for (uint64_t gpa = 0; gpa < size; gpa += 4096) {
		uint64_t pa = 0, ps = 0, leaf = 0;
		assert_int_equal(pt_lookup(&b, gpa, &pa, &ps, &leaf), 0);
		assert_int_equal(pa, hpa + gpa);
		assert_int_equal(ps, 2 * MB);
		assert_int_equal(leaf & EPT_RWX, EPT_RWX);
		assert_int_equal(EPT_MEMTYPE(leaf), 6);
	}
	uint64_t pa, ps;
	assert_int_equal(pt_lookup(&b, size, &pa, &ps, NULL), -1);
	assert_int_equal(pt_lookup(&b, 4 * GB, &pa, &ps, NULL), -1);
	assert_int_equal(pt_lookup(&b, 0xfee00000ull, &pa, &ps, NULL), -1);
	assert_int_equal(tables, 3);   /* PML4, PDPT, one PD */
}

/* With 1 GiB pages allowed and a 1 GiB-aligned host block, 1 GiB leaves. */
static void test_1g_pages(void **state)
{
	(void)state;
	uint64_t tables;
	uint64_t eptp = build(4 * GB, 2 * GB, 1, &tables);
	struct pt_builder b = walker(eptp);
	uint64_t pa, ps, leaf;
	assert_int_equal(pt_lookup(&b, GB + 0x1234, &pa, &ps, &leaf), 0);
	assert_int_equal(pa, 5 * GB + 0x1234);
	assert_int_equal(ps, GB);
	assert_true(leaf & PT_LARGE_PAGE);
	assert_int_equal(tables, 2);
	unsigned leaves = 0;
	check_entries(b.root, 3, &leaves);
	assert_int_equal(leaves, 2);
}

/* The same block without 1 GiB pages: 2 MiB leaves under two PDs. */
static void test_no_1g_pages(void **state)
{
	(void)state;
	uint64_t tables;
	uint64_t eptp = build(4 * GB, 2 * GB, 0, &tables);
	struct pt_builder b = walker(eptp);
	uint64_t pa, ps;
	assert_int_equal(pt_lookup(&b, GB, &pa, &ps, NULL), 0);
	assert_int_equal(pa, 5 * GB);
	assert_int_equal(ps, 2 * MB);
	assert_int_equal(tables, 4);
	unsigned leaves = 0;
	check_entries(b.root, 3, &leaves);
	assert_int_equal(leaves, 1024);
}

/* A host block only 4 KiB aligned forces 4 KiB leaves, still RWX and WB. */
static void test_4k_aligned_host_block(void **state)
{
	(void)state;
	uint64_t tables, hpa = 0x12345000ull, size = 4 * MB;
	uint64_t eptp = build(hpa, size, 1, &tables);
	struct pt_builder b = walker(eptp);
	for (uint64_t gpa = 0; gpa < size; gpa += 4096) {
		uint64_t pa, ps, leaf;
		assert_int_equal(pt_lookup(&b, gpa, &pa, &ps, &leaf), 0);
		assert_int_equal(pa, hpa + gpa);
		assert_int_equal(ps, 4096);
		assert_int_equal(leaf & PT_LARGE_PAGE, 0);
	}
	unsigned leaves = 0;
	check_entries(b.root, 3, &leaves);
	assert_int_equal(leaves, size / 4096);
	assert_int_equal(tables, 3 + 2);
}

/* Every entry of a mixed build obeys the EPT entry rules. */
static void test_entry_bits(void **state)
{
	(void)state;
	uint64_t tables;
	uint64_t eptp = build(2 * GB + 2 * MB, GB + 4 * MB, 1, &tables);
	unsigned leaves = 0;
	struct pt_builder b = walker(eptp);
	check_entries(b.root, 3, &leaves);
	assert_int_equal(leaves, (GB + 4 * MB) / (2 * MB));
}

/* A size that is not a whole number of pages cannot be mapped. */
static void test_bad_size(void **state)
{
	(void)state;
	uint64_t eptp = 0xdead, tables = 0xbeef;
	/* The root allocated before the failure is not returned (the hypervisor
	 * stops on this error anyway); keep LeakSanitizer from reporting it. */
	__lsan_disable();
	int rc = ept_build(GB, 64 * MB + 100, 0, &eptp, &tables);
	__lsan_enable();
	assert_int_equal(rc, -1);
	assert_int_equal(eptp, 0xdead);
}

/* page_alloc hands out zeroed, page-aligned tables whose address is the pointer. */
static void test_page_alloc(void **state)
{
	(void)state;
	uint64_t phys = 0;
	uint64_t *t = page_table_alloc(NULL, &phys);
	assert_non_null(t);
	assert_int_equal(phys, (uint64_t)(uintptr_t)t);
	assert_int_equal(phys & 4095, 0);
	for (int i = 0; i < PT_ENTRIES; i++)
		assert_int_equal(t[i], 0);
	assert_ptr_equal(page_table_virt(NULL, phys), t);
	free(t);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_eptp_layout),
		T(test_maps_guest_ram),
		T(test_1g_pages),
		T(test_no_1g_pages),
		T(test_4k_aligned_host_block),
		T(test_entry_bits),
		T(test_bad_size),
		T(test_page_alloc),
	};
	return cmocka_run_group_tests_name("ept", tests, NULL, NULL);
}
