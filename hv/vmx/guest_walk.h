/*
 * The guest's own address translation, for the few places the hypervisor
 * reads guest memory by a linear address (the instruction bytes of an MMIO
 * access at RIP): paging off (linear = physical), 32-bit paging with 4 KiB
 * and 4 MiB pages, and 4-level paging (long mode) with 4 KiB, 2 MiB and
 * 1 GiB pages. PAE paging outside long mode and 5-level paging are refused
 * with a reason. Pure: guest RAM is a (pointer, size) pair, every table
 * entry read is bounds-checked against it.
 */
#ifndef FTV_GUEST_WALK_H
#define FTV_GUEST_WALK_H

#include <stddef.h>
#include <stdint.h>

/* The control registers that choose the translation. */
struct guest_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* 0 and *phys, or -1 and *why (a constant string: "not present", ...). */
int guest_walk(const struct guest_paging *p, const uint8_t *ram, uint64_t ram_size,
	       uint64_t linear, uint64_t *phys, const char **why);
/* Copies up to 'max' bytes at 'linear' (each page translated on its own)
 * and returns how many: fewer when a page is not mapped or lies outside
 * RAM, and then *why says so. */
size_t guest_fetch(const struct guest_paging *p, const uint8_t *ram, uint64_t ram_size,
		   uint64_t linear, uint8_t *buf, size_t max, const char **why);

#endif
