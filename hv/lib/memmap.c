#include "hv/lib/memmap.h"

#include <string.h>

#define PAGE 4096ull

static uint64_t region_end(const struct boot_mem_region *r)
{
	return r->base + r->pages * PAGE;
}

int memmap_normalize(struct memmap *m)
{
	/* Insertion sort: maps have a few hundred entries at most. */
	for (uint32_t i = 1; i < m->count; i++) {
		struct boot_mem_region r = m->regions[i];
		uint32_t j = i;
		while (j > 0 && m->regions[j - 1].base > r.base) {
			m->regions[j] = m->regions[j - 1];
			j--;
		}
		m->regions[j] = r;
	}
	uint32_t out = 0;
	for (uint32_t i = 0; i < m->count; i++) {
		struct boot_mem_region *r = &m->regions[i];
		if (r->pages == 0)
			continue;
		if (out > 0) {
			struct boot_mem_region *prev = &m->regions[out - 1];
			if (region_end(prev) > r->base)
				return -1;
			if (region_end(prev) == r->base && prev->type == r->type) {
				prev->pages += r->pages;
				continue;
			}
		}
		m->regions[out++] = *r;
	}
	m->count = out;
	return 0;
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

/* Highest aligned start in r for a block of 'size' above min_addr, or 0. */
static uint64_t fit(const struct boot_mem_region *r, uint64_t size, uint64_t align,
		    uint64_t min_addr)
{
	uint64_t end = region_end(r);
	if (r->type != BOOT_MEM_FREE || end < size)
		return 0;
	uint64_t start = align_down(end - size, align);
	uint64_t lowest = r->base > min_addr ? r->base : min_addr;
	if (start < lowest || start == 0)
		return 0;
	return start;
}

int memmap_carve(struct memmap *m, uint64_t size, uint64_t align, uint64_t min_addr,
		 uint64_t *base)
{
	if (size == 0 || (size & (PAGE - 1)) || align < PAGE || (align & (align - 1)))
		return -1;
	int64_t best = -1;
	uint64_t best_start = 0;
	for (uint32_t i = 0; i < m->count; i++) {
		uint64_t s = fit(&m->regions[i], size, align, min_addr);
		if (s > best_start) {
			best_start = s;
			best = i;
		}
	}
	if (best < 0)
		return -1;

	/* Split the region into [before][carved][after]. */
	struct boot_mem_region r = m->regions[best];
	uint64_t before = best_start - r.base, after = region_end(&r) - (best_start + size);
	uint32_t extra = (before != 0) + (after != 0);
	if (m->count + extra > m->capacity)
		return -1;
	memmove(&m->regions[best + 1 + extra], &m->regions[best + 1],
		(m->count - (uint32_t)best - 1) * sizeof(r));
	m->count += extra;
	uint32_t k = (uint32_t)best;
	if (before) {
		m->regions[k] = r;
		m->regions[k].pages = before / PAGE;
		k++;
	}
	m->regions[k] = r;
	m->regions[k].base = best_start;
	m->regions[k].pages = size / PAGE;
	m->regions[k].type = BOOT_MEM_CARVED;
	k++;
	if (after) {
		m->regions[k] = r;
		m->regions[k].base = best_start + size;
		m->regions[k].pages = after / PAGE;
	}
	*base = best_start;
	return 0;
}

uint64_t memmap_total(const struct memmap *m, uint32_t type)
{
	uint64_t total = 0;
	for (uint32_t i = 0; i < m->count; i++)
		if (m->regions[i].type == type)
			total += m->regions[i].pages * PAGE;
	return total;
}

uint64_t memmap_top(const struct memmap *m)
{
	uint64_t top = 0;
	for (uint32_t i = 0; i < m->count; i++)
		if (region_end(&m->regions[i]) > top)
			top = region_end(&m->regions[i]);
	return top;
}

uint64_t memmap_largest_free(const struct memmap *m, uint64_t align, uint64_t min_addr)
{
	uint64_t best = 0;
	for (uint32_t i = 0; i < m->count; i++) {
		const struct boot_mem_region *r = &m->regions[i];
		if (r->type != BOOT_MEM_FREE)
			continue;
		uint64_t lo = r->base > min_addr ? r->base : min_addr;
		lo = (lo + align - 1) & ~(align - 1);
		uint64_t end = region_end(r);
		if (end > lo && end - lo > best)
			best = align_down(end - lo, PAGE);
	}
	return best;
}
