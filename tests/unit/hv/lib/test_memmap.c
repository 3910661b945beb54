/*
 * hv/memmap.c: normalizing the firmware's memory map and carving blocks out
 * of it. Maps live in small arrays whose capacity the tests choose.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/memmap.h"

#define KB 1024ull
#define MB (1024ull * KB)
#define GB (1024ull * MB)
#define CAP 16

struct fixture {
	struct boot_mem_region r[CAP];
	struct memmap m;
};

static void init(struct fixture *f, uint32_t capacity)
{
	memset(f, 0, sizeof(*f));
	f->m.regions = f->r;
	f->m.capacity = capacity;
}

static void add(struct fixture *f, uint64_t base, uint64_t bytes, uint32_t type)
{
	assert_true(f->m.count < f->m.capacity);
	struct boot_mem_region *r = &f->r[f->m.count++];
	r->base = base;
	r->pages = bytes / 4096;
	r->type = type;
	r->efi_type = 100 + f->m.count;   /* marks which input a region came from */
}

static void expect_region(const struct fixture *f, uint32_t i, uint64_t base, uint64_t bytes,
			  uint32_t type)
{
	assert_true(i < f->m.count);
	assert_int_equal(f->r[i].base, base);
	assert_int_equal(f->r[i].pages * 4096, bytes);
	assert_int_equal(f->r[i].type, type);
}

/* Sorted by base, non-empty, non-overlapping: what every later step assumes. */
static void expect_well_formed(const struct fixture *f)
{
	for (uint32_t i = 0; i < f->m.count; i++) {
		assert_true(f->r[i].pages > 0);
		if (i > 0)
			assert_true(f->r[i - 1].base + f->r[i - 1].pages * 4096 <= f->r[i].base);
	}
}

static void test_normalize_sorts(void **state)
{
	(void)state;
	struct fixture f;
	init(&f, CAP);
	add(&f, 8 * MB, 1 * MB, BOOT_MEM_FREE);
	add(&f, 0, 640 * KB, BOOT_MEM_FREE);
	add(&f, 4 * MB, 1 * MB, BOOT_MEM_ACPI);
	add(&f, 1 * MB, 1 * MB, BOOT_MEM_LOADER);
	assert_int_equal(memmap_normalize(&f.m), 0);
	assert_int_equal(f.m.count, 4);
	expect_region(&f, 0, 0, 640 * KB, BOOT_MEM_FREE);
	expect_region(&f, 1, 1 * MB, 1 * MB, BOOT_MEM_LOADER);
	expect_region(&f, 2, 4 * MB, 1 * MB, BOOT_MEM_ACPI);
	expect_region(&f, 3, 8 * MB, 1 * MB, BOOT_MEM_FREE);
}

/* Touching regions of one type become one; a gap or a type change keeps
 * them apart. Three in a row merge into one. */
static void test_normalize_merges(void **state)
{
	(void)state;
	struct fixture f;
	init(&f, CAP);
	add(&f, 2 * MB, 1 * MB, BOOT_MEM_FREE);
	add(&f, 1 * MB, 1 * MB, BOOT_MEM_FREE);
	add(&f, 3 * MB, 1 * MB, BOOT_MEM_FREE);
	add(&f, 4 * MB, 1 * MB, BOOT_MEM_RESERVED);     /* touches, other type */
	add(&f, 6 * MB, 1 * MB, BOOT_MEM_RESERVED);     /* same type, gap */
	assert_int_equal(memmap_normalize(&f.m), 0);
	assert_int_equal(f.m.count, 3);
	expect_region(&f, 0, 1 * MB, 3 * MB, BOOT_MEM_FREE);
	expect_region(&f, 1, 4 * MB, 1 * MB, BOOT_MEM_RESERVED);
	expect_region(&f, 2, 6 * MB, 1 * MB, BOOT_MEM_RESERVED);
}

