/* Zeroed 4 KiB pages from the heap for translation tables. The heap is
 * identity-mapped, so a page's physical address is its pointer. */
#ifndef FTV_PAGE_ALLOC_H
#define FTV_PAGE_ALLOC_H

#include <stdint.h>

uint64_t *page_table_alloc(void *ctx, uint64_t *phys);
uint64_t *page_table_virt(void *ctx, uint64_t phys);

#endif
