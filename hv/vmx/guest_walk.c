#include "hv/vmx/guest_walk.h"

#include "arch/x86_64/pagetable.h"
#include "hv/lib/le_bytes.h"
#include "hv/vmx/vmx_defs.h"

#define PTE_PRESENT 1ull
#define PSE_4M_MASK 0xffc00000ull
#define PSE36_SHIFT 13          /* 4 MiB PDE bits 20:13 are physical bits 39:32 */
#define PT32_ADDR_MASK 0xfffff000ull

/* A table entry of 'size' bytes at guest-physical 'gpa', or -1 outside RAM. */
static int read_entry(const uint8_t *ram, uint64_t ram_size, uint64_t gpa, unsigned size,
		      uint64_t *entry)
{
	if (gpa >= ram_size || size > ram_size - gpa)
		return -1;
	*entry = get_le(ram + gpa, size);
	return 0;
}

static int walk_32bit(const struct guest_paging *p, const uint8_t *ram, uint64_t ram_size,
		      uint64_t linear, uint64_t *phys, const char **why)
{
	uint64_t pde, pte;
	uint32_t la = (uint32_t)linear;
	if (read_entry(ram, ram_size, (p->cr3 & PT32_ADDR_MASK) + (la >> 22) * 4, 4, &pde) != 0)
		return *why = "page directory outside RAM", -1;
	if (!(pde & PTE_PRESENT))
		return *why = "page directory entry not present", -1;
	if ((pde & PT_LARGE_PAGE) && (p->cr4 & CR4_PSE)) {
		*phys = (pde & PSE_4M_MASK) | (((pde >> PSE36_SHIFT) & 0xff) << 32) | (la & 0x3fffff);
		return 0;
	}
	if (read_entry(ram, ram_size, (pde & PT32_ADDR_MASK) + ((la >> 12) & 0x3ff) * 4, 4, &pte) != 0)
		return *why = "page table outside RAM", -1;
	if (!(pte & PTE_PRESENT))
		return *why = "page table entry not present", -1;
	*phys = (pte & PT32_ADDR_MASK) | (la & 0xfff);
	return 0;
}

static int walk_4level(const struct guest_paging *p, const uint8_t *ram, uint64_t ram_size,
		       uint64_t linear, uint64_t *phys, const char **why)
{
	uint64_t table = p->cr3 & PT_ADDR_MASK;
	for (int level = 3; level >= 0; level--) {
		unsigned shift = 12 + 9 * (unsigned)level;
		uint64_t entry;
		if (read_entry(ram, ram_size, table + ((linear >> shift) & 0x1ff) * 8, 8, &entry) != 0)
			return *why = "page table outside RAM", -1;
		if (!(entry & PTE_PRESENT))
			return *why = "page table entry not present", -1;
		/* Bit 7 is a leaf in the PDPT (1 GiB) and the PD (2 MiB). */
		if (level == 0 || (level <= 2 && (entry & PT_LARGE_PAGE))) {
			uint64_t page = 1ull << shift;
			*phys = (entry & PT_ADDR_MASK & ~(page - 1)) | (linear & (page - 1));
			return 0;
		}
		table = entry & PT_ADDR_MASK;
	}
	return *why = "unreachable", -1;
}

int guest_walk(const struct guest_paging *p, const uint8_t *ram, uint64_t ram_size,
	       uint64_t linear, uint64_t *phys, const char **why)
{
	if (!(p->cr0 & CR0_PG)) {
		*phys = (uint32_t)linear; /* paging off: protected mode, 32-bit addresses */
		return 0;
	}
	if (!(p->cr4 & CR4_PAE))
		return walk_32bit(p, ram, ram_size, linear, phys, why);
	if (!(p->efer & EFER_LMA))
		return *why = "PAE paging outside long mode is not walked", -1;
	if (p->cr4 & CR4_LA57)
		return *why = "5-level paging is not walked", -1;
	return walk_4level(p, ram, ram_size, linear, phys, why);
}

size_t guest_fetch(const struct guest_paging *p, const uint8_t *ram, uint64_t ram_size,
		   uint64_t linear, uint8_t *buf, size_t max, const char **why)
{
	size_t got = 0;
	while (got < max) {
		uint64_t la = linear + got, gpa;
		if (guest_walk(p, ram, ram_size, la, &gpa, why) != 0)
			return got;
		/* The rest of this page, at most. */
		size_t n = (size_t)(PAGE_4K - (la & (PAGE_4K - 1)));
		if (n > max - got)
			n = max - got;
		if (gpa >= ram_size)
			return *why = "instruction outside RAM", got;
		if (n > ram_size - gpa)
			n = (size_t)(ram_size - gpa);
		for (size_t i = 0; i < n; i++)
			buf[got + i] = ram[gpa + i];
		got += n;
	}
	return got;
}