/* Empty regions vanish, even one whose base lies inside another region. */
static void test_normalize_drops_empty(void **state)
{
	(void)state;
	struct fixture f;
	init(&f, CAP);
	add(&f, 1 * MB, 0, BOOT_MEM_RESERVED);
	add(&f, 0, 4 * MB, BOOT_MEM_FREE);
	add(&f, 2 * MB, 0, BOOT_MEM_ACPI);
	add(&f, 4 * MB, 1 * MB, BOOT_MEM_FREE);
	add(&f, 9 * MB, 0, BOOT_MEM_FREE);
	assert_int_equal(memmap_normalize(&f.m), 0);
	assert_int_equal(f.m.count, 1);
	expect_region(&f, 0, 0, 5 * MB, BOOT_MEM_FREE);
}

/* Overlap is a firmware bug and refused, whatever the types. */
static void test_normalize_overlap(void **state)
{
	(void)state;
	struct fixture f;
	init(&f, CAP);
	add(&f, 0, 2 * MB, BOOT_MEM_FREE);
	add(&f, 2 * MB - 4096, 8192, BOOT_MEM_FREE);
	assert_int_equal(memmap_normalize(&f.m), -1);

	init(&f, CAP);
	add(&f, 16 * MB, 4096, BOOT_MEM_FREE);
	add(&f, 16 * MB, 4096, BOOT_MEM_RESERVED);
	assert_int_equal(memmap_normalize(&f.m), -1);

	init(&f, CAP);   /* one region swallowing a later one */
	add(&f, 0, 64 * MB, BOOT_MEM_FREE);
	add(&f, 8 * MB, 1 * MB, BOOT_MEM_MMIO);
	assert_int_equal(memmap_normalize(&f.m), -1);
}

/* A map shaped like a PC's: low RAM, a hole, RAM up to 3 GiB, MMIO, RAM
 * above 4 GiB, and firmware-owned memory in between. */
static void pc_map(struct fixture *f, uint32_t capacity)
{
	init(f, capacity);
	add(f, 0x1000, 636 * KB, BOOT_MEM_FREE);
	add(f, 1 * MB, 31 * MB, BOOT_MEM_FREE);
	add(f, 32 * MB, 8 * MB, BOOT_MEM_LOADER);
	add(f, 40 * MB, 2 * GB, BOOT_MEM_FREE);
	add(f, 40 * MB + 2 * GB, 64 * MB, BOOT_MEM_FIRMWARE_FREED);
	add(f, 3 * GB, 1 * GB, BOOT_MEM_MMIO);
	add(f, 4 * GB, 1 * GB, BOOT_MEM_FREE);
	add(f, 5 * GB, 256 * MB, BOOT_MEM_ACPI);
	assert_int_equal(memmap_normalize(&f->m), 0);
	assert_int_equal(f->m.count, 8);
}

/* The block comes from the top of the highest free region that holds it,
 * not from reserved or firmware memory above it. */
static void test_carve_highest(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t base = 0;
	pc_map(&f, CAP);
	assert_int_equal(memmap_carve(&f.m, 16 * MB, 4096, 0, &base), 0);
	assert_int_equal(base, 5 * GB - 16 * MB);
	expect_region(&f, 6, 4 * GB, 1 * GB - 16 * MB, BOOT_MEM_FREE);
	expect_region(&f, 7, 5 * GB - 16 * MB, 16 * MB, BOOT_MEM_CARVED);
	expect_region(&f, 8, 5 * GB, 256 * MB, BOOT_MEM_ACPI);
	assert_int_equal(f.m.count, 9);
	expect_well_formed(&f);
}

/* Too big for the high region: the next best one is used. */
static void test_carve_falls_back_to_lower_region(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t base = 0;
	pc_map(&f, CAP);
	assert_int_equal(memmap_carve(&f.m, 1536 * MB, 4096, 0, &base), 0);
	assert_int_equal(base, 40 * MB + 2 * GB - 1536 * MB);
	assert_true(base >= 40 * MB);
}

