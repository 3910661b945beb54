#include "hv/lib/page_alloc.h"

#include <malloc.h>
#include <string.h>

uint64_t *page_table_alloc(void *ctx, uint64_t *phys)
{
	(void)ctx;
	uint64_t *t = memalign(4096, 4096);
	if (!t)
		return NULL;
	memset(t, 0, 4096);
	*phys = (uint64_t)t;
	return t;
}

uint64_t *page_table_virt(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (uint64_t *)phys;
}
