/*
 * 4-level x86-64 style translation tables, shared by the host's own page
 * tables and EPT: both have 512 8-byte entries per 4 KiB table, the same
 * index bits, and bit 7 marking a 2 MiB / 1 GiB leaf. The caller supplies
 * the flag bits of each format. Pure: tables come from an allocator
 * callback, so the host tests build real tables in ordinary memory.
 */
#ifndef FTV_ARCH_PAGETABLE_H
#define FTV_ARCH_PAGETABLE_H

#include <stdint.h>

#define PT_ENTRIES 512
#define PT_LARGE_PAGE (1ull << 7)
#define PT_ADDR_MASK 0x000ffffffffff000ull
#define PAGE_4K (1ull << 12)
#define PAGE_2M (1ull << 21)
#define PAGE_1G (1ull << 30)

struct pt_format {
	uint64_t table_flags;   /* bits in an entry that points to a table */
	uint64_t leaf_flags;    /* bits in a 4K leaf (without PT_LARGE_PAGE) */
	int allow_1g;
};

/* Returns a zeroed, 4 KiB-aligned table and its physical address, or NULL. */
typedef uint64_t *(*pt_alloc_fn)(void *ctx, uint64_t *phys);
/* Converts a table's physical address back into a pointer. */
typedef uint64_t *(*pt_phys_to_virt_fn)(void *ctx, uint64_t phys);

struct pt_builder {
	const struct pt_format *fmt;
	pt_alloc_fn alloc;
	pt_phys_to_virt_fn to_virt;
	void *ctx;
	uint64_t *root;
	uint64_t root_phys;
	uint64_t tables;        /* tables allocated, root included */
};

int pt_init(struct pt_builder *b, const struct pt_format *fmt, pt_alloc_fn alloc,
	    pt_phys_to_virt_fn to_virt, void *ctx);
/* Maps [va, va+size) to [pa, pa+size) using the largest pages alignment allows.
 * All of va, pa, size must be 4 KiB aligned and the range must not be mapped yet. */
int pt_map(struct pt_builder *b, uint64_t va, uint64_t pa, uint64_t size);
/* Walks the tables: 0 and *pa, *page_size if va is mapped, -1 otherwise. */
int pt_lookup(const struct pt_builder *b, uint64_t va, uint64_t *pa, uint64_t *page_size,
	      uint64_t *leaf_entry);

#endif
