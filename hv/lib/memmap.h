/*
 * The firmware's memory map, as boot/ handed it over, and carving blocks
 * out of it (the heap, guest RAM). Pure: host-tested.
 */
#ifndef FTV_MEMMAP_H
#define FTV_MEMMAP_H

#include <stdint.h>

#include "boot/boot_info.h"

struct memmap {
	struct boot_mem_region *regions;
	uint32_t count;
	uint32_t capacity;
};

/* Sorts by base and merges touching regions of the same type.
 * -1 if two regions overlap (a firmware bug we refuse to guess about). */
int memmap_normalize(struct memmap *m);

/*
 * Takes 'size' bytes aligned to 'align' from the highest free region that
 * holds them above 'min_addr', marks them BOOT_MEM_CARVED and returns the
 * base in *base. Only BOOT_MEM_FREE memory is used: firmware-owned memory
 * (boot services) may still hold the page tables and stack we run on.
 * -1 if nothing fits or the map has no room left to split a region.
 */
int memmap_carve(struct memmap *m, uint64_t size, uint64_t align, uint64_t min_addr,
		 uint64_t *base);

uint64_t memmap_total(const struct memmap *m, uint32_t type);
/* Highest address any region ends at. */
uint64_t memmap_top(const struct memmap *m);
/* Largest free block that an aligned carve could take (for error messages). */
uint64_t memmap_largest_free(const struct memmap *m, uint64_t align, uint64_t min_addr);

#endif
