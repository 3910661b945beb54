#include "hv/ft/ft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/arch.h"

#include "arch/x86_64/cpu.h"
#include "net/net.h"
#include "hv/core/hv_state.h"
#include "hv/core/vmexit.h"
#include "hv/eventlog/event_log.h"
#include "hv/ft/ft_channel.h"
#include "hv/ft/ft_policy.h"
#include "hv/ft/ft_roles.h"
#include "hv/ft/ft_transport_lwip.h"
#include "hv/lib/hash64.h"
#include "hv/lib/log.h"

#define MIB (1ull << 20)
#define SERVICE_EVERY_US 500 /* network service between guest entries */
#define WAIT_US 1000         /* longest sleep while waiting on the peer (heartbeats, timers) */
#define CHECKPOINT_EVERY 16  /* state hashes between checkpoint lines */

/* The one instance: lwIP's callbacks reach it through the transport. */
static struct ft {
	struct hv_state *hv;
	struct vcpu *v;
	struct ft_roles roles;
	struct ft_lwip link;
	struct ft_flush_clock flush_clock;
	uint64_t flush_us;            /* ft.flush_ms */
	uint64_t next_stats_ms, last_service_us;
} ft;

/* The guest both sides must run: image, command line and memory size
 * (0 for the channel benchmark, which runs no guest). */
static uint64_t guest_identity(const struct hv_state *hv)
{
	if (!hv->vcpu)
		return 0;
	uint64_t h = hash64_update(HASH64_SEED, hv->guest.data, hv->guest.size);
	h = hash64_update(h, hv->guest.cmdline, strlen(hv->guest.cmdline));
	h = hash64_update(h, &hv->vcpu->ram_size, sizeof(hv->vcpu->ram_size));
	return hash64_final(h);
}

/* The execution-point backend in use (enum execpoint_choice, as HELLO
 * carries it), and how far the guest has run: 0 without a guest. */
static uint32_t counter_in_use(void)
{
	return ft.v && ft.v->ep == &execpoint_pmu;
}

static uint64_t guest_count(void)
{
	return ft.v ? ft.v->point.count : 0;
}

/* This boot's run id: random (RDRAND, else the TSC), never 0. */
static uint64_t new_run_id(void)
{
	uint64_t id;
	do
		id = ((uint64_t)lwip_port_random() << 32 | lwip_port_random()) ^ cpu_rdtsc();
	while (!id);
	return id;
}

static void service(void)
{
	net_poll();
	ft_roles_service(&ft.roles, guest_count());
	uint64_t now = log_uptime_ms();
	if (ft.hv->config.ft_stats_interval_ms && now >= ft.next_stats_ms) {
		ft_print_status();
		ft.next_stats_ms = now + ft.hv->config.ft_stats_interval_ms;
	}
}

/* Before each guest entry (the run loop's service hook). */
static void between_entries(struct vcpu *v)
{
	(void)v;
	struct ft_roles *s = &ft.roles;
	struct event_log *log = s->log;
	uint64_t us = log_uptime_us();
	/* A frame that interrupted the guest is served at once. */
	if (us - ft.last_service_us < SERVICE_EVERY_US && !net_rx_pending())
		return;
	ft.last_service_us = us;
	if (s->c.role == FT_ROLE_PRIMARY &&
	    ft_flush_due(&ft.flush_clock, log->enc.seq, log->open ? log->enc.nevents : 0, us,
			 ft.flush_us))
		event_log_flush(log);
	service();
	/* Flow control: the guest waits while a welcomed backup is too far
	 * behind, or one that was welcomed reconnects (ft_roles.h). */
	uint64_t max = ft.hv->config.ft_max_unacked_kb * 1024;
	if (s->c.role != FT_ROLE_PRIMARY || ft_roles_unacked_bytes(s) <= max ||
	    !ft_roles_flow_controlled(s))
		return;
	uint64_t t0 = log_uptime_ms();
	s->pauses++;
	log_warn("ft", "guest paused: %llu KiB of log unacknowledged (ft.max_unacked_kb = %llu)",
		 (unsigned long long)(ft_roles_unacked_bytes(s) / 1024),
		 (unsigned long long)ft.hv->config.ft_max_unacked_kb);
	while (ft_roles_unacked_bytes(s) > max / 2 && ft_roles_flow_controlled(s)) {
		service();
		net_wait(WAIT_US);
	}
	log_info("ft", "guest resumed after %llu ms%s", (unsigned long long)(log_uptime_ms() - t0),
		 ft_roles_unacked_bytes(s) > max / 2 ? " (no backup to wait for)" : "");
}

