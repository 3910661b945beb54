/*
 * The first 16 bytes a net.bench sender sends the sink: u32 magic "NBCH",
 * u32 round trips, u64 bulk bytes, little-endian. The sink listens on a
 * port anyone can reach, so the counts are bounded before they size
 * anything: with them, every position the sink computes (header + bulk +
 * round trips x ping) fits in 64 bits. Pure.
 */
#ifndef FTV_BENCH_NETBENCH_HEADER_H
#define FTV_BENCH_NETBENCH_HEADER_H

#include <stddef.h>
#include <stdint.h>

#define NETBENCH_HEADER_SIZE 16
#define NETBENCH_HEADER_MAGIC 0x4843424eu   /* "NBCH" little-endian */
/* The most a sender may announce: net.bench_mb goes up to 4096 MiB. */
#define NETBENCH_MAX_BULK (4096ull << 20)
#define NETBENCH_MAX_ROUNDS 100000u

struct netbench_header {
	uint32_t rounds;    /* round trips after the bulk */
	uint64_t bulk;      /* bulk bytes after the header */
};

void netbench_header_write(const struct netbench_header *h, uint8_t out[NETBENCH_HEADER_SIZE]);

/* 0 and *h, or -1 with 'why' saying what the sender got wrong. */
int netbench_header_parse(const uint8_t in[NETBENCH_HEADER_SIZE], struct netbench_header *h,
			  char *why, size_t why_size);

#endif
