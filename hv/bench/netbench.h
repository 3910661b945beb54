/*
 * net.bench: plain TCP between two ftvisor servers through lwIP's raw API,
 * the yardstick the logging channel is measured against. The sender
 * (net.bench = send) connects to the sink (net.bench = sink) on tcp/7500,
 * pushes net.bench_mb MiB as fast as lwIP takes them, then times round
 * trips of a small message that the sink echoes. Each side prints one
 * line of figures.
 */
#ifndef FTV_NET_NETBENCH_H
#define FTV_NET_NETBENCH_H

#include "hv/lib/config.h"

/* Runs the benchmark the config asks for (none: returns at once). 0 once
 * it ran, however it went (the console says); -1 when the config cannot
 * run it (said on the console). Needs net_init first. */
int netbench_run(const struct ftv_config *cfg);

#endif
