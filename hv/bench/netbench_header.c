#include "hv/bench/netbench_header.h"

#include <stdio.h>

#include "hv/lib/le_bytes.h"

void netbench_header_write(const struct netbench_header *h, uint8_t out[NETBENCH_HEADER_SIZE])
{
	put_le(out, NETBENCH_HEADER_MAGIC, 4);
	put_le(out + 4, h->rounds, 4);
	put_le(out + 8, h->bulk, 8);
}

int netbench_header_parse(const uint8_t in[NETBENCH_HEADER_SIZE], struct netbench_header *h,
			  char *why, size_t why_size)
{
	if (get_le(in, 4) != NETBENCH_HEADER_MAGIC) {
		snprintf(why, why_size, "not a net.bench sender");
		return -1;
	}
	uint32_t rounds = (uint32_t)get_le(in + 4, 4);
	uint64_t bulk = get_le(in + 8, 8);
	if (bulk > NETBENCH_MAX_BULK) {
		snprintf(why, why_size, "the sender announces %llu bytes, more than the %llu MiB a "
					"sink takes",
			 (unsigned long long)bulk, NETBENCH_MAX_BULK >> 20);
		return -1;
	}
	if (rounds > NETBENCH_MAX_ROUNDS) {
		snprintf(why, why_size, "the sender announces %u round trips, more than the %u a "
					"sink takes",
			 rounds, NETBENCH_MAX_ROUNDS);
		return -1;
	}
	h->rounds = rounds;
	h->bulk = bulk;
	return 0;
}
