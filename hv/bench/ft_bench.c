#include "hv/bench/ft_bench.h"

#include <stdlib.h>

#include "hv/bench/bench_stats.h"
#include "hv/ft/ft.h"
#include "hv/ft/ft_channel.h"
#include "hv/core/hv_state.h"
#include "hv/lib/log.h"
#include "hv/lib/stop.h"
#include "hv/bench/synth_log.h"

#define MIB (1ull << 20)
#define SEED 0x46544256ull          /* any: the log only has to look like one */
#define IDLE_ROUNDS 200             /* batches timed one at a time */
#define IDLE_EVENTS 4               /* events in each of those: about one timer tick */
/* The log holds the bulk, one open batch beyond it, the idle batches and
 * the STOP: a MiB to spare covers them. */
#define LOG_SLACK MIB

static int append(struct event_log *log, const struct ev *e)
{
	if (event_log_append(log, e) == 0)
		return 0;
	log_error("ftbench", "the benchmark's log is full");
	return -1;
}

static uint64_t elapsed_ms(uint64_t since_us)
{
	return (log_uptime_us() - since_us) / 1000;
}

/* Encodes at least 'bytes' of synthetic log into finished batches. */
static int encode(struct event_log *log, struct synth_log *gen, uint64_t bytes)
{
	struct ev e;
	uint64_t t0 = log_uptime_us();
	while (log->bytes < bytes) {
		synth_log_next(gen, &e);
		if (append(log, &e) != 0)
			return -1;
	}
	event_log_flush(log);
	log_info("ftbench", "encoded %llu events into %llu batches (%llu KiB) in %llu ms",
		 (unsigned long long)log->appended, (unsigned long long)log->seq,
		 (unsigned long long)(log->bytes / 1024), (unsigned long long)elapsed_ms(t0));
	return 0;
}

static int wait_acked(void)
{
	if (ft_channel_wait_acked() == 0)
		return 0;
	log_error("ftbench", "the backup fell silent: no figures");
	return -1;
}

/* One batch of n synthetic events (then the STOP, if asked), closed and
 * acknowledged. */
static int one_batch(struct event_log *log, struct synth_log *gen, int n, int stop)
{
	struct ev e;
	for (int i = 0; i < n + stop; i++) {
		if (i < n)
			synth_log_next(gen, &e);
		else
			synth_log_stop(gen, &e);
		if (append(log, &e) != 0)
			return -1;
	}
	event_log_flush(log);
	return wait_acked();
}

static void primary(struct hv_state *hv)
{
	struct event_log *log = &hv->log;
	struct synth_log gen;
	synth_log_init(&gen, SEED);
	if (encode(log, &gen, hv->config.ft_bench_mb * MIB) != 0)
		return;
	uint64_t bytes = log->bytes;
	size_t nbatches = log->seq + IDLE_ROUNDS;
	uint64_t *sent_us = calloc(nbatches, sizeof(*sent_us));
	if (!sent_us) {
		log_error("ftbench", "out of heap for the send times (raise hv.heap_mb)");
		return;
	}
	/* The stream: every batch queued as fast as the channel takes it. */
	struct rtt_stats streaming = { 0 }, one_by_one = { 0 };
	ft_channel_time_acks(sent_us, nbatches, &streaming);
	int ok = wait_acked() == 0;
	uint64_t stream_us = log_uptime_us() - sent_us[0];
	/* Then small batches one at a time, and the STOP that ends the log. */
	ft_channel_time_acks(sent_us, nbatches, &one_by_one);
	for (int i = 0; ok && i < IDLE_ROUNDS; i++)
		ok = one_batch(log, &gen, IDLE_EVENTS, 0) == 0;
	ft_channel_time_acks(NULL, 0, NULL);
	free(sent_us);
	if (!ok || one_batch(log, &gen, 0, 1) != 0)
		return;

	char streaming_rtt[64], one_rtt[64];
	uint64_t rate = bench_mbit_tenths(bytes, stream_us);
	rtt_stats_format(&streaming, streaming_rtt, sizeof(streaming_rtt));
	rtt_stats_format(&one_by_one, one_rtt, sizeof(one_rtt));
	log_info("ftbench", "channel %llu MiB of log in %llu ms = %llu.%llu Mbit/s; ack rtt "
			    "min/avg/max %s us streaming, %s us one batch at a time",
		 (unsigned long long)(bytes / MIB), (unsigned long long)(stream_us / 1000),
		 (unsigned long long)(rate / 10), (unsigned long long)(rate % 10), streaming_rtt,
		 one_rtt);
}

static void backup(struct hv_state *hv)
{
	struct event_log *log = &hv->log;
	const struct ev *e;
	uint64_t t0 = 0;
	log->wait_more = ft_channel_wait_more;
	while ((e = event_log_peek(log)) && e->type != EV_STOP) {
		if (!t0)
			t0 = log_uptime_us();
		event_log_pop(log);
	}
	log->wait_more = NULL;
	if (!e) {
		log_error("ftbench", "the log ended without its STOP: %s", event_log_error(log));
		return;
	}
	ft_channel_flush_ack();
	log_info("ftbench", "backup: %llu events in %llu batches (%llu KiB) verified, acknowledged "
			    "and read back in %llu ms",
		 (unsigned long long)(event_log_read_index(log) + 1), (unsigned long long)log->seq,
		 (unsigned long long)(log->bytes / 1024), (unsigned long long)elapsed_ms(t0));
}

void ft_bench(struct hv_state *hv)
{
	const struct ftv_config *c = &hv->config;
	if (c->ft_role == FT_ROLE_NONE || !c->ft_peer || !(c->net_ip || c->net_dhcp)) {
		log_error("ftbench", "ft.bench_mb needs ft.role (primary or backup), ft.peer and an "
				     "address (net.ip or net.dhcp)");
		hv_stop(STOP_CONFIG);
	}
	log_info("ftbench", "measuring the logging channel with %llu MiB of synthetic log "
			    "instead of running the role",
		 (unsigned long long)c->ft_bench_mb);
	ft_channel_open(hv, c->ft_bench_mb * MIB + LOG_SLACK);
	if (c->ft_role == FT_ROLE_PRIMARY)
		primary(hv);
	else
		backup(hv);
	ft_print_status();
}
