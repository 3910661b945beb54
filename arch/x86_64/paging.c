#include "arch/x86_64/paging.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pagetable.h"
#include "hv/lib/log.h"
#include "hv/lib/page_alloc.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define CPUID_EXT_1G_PAGES (1u << 26)

int paging_install(uint64_t top)
{
	static struct pt_format fmt = { PTE_PRESENT | PTE_WRITE, PTE_PRESENT | PTE_WRITE, 0 };
	struct pt_builder b;
	fmt.allow_1g = (cpu_cpuid(0x80000001u, 0).edx & CPUID_EXT_1G_PAGES) != 0;
	top = (top + PAGE_2M - 1) & ~(PAGE_2M - 1);
	if (pt_init(&b, &fmt, page_table_alloc, page_table_virt, NULL) != 0 ||
	    pt_map(&b, 0, 0, top) != 0) {
		log_error("mem", "out of heap while building the hypervisor's page tables");
		return -1;
	}
	cpu_write_cr3(b.root_phys);
	log_info("mem", "own page tables live: identity map of %llu MiB in %llu tables (%s pages)",
		 (unsigned long long)(top >> 20), (unsigned long long)b.tables,
		 fmt.allow_1g ? "1 GiB" : "2 MiB");
	return 0;
}
