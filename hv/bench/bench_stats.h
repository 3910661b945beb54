/*
 * Figures for the network benchmarks (net.bench, ft.bench_mb): round-trip
 * times summarised as min/avg/max, and throughput in Mbit/s, in integers
 * (the hypervisor does no floating point). Pure: host-tested.
 */
#ifndef FTV_BENCH_STATS_H
#define FTV_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Zero-initialised: no samples yet. */
struct rtt_stats {
	uint64_t n, min_us, max_us, sum_us;
};

void rtt_stats_add(struct rtt_stats *s, uint64_t us);
/* The mean, rounded down; 0 without samples. */
uint64_t rtt_stats_avg(const struct rtt_stats *s);
/* "min/avg/max" in microseconds, e.g. "112/140/901" ("0/0/0" without
 * samples); returns what snprintf returns. */
int rtt_stats_format(const struct rtt_stats *s, char *buf, size_t size);

/* bytes moved in us microseconds, in tenths of Mbit/s (10^6 bits);
 * 0 when no time passed. */
uint64_t bench_mbit_tenths(uint64_t bytes, uint64_t us);

#endif
