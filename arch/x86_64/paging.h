#ifndef FTV_ARCH_PAGING_H
#define FTV_ARCH_PAGING_H

#include <stdint.h>

/* Builds identity-mapped page tables for [0, top) and switches CR3 to
 * them. Caching of MMIO ranges is left to the firmware's MTRRs. */
int paging_install(uint64_t top);

#endif