/* The backup's reader (replay, or the benchmark) reached the end of what
 * it has: wait for more. */
int ft_channel_wait_more(void *ctx)
{
	(void)ctx;
	struct event_log *log = ft.roles.log;
	uint64_t have = log->seq;
	while (log->seq == have) {
		service();
		if (ft_roles_primary_gone(&ft.roles)) {
			snprintf(log->error, sizeof(log->error),
				 "the primary fell silent; the log ends at event %llu",
				 (unsigned long long)ft.roles.recv_reader.next_event);
			return 0;
		}
		net_wait(WAIT_US);
	}
	return 1;
}

void ft_print_status(void)
{
	if (ft.roles.c.role == FT_ROLE_NONE) {
		console_printf("ft: no role (ft.role = none)\n");
		return;
	}
	ft_roles_print_status(&ft.roles, guest_count());
}

int ft_channel_wait_acked(void)
{
	struct ft_roles *s = &ft.roles;
	while (s->acked_seq < s->log->seq && !ft_roles_no_backup(s)) {
		service();
		net_wait(WAIT_US);
	}
	return s->acked_seq >= s->log->seq ? 0 : -1;
}

void ft_channel_flush_ack(void)
{
	struct ft_roles *s = &ft.roles;
	while (s->chan_open && s->welcomed && s->ack_pending) {
		service();
		net_wait(WAIT_US);
	}
}

void ft_channel_time_acks(uint64_t *sent_us, size_t n, struct rtt_stats *rtt)
{
	ft.roles.sent_us = sent_us;
	ft.roles.sent_cap = sent_us ? n : 0;
	ft.roles.ack_rtt = rtt;
}

/* The primary's guest has stopped: hand the backup everything. */
static void primary_drain(void)
{
	const struct ft_roles *s = &ft.roles;
	log_info("ft", "guest stopped; waiting for the backup to acknowledge all %llu events",
		 (unsigned long long)s->log->appended);
	if (ft_channel_wait_acked() == 0)
		log_info("ft", "all %llu events (%llu batches) acknowledged by the backup",
			 (unsigned long long)s->log->appended, (unsigned long long)s->log->seq);
	else
		log_error("ft", "%s with %llu of %llu batches acknowledged", ft_roles_no_backup(s),
			  (unsigned long long)s->acked_seq, (unsigned long long)s->log->seq);
}

