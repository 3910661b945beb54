/*
 * arch/x86_64/pagetable.c: building 4-level tables. Tables are real 4 KiB
 * pages from aligned_alloc, and a table's "physical" address is its pointer,
 * so the tests walk exactly what the builder wrote.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/pagetable.h"

#define MAX_TABLES 4096

/* Host-like format with distinctive bits: tables P|RW|US, leaves P|RW|G|NX. */
static const struct pt_format fmt_2m = { 0x7, 0x8000000000000103ull, 0 };
static const struct pt_format fmt_1g = { 0x7, 0x8000000000000103ull, 1 };

struct arena {
	uint64_t *tables[MAX_TABLES];
	unsigned count;
	unsigned limit;         /* allocations allowed before alloc fails */
	struct pt_builder b;
};

static uint64_t *arena_alloc(void *ctx, uint64_t *phys)
{
	struct arena *a = ctx;
	if (a->count >= a->limit)
		return NULL;
	uint64_t *t = aligned_alloc(4096, 4096);
	if (!t)
		return NULL;
	memset(t, 0, 4096);
	a->tables[a->count++] = t;
	*phys = (uint64_t)(uintptr_t)t;
	return t;
}

static uint64_t *arena_virt(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (uint64_t *)(uintptr_t)phys;
}

static int setup(void **state)
{
	struct arena *a = calloc(1, sizeof(*a));
	if (!a)
		return -1;
	a->limit = MAX_TABLES;
	*state = a;
	return 0;
}

static int teardown(void **state)
{
	struct arena *a = *state;
	for (unsigned i = 0; i < a->count; i++)
		free(a->tables[i]);
	free(a);
	return 0;
}

static struct pt_builder *init(void **state, const struct pt_format *fmt)
{
	struct arena *a = *state;
	assert_int_equal(pt_init(&a->b, fmt, arena_alloc, arena_virt, a), 0);
	return &a->b;
}

/* Every 4 KiB page of [va, va+size) translates to pa + offset, with the
 * expected page size; the pages just outside are not mapped. */
static void expect_mapped(const struct pt_builder *b, uint64_t va, uint64_t pa, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE_4K) {
		uint64_t got = 0, ps = 0;
		if (pt_lookup(b, va + off, &got, &ps, NULL) != 0)
			fail_msg("va 0x%llx not mapped", (unsigned long long)(va + off));
		assert_int_equal(got, pa + off);
	}
	uint64_t got, ps;
	if (va >= PAGE_4K)
		assert_int_equal(pt_lookup(b, va - PAGE_4K, &got, &ps, NULL), -1);
	assert_int_equal(pt_lookup(b, va + size, &got, &ps, NULL), -1);
}

static uint64_t page_size_at(const struct pt_builder *b, uint64_t va)
{
	uint64_t pa, ps = 0;
	assert_int_equal(pt_lookup(b, va, &pa, &ps, NULL), 0);
	return ps;
}

/* pt_init allocates a zeroed root and reports its address. */
static void test_init(void **state)
{
	struct arena *a = *state;
	struct pt_builder *b = init(state, &fmt_2m);
	assert_int_equal(b->tables, 1);
	assert_int_equal(a->count, 1);
	assert_ptr_equal(b->root, a->tables[0]);
	assert_int_equal(b->root_phys, (uint64_t)(uintptr_t)b->root);
	for (int i = 0; i < PT_ENTRIES; i++)
		assert_int_equal(b->root[i], 0);
	uint64_t pa, ps;
	assert_int_equal(pt_lookup(b, 0, &pa, &ps, NULL), -1);
}

static void test_init_out_of_memory(void **state)
{
	struct arena *a = *state;
	struct pt_builder b;
	a->limit = 0;
	assert_int_equal(pt_init(&b, &fmt_2m, arena_alloc, arena_virt, a), -1);
	assert_null(b.root);
	assert_int_equal(b.tables, 0);
}

/* One 4 KiB page needs one table per level; the leaf has the format's leaf
 * flags and no large-page bit; inner entries have the table flags. */
