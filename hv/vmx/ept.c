#include "hv/vmx/ept.h"

#include <stddef.h>

#include "hv/lib/page_alloc.h"
#include "hv/vmx/vmx_defs.h"

/* Leaves are write-back and leave "ignore PAT" clear, so the guest's own
 * PAT still applies inside guest RAM, as on bare metal. */
const struct pt_format ept_format = {
	EPT_READ | EPT_WRITE | EPT_EXECUTE,
	EPT_READ | EPT_WRITE | EPT_EXECUTE | EPT_MEMTYPE_WB,
	0,
};

uint64_t ept_pointer(uint64_t root_phys)
{
	return root_phys | EPTP_WALK_4 | EPTP_MEMTYPE_WB;
}

int ept_build(uint64_t ram_hpa, uint64_t ram_size, int allow_1g, uint64_t *eptp,
	      uint64_t *tables)
{
	struct pt_builder b;
	struct pt_format fmt = ept_format;
	fmt.allow_1g = allow_1g;
	if (pt_init(&b, &fmt, page_table_alloc, page_table_virt, NULL) != 0)
		return -1;
	if (pt_map(&b, 0, ram_hpa, ram_size) != 0)
		return -1;
	*eptp = ept_pointer(b.root_phys);
	*tables = b.tables;
	return 0;
}