void ft_channel_open(struct hv_state *hv, size_t log_bytes)
{
	const struct ftv_config *c = &hv->config;
	struct event_log *log = &hv->log;
	memset(&ft, 0, sizeof(ft));
	ft.hv = hv;
	ft.v = hv->vcpu;
	ft.flush_us = c->ft_flush_ms * 1000;
	ft_lwip_init(&ft.link, c->ft_peer, (uint16_t)c->ft_port, (uint16_t)c->ft_hb_port);

	if (!log->buf && event_log_init(log, log_bytes, EVENT_LOG_BATCH_BYTES) != 0) {
		log_error("ft", "out of heap for a %llu MiB log (raise hv.heap_mb)",
			  (unsigned long long)(log_bytes / MIB));
		hv_stop(STOP_MEMORY);
	}
	if (c->ft_role == FT_ROLE_PRIMARY && c->ft_max_unacked_kb > ft_max_unacked_kb(log->cap)) {
		log_error("ft", "ft.max_unacked_kb = %llu is too large for a %llu KiB log "
				"(replay.log_mb): flow control must pause the guest long before the log "
				"fills, so keep it at most half the log (%llu)",
			  (unsigned long long)c->ft_max_unacked_kb, (unsigned long long)(log->cap / 1024),
			  (unsigned long long)ft_max_unacked_kb(log->cap));
		hv_stop(STOP_CONFIG);
	}
	struct ft_roles_config rc = {
		.role = (enum ft_role)c->ft_role,
		.peer = ft.link.peer_str,
		.hb_interval_ms = c->ft_hb_interval_ms,
		.hb_timeout_ms = c->ft_hb_timeout_ms,
		.corrupt_seq = c->ft_corrupt_batch,
		.me = { c->ft_role == FT_ROLE_PRIMARY ? new_run_id() : 0, guest_identity(hv),
			counter_in_use(), ft.v ? ft.v->ram_size : 0, hv->cpu_model_hash },
	};
	uint8_t *rxbuf = malloc(FT_MSG_HEADER_SIZE + FT_MSG_MAX_PAYLOAD);
	ft_roles_init(&ft.roles, &rc, ft_lwip_transport(&ft.link), log, rxbuf,
		      rxbuf ? FT_MSG_HEADER_SIZE + FT_MSG_MAX_PAYLOAD : 0);
	if (!rxbuf || ft_lwip_open(&ft.link, &ft.roles) != 0) {
		log_error("ft", "cannot open the logging channel or heartbeat endpoints");
		hv_stop(STOP_CONFIG);
	}
	if (rc.role == FT_ROLE_PRIMARY)
		log_info("ft", "primary: run id %016llx", (unsigned long long)rc.me.run_id);
	log_info("ft", "%s: peer %s, logging channel tcp/%u, heartbeats udp/%u every %llu ms, "
		       "silence after %llu ms",
		 rc.role == FT_ROLE_PRIMARY ? "primary" : "backup", rc.peer, (unsigned)c->ft_port,
		 (unsigned)c->ft_hb_port, (unsigned long long)c->ft_hb_interval_ms,
		 (unsigned long long)c->ft_hb_timeout_ms);
}

void ft_run(struct hv_state *hv)
{
	const struct ftv_config *c = &hv->config;
	struct vcpu *v = hv->vcpu;
	ft_channel_open(hv, c->replay_log_mb * MIB);
	v->nd->hash_interval = (uint32_t)c->replay_hash_interval;
	v->nd->memhash_interval = (uint32_t)c->replay_memhash_interval;
	v->nd->checkpoint_every = CHECKPOINT_EVERY;
	v->service = between_entries;
	if (ft.roles.c.role == FT_ROLE_PRIMARY) {
		/* The log only fills when nobody acknowledges it (flow control
		 * pauses the guest for a welcomed backup): the guest runs on. */
		ft.roles.log->drop_when_full = 1;
		nd_init(v->nd, ND_RECORD, ft.roles.log);
		uint64_t t0 = log_uptime_us();
		vcpu_run(v);
		log_info("ft", "primary's guest: %s; it ran for %llu ms", v->stop_reason,
			 (unsigned long long)((log_uptime_us() - t0) / 1000));
		primary_drain();
	} else {
		ft.roles.log->wait_more = ft_channel_wait_more;
		nd_init(v->nd, ND_REPLAY, ft.roles.log);
		vcpu_run(v);
		if (v->stop_code == STOP_DIVERGED || !v->nd->ended)
			log_error("ft", "backup replay stopped: %s", v->stop_reason);
		else
			log_info("ft", "backup replayed all %llu events in lockstep: %llu state hashes and "
				       "%llu memory hashes matched the primary's",
				 (unsigned long long)v->nd->events, (unsigned long long)v->nd->hashes,
				 (unsigned long long)v->nd->memhashes);
	}
	v->service = NULL;
	ft.roles.log->drop_when_full = 0;
	ft.roles.log->wait_more = NULL;
	ft_print_status();
}
