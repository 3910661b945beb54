#include "hv/bench/bench_stats.h"

#include <stdio.h>

void rtt_stats_add(struct rtt_stats *s, uint64_t us)
{
	if (!s->n || us < s->min_us)
		s->min_us = us;
	if (us > s->max_us)
		s->max_us = us;
	s->sum_us += us;
	s->n++;
}

uint64_t rtt_stats_avg(const struct rtt_stats *s)
{
	return s->n ? s->sum_us / s->n : 0;
}

int rtt_stats_format(const struct rtt_stats *s, char *buf, size_t size)
{
	return snprintf(buf, size, "%llu/%llu/%llu", (unsigned long long)s->min_us,
			(unsigned long long)rtt_stats_avg(s), (unsigned long long)s->max_us);
}

uint64_t bench_mbit_tenths(uint64_t bytes, uint64_t us)
{
	/* bits / us is Mbit/s; times 10 for one decimal. Exact up to 2^64 / 80
	 * bytes (over 200 PB). */
	return us ? bytes * 80 / us : 0;
}
