#ifndef FTV_HEAP_H
#define FTV_HEAP_H

#include <stdint.h>

/* Hands newlib's malloc the region [base, base+size). */
void heap_init(uint64_t base, uint64_t size);
uint64_t heap_used(void);
uint64_t heap_size(void);

#endif