/* The base honours the alignment even when the region's end does not. */
static void test_carve_alignment(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t base = 0;
	init(&f, CAP);
	add(&f, 0x100000, 0x5ff000, BOOT_MEM_FREE);   /* ends at 0x6ff000 */
	assert_int_equal(memmap_carve(&f.m, 2 * MB, 2 * MB, 0, &base), 0);
	assert_int_equal(base, 4 * MB);
	assert_int_equal(base % (2 * MB), 0);
	/* before, carved, after */
	assert_int_equal(f.m.count, 3);
	expect_region(&f, 0, 0x100000, 3 * MB, BOOT_MEM_FREE);
	expect_region(&f, 1, 4 * MB, 2 * MB, BOOT_MEM_CARVED);
	expect_region(&f, 2, 6 * MB, 0xff000, BOOT_MEM_FREE);
	/* A 1 GiB alignment cannot be met in this region at all. */
	assert_int_equal(memmap_carve(&f.m, 4096, 1 * GB, 0, &base), -1);
}

/* Nothing is taken below min_addr, even if only a part of a region lies below. */
static void test_carve_min_addr(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t base = 0;
	init(&f, CAP);
	add(&f, 1 * MB, 15 * MB, BOOT_MEM_FREE);
	assert_int_equal(memmap_carve(&f.m, 8 * MB, 4096, 8 * MB, &base), 0);
	assert_int_equal(base, 8 * MB);
	assert_int_equal(memmap_carve(&f.m, 4096, 4096, 8 * MB, &base), -1);
	/* The memory below min_addr is still there for a lower bound. */
	assert_int_equal(memmap_carve(&f.m, 4096, 4096, 0, &base), 0);
	assert_int_equal(base, 8 * MB - 4096);
}

/* A whole region carved: no split, the type just changes. At the top of a
 * region: only a "before" part is left. */
static void test_carve_split_shapes(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t base = 0;
	init(&f, CAP);
	add(&f, 1 * MB, 1 * MB, BOOT_MEM_FREE);
	add(&f, 4 * MB, 4 * MB, BOOT_MEM_FREE);
	assert_int_equal(memmap_carve(&f.m, 4 * MB, 4096, 0, &base), 0);
	assert_int_equal(base, 4 * MB);
	assert_int_equal(f.m.count, 2);
	expect_region(&f, 0, 1 * MB, 1 * MB, BOOT_MEM_FREE);
	expect_region(&f, 1, 4 * MB, 4 * MB, BOOT_MEM_CARVED);

	assert_int_equal(memmap_carve(&f.m, 256 * KB, 4096, 0, &base), 0);
	assert_int_equal(base, 2 * MB - 256 * KB);
	assert_int_equal(f.m.count, 3);
	expect_region(&f, 0, 1 * MB, 768 * KB, BOOT_MEM_FREE);
	expect_region(&f, 1, 2 * MB - 256 * KB, 256 * KB, BOOT_MEM_CARVED);
	expect_region(&f, 2, 4 * MB, 4 * MB, BOOT_MEM_CARVED);
	/* The carved regions keep the firmware's diagnostic type of their source. */
	assert_int_equal(f.r[1].efi_type, f.r[0].efi_type);
}

/* A split needing more entries than the array holds fails and leaves the
 * map as it was. */
