#include "arch/x86_64/pagetable.h"

#include <stddef.h>

int pt_init(struct pt_builder *b, const struct pt_format *fmt, pt_alloc_fn alloc,
	    pt_phys_to_virt_fn to_virt, void *ctx)
{
	b->fmt = fmt;
	b->alloc = alloc;
	b->to_virt = to_virt;
	b->ctx = ctx;
	b->tables = 0;
	b->root = alloc(ctx, &b->root_phys);
	if (!b->root)
		return -1;
	b->tables = 1;
	return 0;
}

static unsigned index_at(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * level)) & (PT_ENTRIES - 1);
}

/* The table below entry *e, created if absent; NULL if out of memory or
 * if a leaf is already there (a caller error: the range was mapped). */
static uint64_t *next_table(struct pt_builder *b, uint64_t *e)
{
	if (*e & PT_LARGE_PAGE)
		return NULL;
	if (*e & PT_ADDR_MASK)
		return b->to_virt(b->ctx, *e & PT_ADDR_MASK);
	uint64_t phys;
	uint64_t *t = b->alloc(b->ctx, &phys);
	if (!t)
		return NULL;
	b->tables++;
	*e = phys | b->fmt->table_flags;
	return t;
}

int pt_map(struct pt_builder *b, uint64_t va, uint64_t pa, uint64_t size)
{
	if ((va | pa | size) & (PAGE_4K - 1))
		return -1;
	while (size) {
		uint64_t *table = b->root;
		int level = 3;
		/* Descend until a leaf of this level's size fits here. */
		for (;;) {
			uint64_t page = 1ull << (12 + 9 * level);
			int leaf_ok = level <= 1 || (level == 2 && b->fmt->allow_1g);
			if (leaf_ok && ((va | pa) & (page - 1)) == 0 && size >= page) {
				uint64_t *e = &table[index_at(va, level)];
				if (*e)
					return -1;
				*e = pa | b->fmt->leaf_flags | (level ? PT_LARGE_PAGE : 0);
				va += page;
				pa += page;
				size -= page;
				break;
			}
			if (level == 0)
				return -1;
			table = next_table(b, &table[index_at(va, level)]);
			if (!table)
				return -1;
			level--;
		}
	}
	return 0;
}

int pt_lookup(const struct pt_builder *b, uint64_t va, uint64_t *pa, uint64_t *page_size,
	      uint64_t *leaf_entry)
{
	const uint64_t *table = b->root;
	for (int level = 3; level >= 0; level--) {
		uint64_t e = table[index_at(va, level)];
		if (e == 0)
			return -1;
		uint64_t page = 1ull << (12 + 9 * level);
		if (level == 0 || (e & PT_LARGE_PAGE)) {
			if (level == 3)
				return -1;
			*pa = (e & PT_ADDR_MASK & ~(page - 1)) + (va & (page - 1));
			*page_size = page;
			if (leaf_entry)
				*leaf_entry = e;
			return 0;
		}
		table = b->to_virt(b->ctx, e & PT_ADDR_MASK);
	}
	return -1;
}