static void test_single_4k_page(void **state)
{
	struct pt_builder *b = init(state, &fmt_2m);
	uint64_t va = 0x12345000, pa = 0xabcde000;
	assert_int_equal(pt_map(b, va, pa, PAGE_4K), 0);
	assert_int_equal(b->tables, 4);
	uint64_t got, ps, leaf;
	assert_int_equal(pt_lookup(b, va + 0x9a8, &got, &ps, &leaf), 0);
	assert_int_equal(got, pa + 0x9a8);
	assert_int_equal(ps, PAGE_4K);
	assert_int_equal(leaf, pa | fmt_2m.leaf_flags);
	assert_int_equal(leaf & PT_LARGE_PAGE, 0);
	assert_int_equal(b->root[0] & ~PT_ADDR_MASK, fmt_2m.table_flags);
	expect_mapped(b, va, pa, PAGE_4K);
}

/* The entry for va goes at index (va >> 39, 30, 21, 12) & 511 of each level;
 * checked by walking the raw tables for an address with distinct indices. */
static void test_indices(void **state)
{
	struct pt_builder *b = init(state, &fmt_2m);
	uint64_t va = (3ull << 39) | (5ull << 30) | (7ull << 21) | (9ull << 12);
	uint64_t pa = 0x7654321000ull;
	assert_int_equal(pt_map(b, va, pa, PAGE_4K), 0);
	unsigned idx[4] = { 3, 5, 7, 9 };
	const uint64_t *t = b->root;
	for (int level = 0; level < 4; level++) {
		for (unsigned i = 0; i < PT_ENTRIES; i++)
			if (i != idx[level])
				assert_int_equal(t[i], 0);
		assert_int_not_equal(t[idx[level]], 0);
		if (level < 3)
			t = (const uint64_t *)(uintptr_t)(t[idx[level]] & PT_ADDR_MASK);
	}
	assert_int_equal(t[9] & PT_ADDR_MASK, pa);
}

/* 2 MiB-aligned va, pa and size: 2 MiB leaves with bit 7, and no page table
 * level below them. */
static void test_2m_pages(void **state)
{
	struct pt_builder *b = init(state, &fmt_2m);
	uint64_t va = 0x40000000 + 4 * PAGE_2M, pa = 0x200000000ull + 6 * PAGE_2M;
	assert_int_equal(pt_map(b, va, pa, 2 * PAGE_2M), 0);
	assert_int_equal(b->tables, 3);
	uint64_t got, ps, leaf;
	assert_int_equal(pt_lookup(b, va + PAGE_2M + 0x12345, &got, &ps, &leaf), 0);
	assert_int_equal(got, pa + PAGE_2M + 0x12345);
	assert_int_equal(ps, PAGE_2M);
	assert_int_equal(leaf, (pa + PAGE_2M) | fmt_2m.leaf_flags | PT_LARGE_PAGE);
	expect_mapped(b, va, pa, 2 * PAGE_2M);
}

/* 1 GiB leaves only when the format allows them; otherwise 512 2 MiB ones. */
static void test_1g_pages(void **state)
{
	struct pt_builder *b = init(state, &fmt_1g);
	assert_int_equal(pt_map(b, PAGE_1G, 3 * PAGE_1G, 2 * PAGE_1G), 0);
	assert_int_equal(b->tables, 2);
	uint64_t got, ps, leaf;
	assert_int_equal(pt_lookup(b, PAGE_1G + 0x3456789, &got, &ps, &leaf), 0);
	assert_int_equal(got, 3 * PAGE_1G + 0x3456789);
	assert_int_equal(ps, PAGE_1G);
	assert_int_equal(leaf, 3 * PAGE_1G | fmt_1g.leaf_flags | PT_LARGE_PAGE);
	assert_int_equal(page_size_at(b, 2 * PAGE_1G), PAGE_1G);
	expect_mapped(b, PAGE_1G, 3 * PAGE_1G, 2 * PAGE_1G);
}

static void test_1g_not_allowed(void **state)
{
	struct pt_builder *b = init(state, &fmt_2m);
	assert_int_equal(pt_map(b, PAGE_1G, 3 * PAGE_1G, 2 * PAGE_1G), 0);
	assert_int_equal(b->tables, 4);   /* root, one PDPT, two PDs */
	for (uint64_t off = 0; off < 2 * PAGE_1G; off += PAGE_2M)
		assert_int_equal(page_size_at(b, PAGE_1G + off), PAGE_2M);
	expect_mapped(b, PAGE_1G, 3 * PAGE_1G, 2 * PAGE_1G);
}

