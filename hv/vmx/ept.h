/* Extended page tables: guest-physical [0, ram_size) -> host [ram_hpa, ...),
 * write-back, read/write/execute; everything else faults (EPT violation). */
#ifndef FTV_EPT_H
#define FTV_EPT_H

#include <stdint.h>

#include "arch/x86_64/pagetable.h"

extern const struct pt_format ept_format;

/* 0 and the EPT pointer for the VMCS, or -1 (out of heap). */
int ept_build(uint64_t ram_hpa, uint64_t ram_size, int allow_1g, uint64_t *eptp,
	      uint64_t *tables);
uint64_t ept_pointer(uint64_t root_phys);

#endif