static void test_carve_capacity(void **state)
{
	(void)state;
	struct fixture f, before;
	uint64_t base = 0;
	init(&f, 2);
	add(&f, 1 * MB, 8 * MB, BOOT_MEM_FREE);
	before = f;
	assert_int_equal(memmap_carve(&f.m, 2 * MB, 4 * MB, 0, &base), -1);   /* needs 3 */
	assert_int_equal(f.m.count, 1);
	assert_memory_equal(f.r, before.r, sizeof(f.r));
	/* One extra entry fits: carving the top leaves [before][carved]. */
	assert_int_equal(memmap_carve(&f.m, 1 * MB, 4096, 0, &base), 0);
	assert_int_equal(f.m.count, 2);
	/* Now full: only a whole-region carve is still possible. */
	assert_int_equal(memmap_carve(&f.m, 4096, 4096, 0, &base), -1);
	assert_int_equal(memmap_carve(&f.m, 7 * MB, 4096, 0, &base), 0);
	assert_int_equal(base, 1 * MB);
	assert_int_equal(memmap_total(&f.m, BOOT_MEM_FREE), 0);
}

static void test_carve_no_fit(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t base = 0x1234;
	pc_map(&f, CAP);
	assert_int_equal(memmap_carve(&f.m, 4 * GB, 4096, 0, &base), -1);
	assert_int_equal(base, 0x1234);
	assert_int_equal(f.m.count, 8);
	init(&f, CAP);
	assert_int_equal(memmap_carve(&f.m, 4096, 4096, 0, &base), -1);  /* empty map */
}

/* Firmware-owned, loader, ACPI and MMIO memory is never handed out, however
 * big; only BOOT_MEM_FREE is. */
static void test_carve_only_free(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t base = 0;
	init(&f, CAP);
	add(&f, 1 * MB, 1 * MB, BOOT_MEM_FREE);
	add(&f, 2 * MB, 1 * GB, BOOT_MEM_FIRMWARE_FREED);
	add(&f, 2 * GB, 1 * GB, BOOT_MEM_LOADER);
	add(&f, 3 * GB, 1 * GB, BOOT_MEM_ACPI);
	add(&f, 4 * GB, 1 * GB, BOOT_MEM_MMIO);
	add(&f, 5 * GB, 1 * GB, BOOT_MEM_RESERVED);
	assert_int_equal(memmap_carve(&f.m, 2 * MB, 4096, 0, &base), -1);
	assert_int_equal(memmap_carve(&f.m, 1 * MB, 4096, 0, &base), 0);
	assert_int_equal(base, 1 * MB);
	/* and carved memory is not free any more */
	assert_int_equal(memmap_carve(&f.m, 4096, 4096, 0, &base), -1);
}

/* Address 0 is never returned: a carve that could only start there fails. */
static void test_carve_never_at_zero(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t base = 0;
	init(&f, CAP);
	add(&f, 0, 1 * MB, BOOT_MEM_FREE);
	assert_int_equal(memmap_carve(&f.m, 1 * MB, 4096, 0, &base), -1);
	assert_int_equal(memmap_carve(&f.m, 1 * MB - 4096, 4096, 0, &base), 0);
	assert_int_equal(base, 4096);
}

static void test_carve_bad_arguments(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t base = 0;
	pc_map(&f, CAP);
	assert_int_equal(memmap_carve(&f.m, 0, 4096, 0, &base), -1);
	assert_int_equal(memmap_carve(&f.m, 4097, 4096, 0, &base), -1);
	assert_int_equal(memmap_carve(&f.m, 4096, 2048, 0, &base), -1);
	assert_int_equal(memmap_carve(&f.m, 4096, 3 * 4096, 0, &base), -1);
	assert_int_equal(f.m.count, 8);
}

/* Successive carves never overlap each other, stay inside memory that was
 * free, and keep the map sorted; free + carved bytes are conserved. */