/* A range starting 8 KiB below a 2 MiB boundary and spanning it: 4 KiB
 * pages up to the boundary, 2 MiB pages while they fit, 4 KiB at the end. */
static void test_mixed_sizes(void **state)
{
	struct pt_builder *b = init(state, &fmt_1g);
	uint64_t va = 16 * PAGE_2M - 2 * PAGE_4K, pa = 0x80000000ull - 2 * PAGE_4K;
	uint64_t size = 2 * PAGE_4K + 3 * PAGE_2M + 5 * PAGE_4K;
	assert_int_equal(pt_map(b, va, pa, size), 0);
	expect_mapped(b, va, pa, size);
	for (uint64_t off = 0; off < size; off += PAGE_4K) {
		uint64_t want = (off >= 2 * PAGE_4K && off < 2 * PAGE_4K + 3 * PAGE_2M) ? PAGE_2M
										       : PAGE_4K;
		assert_int_equal(page_size_at(b, va + off), want);
	}
	/* root, PDPT, one PD, two PTs (one on each side) */
	assert_int_equal(b->tables, 5);
}

/* va and pa aligned differently: no large page can be used anywhere. */
static void test_misaligned_pa_uses_4k(void **state)
{
	struct pt_builder *b = init(state, &fmt_1g);
	uint64_t va = PAGE_1G, pa = 0x10001000ull, size = 2 * PAGE_2M;
	assert_int_equal(pt_map(b, va, pa, size), 0);
	expect_mapped(b, va, pa, size);
	for (uint64_t off = 0; off < size; off += PAGE_4K)
		assert_int_equal(page_size_at(b, va + off), PAGE_4K);
	assert_int_equal(b->tables, 1 + 1 + 1 + 2);
}

/* Table count for a big map: 4 GiB + 2 MiB at 0 with 1 GiB pages is four
 * PDPT entries and one PD: root, PDPT, PD. */
static void test_table_count_large(void **state)
{
	struct pt_builder *b = init(state, &fmt_1g);
	assert_int_equal(pt_map(b, 0, 0, 4 * PAGE_1G + PAGE_2M), 0);
	assert_int_equal(b->tables, 3);
	assert_int_equal(page_size_at(b, 3 * PAGE_1G), PAGE_1G);
	assert_int_equal(page_size_at(b, 4 * PAGE_1G), PAGE_2M);
	uint64_t pa, ps;
	assert_int_equal(pt_lookup(b, 4 * PAGE_1G + PAGE_2M, &pa, &ps, NULL), -1);
	/* A second 512 GiB slot gets its own PDPT. */
	assert_int_equal(pt_map(b, 1ull << 39, 0, PAGE_2M), 0);
	assert_int_equal(b->tables, 5);
}

/* Arguments not 4 KiB aligned are refused before anything is allocated. */
static void test_unaligned_arguments(void **state)
{
	struct pt_builder *b = init(state, &fmt_2m);
	assert_int_equal(pt_map(b, 0x1001, 0x2000, PAGE_4K), -1);
	assert_int_equal(pt_map(b, 0x1000, 0x2800, PAGE_4K), -1);
	assert_int_equal(pt_map(b, 0x1000, 0x2000, 0x800), -1);
	assert_int_equal(pt_map(b, 0x1000, 0x2000, PAGE_4K + 1), -1);
	assert_int_equal(b->tables, 1);
	uint64_t pa, ps;
	assert_int_equal(pt_lookup(b, 0x1000, &pa, &ps, NULL), -1);
}

/* Mapping an address twice is an error, whichever page sizes are involved,
 * and the first mapping stays. */