static void test_carve_successive_disjoint(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t got[6], size[6] = { 32 * MB, 4 * KB, 2 * MB, 1 * GB, 64 * MB, 12 * KB };
	uint64_t align[6] = { 2 * MB, 4 * KB, 1 * GB, 1 * GB, 4 * KB, 64 * KB };
	pc_map(&f, CAP);
	uint64_t free_before = memmap_total(&f.m, BOOT_MEM_FREE);
	struct fixture orig = f;
	for (int i = 0; i < 6; i++) {
		assert_int_equal(memmap_carve(&f.m, size[i], align[i], 1 * MB, &got[i]), 0);
		assert_int_equal(got[i] % align[i], 0);
		assert_true(got[i] >= 1 * MB);
		expect_well_formed(&f);
		/* inside one region that was free in the original map */
		int inside = 0;
		for (uint32_t r = 0; r < orig.m.count; r++) {
			uint64_t b = orig.r[r].base, e = b + orig.r[r].pages * 4096;
			if (orig.r[r].type == BOOT_MEM_FREE && got[i] >= b && got[i] + size[i] <= e)
				inside = 1;
		}
		assert_true(inside);
		for (int j = 0; j < i; j++)
			assert_true(got[i] + size[i] <= got[j] || got[j] + size[j] <= got[i]);
	}
	uint64_t carved = 0;
	for (int i = 0; i < 6; i++)
		carved += size[i];
	assert_int_equal(memmap_total(&f.m, BOOT_MEM_CARVED), carved);
	assert_int_equal(memmap_total(&f.m, BOOT_MEM_FREE), free_before - carved);
}

static void test_total_and_top(void **state)
{
	(void)state;
	struct fixture f;
	pc_map(&f, CAP);
	assert_int_equal(memmap_total(&f.m, BOOT_MEM_FREE), 636 * KB + 31 * MB + 2 * GB + 1 * GB);
	assert_int_equal(memmap_total(&f.m, BOOT_MEM_MMIO), 1 * GB);
	assert_int_equal(memmap_total(&f.m, BOOT_MEM_CARVED), 0);
	assert_int_equal(memmap_top(&f.m), 5 * GB + 256 * MB);
	init(&f, CAP);
	assert_int_equal(memmap_top(&f.m), 0);
	assert_int_equal(memmap_total(&f.m, BOOT_MEM_FREE), 0);
}

/* largest_free reports the biggest aligned free block above min_addr, and a
 * carve of exactly that size succeeds (it feeds "only N MiB free" messages). */
static void test_largest_free(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t base = 0;
	pc_map(&f, CAP);
	assert_int_equal(memmap_largest_free(&f.m, 4096, 0), 2 * GB);
	/* above 1 GiB, the 2 GiB region has only 1 GiB + 40 MiB left */
	assert_int_equal(memmap_largest_free(&f.m, 4096, 1 * GB), 1 * GB + 40 * MB);
	assert_int_equal(memmap_largest_free(&f.m, 1 * GB, 0), 1 * GB + 40 * MB);
	assert_int_equal(memmap_largest_free(&f.m, 4096, 5 * GB), 0);

	uint64_t big = memmap_largest_free(&f.m, 2 * MB, 0);
	assert_int_equal(memmap_carve(&f.m, big, 2 * MB, 0, &base), 0);
	assert_int_equal(memmap_carve(&f.m, big, 2 * MB, 0, &base), -1);
	assert_true(memmap_largest_free(&f.m, 2 * MB, 0) < big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_sorts),
		cmocka_unit_test(test_normalize_merges),
		cmocka_unit_test(test_normalize_drops_empty),
		cmocka_unit_test(test_normalize_overlap),
		cmocka_unit_test(test_carve_highest),
		cmocka_unit_test(test_carve_falls_back_to_lower_region),
		cmocka_unit_test(test_carve_alignment),
		cmocka_unit_test(test_carve_min_addr),
		cmocka_unit_test(test_carve_split_shapes),
		cmocka_unit_test(test_carve_capacity),
		cmocka_unit_test(test_carve_no_fit),
		cmocka_unit_test(test_carve_only_free),
		cmocka_unit_test(test_carve_never_at_zero),
		cmocka_unit_test(test_carve_bad_arguments),
		cmocka_unit_test(test_carve_successive_disjoint),
		cmocka_unit_test(test_total_and_top),
		cmocka_unit_test(test_largest_free),
	};
	return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