static void test_double_mapping(void **state)
{
	struct pt_builder *b = init(state, &fmt_1g);
	/* 4 KiB over 4 KiB */
	assert_int_equal(pt_map(b, 0x5000, 0x9000, PAGE_4K), 0);
	assert_int_equal(pt_map(b, 0x5000, 0xa000, PAGE_4K), -1);
	/* 2 MiB over a table holding 4 KiB pages */
	assert_int_equal(pt_map(b, 0, 0x40000000, PAGE_2M), -1);
	/* 4 KiB inside a 2 MiB leaf */
	assert_int_equal(pt_map(b, 4 * PAGE_2M, 0, PAGE_2M), 0);
	assert_int_equal(pt_map(b, 4 * PAGE_2M + 0x3000, 0x3000, PAGE_4K), -1);
	/* 2 MiB inside a 1 GiB leaf */
	assert_int_equal(pt_map(b, 2 * PAGE_1G, 0, PAGE_1G), 0);
	assert_int_equal(pt_map(b, 2 * PAGE_1G + PAGE_2M, 0, PAGE_2M), -1);
	uint64_t pa, ps;
	assert_int_equal(pt_lookup(b, 0x5000, &pa, &ps, NULL), 0);
	assert_int_equal(pa, 0x9000);
	assert_int_equal(pt_lookup(b, 4 * PAGE_2M + 0x3000, &pa, &ps, NULL), 0);
	assert_int_equal(pa, 0x3000);
	assert_int_equal(ps, PAGE_2M);
	assert_int_equal(pt_lookup(b, 2 * PAGE_1G + PAGE_2M, &pa, &ps, NULL), 0);
	assert_int_equal(pa, PAGE_2M);
	assert_int_equal(ps, PAGE_1G);
}

/* Mapping nothing succeeds and allocates nothing. */
static void test_empty_range(void **state)
{
	struct pt_builder *b = init(state, &fmt_2m);
	assert_int_equal(pt_map(b, 0x1000, 0x1000, 0), 0);
	assert_int_equal(b->tables, 1);
}

/* Running out of tables fails the map instead of writing through NULL. */
static void test_map_out_of_memory(void **state)
{
	struct arena *a = *state;
	struct pt_builder *b = init(state, &fmt_2m);
	a->limit = 3;   /* root + 2: the page table level is missing */
	assert_int_equal(pt_map(b, 0x1000, 0x1000, PAGE_4K), -1);
	assert_int_equal(b->tables, 3);
	uint64_t pa, ps;
	assert_int_equal(pt_lookup(b, 0x1000, &pa, &ps, NULL), -1);
}

/* Separate maps next to each other share tables and do not disturb each other. */
static void test_adjacent_maps(void **state)
{
	struct pt_builder *b = init(state, &fmt_2m);
	assert_int_equal(pt_map(b, 0, 0x100000000ull, PAGE_2M), 0);
	assert_int_equal(pt_map(b, PAGE_2M, 0x300000000ull, 4 * PAGE_4K), 0);
	assert_int_equal(pt_map(b, PAGE_2M + 4 * PAGE_4K, 0x500000000ull, PAGE_4K), 0);
	assert_int_equal(b->tables, 4);
	uint64_t pa, ps;
	for (uint64_t off = 0; off < 4 * PAGE_4K; off += PAGE_4K) {
		assert_int_equal(pt_lookup(b, PAGE_2M + off, &pa, &ps, NULL), 0);
		assert_int_equal(pa, 0x300000000ull + off);
	}
	assert_int_equal(pt_lookup(b, PAGE_2M - 1, &pa, &ps, NULL), 0);
	assert_int_equal(pa, 0x100000000ull + PAGE_2M - 1);
	assert_int_equal(pt_lookup(b, PAGE_2M + 4 * PAGE_4K, &pa, &ps, NULL), 0);
	assert_int_equal(pa, 0x500000000ull);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_init_out_of_memory),
		T(test_single_4k_page),
		T(test_indices),
		T(test_2m_pages),
		T(test_1g_pages),
		T(test_1g_not_allowed),
		T(test_mixed_sizes),
		T(test_misaligned_pa_uses_4k),
		T(test_table_count_large),
		T(test_unaligned_arguments),
		T(test_double_mapping),
		T(test_empty_range),
		T(test_map_out_of_memory),
		T(test_adjacent_maps),
	};
	return cmocka_run_group_tests_name("pagetable", tests, NULL, NULL);
}
