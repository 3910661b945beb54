#include "hv/ft/ft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "arch/x86_64/cpu.h"
#include "net/ft_proto.h"
#include "net/net.h"
#include "hv/bench/bench_stats.h"
#include "hv/eventlog/event_log.h"
#include "hv/ft/ft_channel.h"
#include "hv/ft/ft_policy.h"
#include "hv/lib/hash64.h"
#include "hv/core/hv_state.h"
#include "hv/lib/log.h"
#include "hv/eventlog/log_codec.h"
#include "hv/core/vmexit.h"

#define MIB (1ull << 20)
#define RECONNECT_MS 500
#define HANDSHAKE_MS 3000      /* a connection must be welcomed within this */
#define SERVICE_EVERY_US 500 /* network service between guest entries */
#define WAIT_US 1000         /* longest sleep while waiting on the peer (heartbeats, timers) */
#define ACKED_BATCHES_MAX 1024
#define CHECKPOINT_EVERY 16  /* state hashes between checkpoint lines */

struct ft {
	enum ft_role role;
	struct hv_state *hv;
	struct vcpu *v;
	struct event_log *log;
	ip_addr_t peer;
	uint16_t port, hb_port;

	/* the logging channel */
	struct tcp_pcb *listener, *conn;
	int welcomed;                 /* the handshake completed on this connection */
	int ack_pending;              /* backup: an ACK could not be queued yet */
	uint64_t connected_ms;        /* when this connection started */
	uint64_t connects, resets;
	uint64_t next_connect_ms;
	struct ft_rx rx;

	/* primary: what was sent and acknowledged (acknowledged batches are
	 * released at once, so all the log holds is unacknowledged) */
	uint64_t send_seq;            /* the next batch to send */
	uint64_t acked_seq, acked_event;
	struct ft_flush_clock flush_clock;
	uint64_t flush_us;            /* ft.flush_ms */
	int drop_warned;              /* the full log dropped batches, and said so */
	int catch_up_refused;         /* a backup asked for released batches: stop connecting */
	int paused;
	uint64_t pause_started_ms, pauses;
	uint64_t corrupt_seq;         /* fault injection: damage this batch once (0: off) */
	int corrupted;

	/* backup: what was received and verified */
	struct log_reader recv_reader;
	uint64_t acked_upto;          /* the batches before this one were acknowledged */
	uint64_t batches_in, bad_batches;

	/* heartbeats */
	struct udp_pcb *hb;
	uint32_t hb_seq;
	uint64_t next_hb_ms, last_heard_ms, hb_heard;
	int peer_silent, ever_heard;
	struct ft_heartbeat peer_hb;

	/* figures */
	uint64_t bytes_out, bytes_in;
	uint64_t start_ms, next_stats_ms, last_service_us;

	/* primary, for the channel benchmark: when each batch was sent (by
	 * sequence number), and the round trips of the ACKs covering them */
	uint64_t *sent_us;
	size_t sent_cap;
	struct rtt_stats *ack_rtt;
};

static struct ft ft;

static const char *role_name(enum ft_role r)
{
	return r == FT_ROLE_PRIMARY ? "primary" : r == FT_ROLE_BACKUP ? "backup" : "none";
}

static const char *peer_str(void)
{
	static char s[IP4ADDR_STRLEN_MAX];
	return ipaddr_ntoa_r(&ft.peer, s, sizeof(s));
}

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

/* ---------------------------------------------------------------- */
/* sending messages                                                  */

/* One tcp_write per message: lwIP queues all of it or none of it, so a
 * message is never cut in two on the wire. */
static int send_msg(enum ft_msg_type type, const void *payload, uint32_t len)
{
	static uint8_t msg[FT_MSG_HEADER_SIZE + EVENT_LOG_BATCH_BYTES];
	if (!ft.conn || len > EVENT_LOG_BATCH_BYTES || tcp_sndbuf(ft.conn) < FT_MSG_HEADER_SIZE + len)
		return -1;
	ft_msg_header(msg, type, len);
	memcpy(msg + FT_MSG_HEADER_SIZE, payload, len);
	if (tcp_write(ft.conn, msg, (u16_t)(FT_MSG_HEADER_SIZE + len), TCP_WRITE_FLAG_COPY) != ERR_OK)
		return -1;
	ft.bytes_out += FT_MSG_HEADER_SIZE + len;
	return 0;
}

/* Ends a connection in an orderly way, so that what was queued (a REFUSE)
 * still reaches the peer. Safe inside lwIP callbacks (lwIP defers the free). */
static void refuse_channel(void)
{
	struct tcp_pcb *pcb = ft.conn;
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_err(pcb, NULL);
	ft.conn = NULL;
	ft.welcomed = 0;
	ft_rx_reset(&ft.rx);
	if (tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

static void close_channel(const char *why)
{
	if (ft.conn) {
		tcp_arg(ft.conn, NULL);
		tcp_recv(ft.conn, NULL);
		tcp_err(ft.conn, NULL);
		tcp_abort(ft.conn);
		ft.conn = NULL;
	}
	if (ft.welcomed || why)
		log_warn("ft", "logging channel to %s closed: %s", peer_str(), why ? why : "peer closed it");
	ft.welcomed = 0;
	ft.resets++;
	ft_rx_reset(&ft.rx);
	ft.next_connect_ms = log_uptime_ms() + RECONNECT_MS;
}

/* ---------------------------------------------------------------- */
/* primary                                                           */

static void send_batches(void)
{
	while (ft.conn && ft.welcomed && ft.send_seq < ft.log->seq) {
		struct event_log_batch b;
		if (event_log_batch(ft.log, ft.send_seq, &b) != 0) {
			log_error("ft", "batch %llu, which backup %s still needs, was dropped from the full "
					"log; that backup cannot catch up any more",
				  (unsigned long long)ft.send_seq, peer_str());
			close_channel("the backup fell too far behind");
			return;
		}
		size_t size = b.size;
		const uint8_t *batch = b.data;
		uint8_t *damaged = NULL;
		if (ft.corrupt_seq && ft.send_seq == ft.corrupt_seq && !ft.corrupted) {
			/* Fault injection: one flipped bit on the wire, the log stays good. */
			damaged = malloc(size);
			if (!damaged)
				return;
			memcpy(damaged, batch, size);
			damaged[size / 2] ^= 0x04;
			batch = damaged;
		}
		int rc = send_msg(FT_MSG_BATCH, batch, (uint32_t)size);
		if (damaged) {
			free(damaged);
			if (rc == 0) {
				ft.corrupted = 1;
				log_warn("ft", "fault injection: batch %llu sent with a flipped bit",
					 (unsigned long long)ft.send_seq);
			}
		}
		if (rc != 0)
			break;
		if (ft.send_seq < ft.sent_cap)
			ft.sent_us[ft.send_seq] = log_uptime_us();
		ft.send_seq++;
	}
	if (ft.conn)
		tcp_output(ft.conn);
}

/*
 * A backup asks for batches the log no longer holds. Anything else it could
 * be sent would be a wrong stream, so it gets nothing; and as the oldest
 * batch held only moves on, no backup will ever be served from this log
 * again: stop connecting.
 */
static void refuse_catch_up(const struct ft_ack *a)
{
	log_error("ft", "refusing backup %s: it asks for batch %llu (event %llu), but the log now "
			"starts at batch %llu (event %llu); a new backup needs a state transfer "
			"(re-protect), which ftvisor cannot do yet: the primary runs unprotected",
		  peer_str(), (unsigned long long)a->next_seq, (unsigned long long)a->next_event,
		  (unsigned long long)ft.log->oldest,
		  (unsigned long long)event_log_oldest_event(ft.log));
	ft.catch_up_refused = 1;
	refuse_channel();
}

static void primary_got_msg(const struct ft_msg *m)
{
	struct ft_ack a;
	switch (m->type) {
	case FT_MSG_WELCOME:
		if (ft_ack_decode(m->payload, m->len, &a) != 0) {
			close_channel("malformed WELCOME");
			return;
		}
		switch (ft_resume_at(a.next_seq, ft.log->oldest, ft.log->seq)) {
		case FT_RESUME_AHEAD:
			close_channel("malformed WELCOME");
			return;
		case FT_RESUME_RELEASED:
			refuse_catch_up(&a);
			return;
		case FT_RESUME_OK:
			break;
		}
		ft.welcomed = 1;
		ft.send_seq = a.next_seq;
		ft.acked_seq = a.next_seq;
		ft.acked_event = a.next_event;
		event_log_release(ft.log, a.next_seq);
		log_info("ft", "backup %s accepted the channel; sending from batch %llu (event %llu)",
			 peer_str(), (unsigned long long)a.next_seq, (unsigned long long)a.next_event);
		break;
	case FT_MSG_REFUSE:
		log_error("ft", "backup %s refused the channel: %.*s", peer_str(), (int)m->len,
			  (const char *)m->payload);
		close_channel("refused");
		break;
	case FT_MSG_ACK:
		if (ft_ack_decode(m->payload, m->len, &a) != 0 || a.next_seq > ft.send_seq ||
		    a.next_seq < ft.acked_seq) {
			close_channel("malformed or impossible ACK");
			return;
		}
		for (; ft.acked_seq < a.next_seq; ft.acked_seq++)
			if (ft.acked_seq < ft.sent_cap)
				rtt_stats_add(ft.ack_rtt, log_uptime_us() - ft.sent_us[ft.acked_seq]);
		ft.acked_event = a.next_event;
		event_log_release(ft.log, a.next_seq);
		break;
	default:
		close_channel("unexpected message from the backup");
		break;
	}
}

/* ---------------------------------------------------------------- */
/* backup                                                            */

/* A failed send (no room) is retried from the service loop: the primary
 * must eventually hear about every batch. */
static void backup_send_ack(enum ft_msg_type type)
{
	uint8_t buf[FT_ACK_SIZE];
	struct ft_ack a = { ft.recv_reader.next_seq, ft.recv_reader.next_event };
	ft_ack_encode(&a, buf);
	ft.ack_pending = send_msg(type, buf, sizeof(buf)) != 0;
	if (!ft.ack_pending) {
		ft.acked_upto = a.next_seq;
		tcp_output(ft.conn);
	}
}

/* The batches replay is done with and the primary knows we have. */
static void backup_release(void)
{
	event_log_release(ft.log, ft_backup_release_before(event_log_read_seq(ft.log), ft.acked_upto));
}

static void backup_got_batch(const struct ft_msg *m)
{
	struct log_reader r = ft.recv_reader;
	struct log_batch_info info;
	char why[160];
	enum log_error err = log_reader_next(&r, m->payload, m->len, &info, NULL, 0, why, sizeof(why));
	if (err == LOG_OK && info.size != m->len) {
		err = LOG_ERR_HEADER;
		strncpy(why, "a BATCH message carries bytes after its batch", sizeof(why));
	}
	if (err != LOG_OK) {
		/* Nothing of it is kept: the primary resends from the last ACK. */
		ft.bad_batches++;
		log_error("ft", "corrupt batch on the wire from %s: %s; resetting the connection, "
				"nothing from it is replayed", peer_str(), why);
		close_channel("corrupt batch");
		return;
	}
	backup_release();
	if (event_log_append_batch(ft.log, m->payload, m->len) != 0) {
		log_error("ft", "the backup's log is full (%llu of %llu KiB held): replay is %llu events "
				"behind what was received; closing the channel until it catches up (or "
				"raise replay.log_mb)",
			  (unsigned long long)(event_log_held(ft.log) / 1024),
			  (unsigned long long)(ft.log->cap / 1024),
			  (unsigned long long)(ft.recv_reader.next_event - event_log_read_index(ft.log)));
		close_channel("backup log full");
		return;
	}
	ft.recv_reader = r;
	ft.batches_in++;
}

static void backup_got_msg(const struct ft_msg *m)
{
	struct ft_hello h;
	switch (m->type) {
	case FT_MSG_HELLO: {
		const char *no = NULL;
		if (ft_hello_decode(m->payload, m->len, &h) != 0)
			no = "malformed HELLO";
		else if (h.guest_hash != guest_identity(ft.hv))
			no = "the primary runs another guest (image, command line or RAM differ)";
		else if (h.counter != counter_in_use())
			no = "the primary counts execution points with another backend";
		if (no) {
			log_error("ft", "refusing primary %s: %s", peer_str(), no);
			send_msg(FT_MSG_REFUSE, no, (uint32_t)strlen(no));
			refuse_channel();
			return;
		}
		ft.welcomed = 1;
		log_info("ft", "primary %s connected; resuming at batch %llu", peer_str(),
			 (unsigned long long)ft.recv_reader.next_seq);
		backup_send_ack(FT_MSG_WELCOME);
		break;
	}
	case FT_MSG_BATCH:
		if (!ft.welcomed) {
			close_channel("BATCH before HELLO");
			return;
		}
		backup_got_batch(m);
		break;
	default:
		close_channel("unexpected message from the primary");
		break;
	}
}

/* ---------------------------------------------------------------- */
/* TCP callbacks                                                     */

/*
 * lwIP's rule: a receive callback that aborted its own pcb (directly or
 * through close_channel) must say so with ERR_ABRT and not touch it again.
 */
static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	if (!p || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		if (pcb != ft.conn)
			return ERR_OK;
		close_channel(NULL);
		return ERR_ABRT;
	}
	if (pcb != ft.conn) {
		pbuf_free(p);
		return ERR_OK;
	}
	uint16_t off = 0, total = p->tot_len;
	int got_batch = 0;
	while (off < total && ft.conn) {
		uint8_t chunk[1024];
		size_t n = (size_t)(total - off) < sizeof(chunk) ? (size_t)(total - off) : sizeof(chunk);
		if (ft_rx_room(&ft.rx) < n)
			n = ft_rx_room(&ft.rx);
		pbuf_copy_partial(p, chunk, (u16_t)n, off);
		ft_rx_feed(&ft.rx, chunk, n);
		off = (uint16_t)(off + n);
		ft.bytes_in += n;
		ft.last_heard_ms = log_uptime_ms(); /* log traffic is a sign of life, as heartbeats are */
		struct ft_msg m;
		enum ft_rx_result r;
		while (ft.conn && (r = ft_rx_next(&ft.rx, &m)) == FT_RX_MSG) {
			if (ft.role == FT_ROLE_PRIMARY) {
				primary_got_msg(&m);
			} else {
				got_batch |= m.type == FT_MSG_BATCH;
				backup_got_msg(&m);
			}
		}
		if (ft.conn && r == FT_RX_ERROR) {
			log_error("ft", "bad message on the logging channel from %s: %s", peer_str(),
				  ft.rx.error);
			close_channel("protocol error");
		}
		if (n == 0)
			break;
	}
	pbuf_free(p);
	if (ft.conn != pcb)
		return ERR_ABRT;
	tcp_recved(pcb, total);
	if (got_batch && ft.welcomed)
		backup_send_ack(FT_MSG_ACK); /* one cumulative ACK per delivery */
	return ft.conn == pcb ? ERR_OK : ERR_ABRT;
}

static void on_err(void *arg, err_t err)
{
	(void)arg;
	/* lwIP has freed the pcb already. */
	ft.conn = NULL;
	ft.welcomed = 0;
	ft.resets++;
	ft_rx_reset(&ft.rx);
	ft.next_connect_ms = log_uptime_ms() + RECONNECT_MS;
	log_warn("ft", "logging channel to %s failed (lwIP error %d)", peer_str(), (int)err);
}

static void adopt(struct tcp_pcb *pcb)
{
	ft.conn = pcb;
	ft.connected_ms = log_uptime_ms();
	ft_rx_reset(&ft.rx);
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, on_recv);
	tcp_err(pcb, on_err);
	tcp_nagle_disable(pcb);
	ft.connects++;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK)
		return err;
	struct ft_hello h = { FT_PROTO_VERSION, counter_in_use(), guest_identity(ft.hv),
			      ft.v ? ft.v->ram_size : 0 };
	uint8_t buf[FT_HELLO_SIZE];
	ft_hello_encode(&h, buf);
	send_msg(FT_MSG_HELLO, buf, sizeof(buf));
	if (ft.conn != pcb)
		return ERR_ABRT;
	tcp_output(pcb);
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	if (!ip_addr_cmp(&pcb->remote_ip, &ft.peer)) {
		log_warn("ft", "refusing a logging channel from a stranger");
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	if (ft.conn)
		close_channel("the primary connected again");
	adopt(pcb);
	return ERR_OK;
}

static void primary_connect(void)
{
	struct tcp_pcb *pcb = tcp_new();
	if (!pcb)
		return;
	adopt(pcb);
	if (tcp_connect(pcb, &ft.peer, ft.port, on_connected) != ERR_OK) {
		tcp_err(pcb, NULL);
		tcp_abort(pcb);
		ft.conn = NULL;
	}
	ft.next_connect_ms = log_uptime_ms() + RECONNECT_MS;
}

/* ---------------------------------------------------------------- */
/* heartbeats                                                        */

static void on_heartbeat(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			 u16_t port)
{
	(void)arg;
	(void)pcb;
	(void)port;
	uint8_t buf[FT_HEARTBEAT_SIZE];
	struct ft_heartbeat hb;
	int ok = p->tot_len == sizeof(buf) && ip_addr_cmp(addr, &ft.peer) &&
		 pbuf_copy_partial(p, buf, sizeof(buf), 0) == sizeof(buf) &&
		 ft_heartbeat_decode(buf, sizeof(buf), &hb) == 0;
	pbuf_free(p);
	if (!ok)
		return; /* not our peer's heartbeat: ignore it, never trust it */
	if (ft.peer_silent)
		log_info("ft", "peer %s heard again after %llu ms of silence", peer_str(),
			 (unsigned long long)(log_uptime_ms() - ft.last_heard_ms));
	ft.peer_silent = 0;
	ft.ever_heard = 1;
	ft.last_heard_ms = log_uptime_ms();
	ft.peer_hb = hb;
	ft.hb_heard++;
}

static void heartbeat_tick(uint64_t now)
{
	const struct ftv_config *c = &ft.hv->config;
	if (now >= ft.next_hb_ms) {
		uint8_t buf[FT_HEARTBEAT_SIZE];
		struct ft_heartbeat hb = { (uint8_t)ft.role, ++ft.hb_seq, (uint32_t)now,
					   ft.role == FT_ROLE_PRIMARY ? ft.log->appended
								       : ft.recv_reader.next_event,
					   guest_count() };
		ft_heartbeat_encode(&hb, buf);
		struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, sizeof(buf), PBUF_RAM);
		if (p) {
			pbuf_take(p, buf, sizeof(buf));
			udp_sendto(ft.hb, p, &ft.peer, ft.hb_port);
			pbuf_free(p);
		}
		ft.next_hb_ms = now + c->ft_hb_interval_ms;
	}
	uint64_t ref = ft.ever_heard ? ft.last_heard_ms : ft.start_ms;
	uint64_t since = now > ref ? now - ref : 0;
	if (!ft.peer_silent && since > c->ft_hb_timeout_ms) {
		/* Said once per silence; a peer not yet heard is only waited for. */
		ft.peer_silent = 1;
		log_warn("ft", "peer %s (%s) silent for %llu ms%s: noticed by the %s",
			 peer_str(), ft.role == FT_ROLE_PRIMARY ? "backup" : "primary",
			 (unsigned long long)since, ft.ever_heard ? "" : " (never heard)",
			 role_name(ft.role));
	}
}

/* ---------------------------------------------------------------- */
/* the service between guest entries                                 */

/* Said once: from the first batch dropped on, the log cannot start a
 * backup from the first event any more. */
static void warn_if_dropped(void)
{
	if (!ft.log->dropped || ft.drop_warned)
		return;
	ft.drop_warned = 1;
	log_warn("ft", "the log is full (%llu KiB) and no backup acknowledges it: dropping the "
		       "oldest unacknowledged batches (it now starts at batch %llu, event %llu); a "
		       "backup that joins later can no longer catch up from event 0",
		 (unsigned long long)(ft.log->cap / 1024), (unsigned long long)ft.log->oldest,
		 (unsigned long long)event_log_oldest_event(ft.log));
}

static void service(uint64_t now)
{
	net_poll();
	now = log_uptime_ms(); /* after the poll: callbacks may have stamped later times */
	heartbeat_tick(now);
	if (ft.conn && !ft.welcomed && now - ft.connected_ms > HANDSHAKE_MS)
		close_channel("no handshake within the time limit");
	if (ft.role == FT_ROLE_BACKUP) {
		if (ft.conn && ft.welcomed && ft.ack_pending)
			backup_send_ack(FT_MSG_ACK);
		backup_release();
	}
	if (ft.role == FT_ROLE_PRIMARY) {
		warn_if_dropped();
		if (!ft.conn && !ft.catch_up_refused && now >= ft.next_connect_ms)
			primary_connect();
		send_batches();
	}
	if (ft.hv->config.ft_stats_interval_ms && now >= ft.next_stats_ms) {
		ft_print_status();
		ft.next_stats_ms = now + ft.hv->config.ft_stats_interval_ms;
	}
}

/* The primary releases what the backup acknowledged: the rest is not. */
static uint64_t unacked_bytes(void)
{
	return event_log_held(ft.log);
}

/* Before each guest entry (the run loop's service hook). */
static void between_entries(struct vcpu *v)
{
	(void)v;
	uint64_t us = log_uptime_us();
	/* A frame that interrupted the guest is served at once. */
	if (us - ft.last_service_us < SERVICE_EVERY_US && !net_rx_pending())
		return;
	ft.last_service_us = us;
	if (ft.role == FT_ROLE_PRIMARY &&
	    ft_flush_due(&ft.flush_clock, ft.log->enc.seq, ft.log->open ? ft.log->enc.nevents : 0, us,
			 ft.flush_us))
		event_log_flush(ft.log);
	service(us / 1000);
	/* Flow control: the guest waits while a live backup is too far behind
	 * (with the backup silent there is nobody to wait for). */
	uint64_t max = ft.hv->config.ft_max_unacked_kb * 1024;
	/* Also while a heard backup reconnects: dropping batches it still needs
	 * would leave it unable to catch up. */
	if (ft.role == FT_ROLE_PRIMARY && !ft.peer_silent && ft.ever_heard && unacked_bytes() > max) {
		ft.paused = 1;
		ft.pauses++;
		ft.pause_started_ms = log_uptime_ms();
		log_warn("ft", "guest paused: %llu KiB of log unacknowledged (ft.max_unacked_kb = %llu)",
			 (unsigned long long)(unacked_bytes() / 1024),
			 (unsigned long long)ft.hv->config.ft_max_unacked_kb);
		while (unacked_bytes() > max / 2 && !ft.peer_silent) {
			service(log_uptime_ms());
			net_wait(WAIT_US);
		}
		ft.paused = 0;
		log_info("ft", "guest resumed after %llu ms%s",
			 (unsigned long long)(log_uptime_ms() - ft.pause_started_ms),
			 ft.peer_silent ? " (the backup is silent)" : "");
	}
}

/* The backup's reader (replay, or the benchmark) reached the end of what
 * it has: wait for more. */
int ft_channel_wait_more(void *ctx)
{
	(void)ctx;
	uint64_t have = ft.log->seq;
	while (ft.log->seq == have) {
		service(log_uptime_ms());
		/* A primary never heard has not failed, it has not arrived yet. */
		if (ft.peer_silent && ft.ever_heard) {
			snprintf(ft.log->error, sizeof(ft.log->error),
				 "the primary fell silent; the log ends at event %llu",
				 (unsigned long long)ft.recv_reader.next_event);
			return 0;
		}
		net_wait(WAIT_US);
	}
	return 1;
}

/* ---------------------------------------------------------------- */

static const char *primary_link(void)
{
	if (ft.welcomed)
		return "streaming";
	return ft.catch_up_refused ? "not connected (no backup can catch up)" : "not connected";
}

void ft_print_status(void)
{
	if (ft.role == FT_ROLE_NONE) {
		console_printf("ft: no role (ft.role = none)\n");
		return;
	}
	uint64_t secs = (log_uptime_ms() - ft.start_ms) / 1000 + 1;
	if (ft.role == FT_ROLE_PRIMARY)
		log_info("ft", "primary: peer %s %s; log %llu events, %llu batches, %llu bytes; held %llu "
			       "of %llu KiB from batch %llu, %llu batches dropped; sent %llu, acked %llu "
			       "batches (event %llu); unacked %llu KiB; %llu events/s; %llu pauses; %llu "
			       "connects, %llu resets",
			 peer_str(), primary_link(), (unsigned long long)ft.log->appended,
			 (unsigned long long)ft.log->seq, (unsigned long long)ft.log->bytes,
			 (unsigned long long)(event_log_held(ft.log) / 1024),
			 (unsigned long long)(ft.log->cap / 1024), (unsigned long long)ft.log->oldest,
			 (unsigned long long)ft.log->dropped, (unsigned long long)ft.send_seq,
			 (unsigned long long)ft.acked_seq, (unsigned long long)ft.acked_event,
			 (unsigned long long)(unacked_bytes() / 1024),
			 (unsigned long long)(ft.log->appended / secs), (unsigned long long)ft.pauses,
			 (unsigned long long)ft.connects, (unsigned long long)ft.resets);
	else
		log_info("ft", "backup: peer %s %s; received %llu events in %llu batches, replayed %llu "
			       "(lag %llu events, %lld instructions behind the last heartbeat); log held "
			       "%llu of %llu KiB from batch %llu; %llu bad batches; %llu events/s",
			 peer_str(), ft.welcomed ? "streaming" : "not connected",
			 (unsigned long long)ft.recv_reader.next_event,
			 (unsigned long long)ft.batches_in,
			 (unsigned long long)event_log_read_index(ft.log),
			 (unsigned long long)(ft.recv_reader.next_event - event_log_read_index(ft.log)),
			 (long long)(ft.peer_hb.count > guest_count() ? ft.peer_hb.count - guest_count() : 0),
			 (unsigned long long)(event_log_held(ft.log) / 1024),
			 (unsigned long long)(ft.log->cap / 1024), (unsigned long long)ft.log->oldest,
			 (unsigned long long)ft.bad_batches,
			 (unsigned long long)(event_log_read_index(ft.log) / secs));
	log_info("ft", "heartbeats: %llu heard from %s, peer %s", (unsigned long long)ft.hb_heard,
		 peer_str(), ft.peer_silent ? "SILENT" : "alive");
}

static int open_endpoints(void)
{
	ft.hb = udp_new();
	if (!ft.hb || udp_bind(ft.hb, IP_ADDR_ANY, ft.hb_port) != ERR_OK)
		return -1;
	udp_recv(ft.hb, on_heartbeat, NULL);
	if (ft.role == FT_ROLE_BACKUP) {
		struct tcp_pcb *pcb = tcp_new();
		if (!pcb || tcp_bind(pcb, IP_ADDR_ANY, ft.port) != ERR_OK)
			return -1;
		ft.listener = tcp_listen(pcb);
		if (!ft.listener)
			return -1;
		tcp_accept(ft.listener, on_accept);
	}
	return 0;
}

int ft_channel_wait_acked(void)
{
	/* A backup that never showed up may still come and catch up. */
	while (ft.acked_seq < ft.log->seq && !(ft.peer_silent && ft.ever_heard) &&
	       !ft.catch_up_refused) {
		service(log_uptime_ms());
		net_wait(WAIT_US);
	}
	return ft.acked_seq >= ft.log->seq ? 0 : -1;
}

void ft_channel_flush_ack(void)
{
	while (ft.conn && ft.welcomed && ft.ack_pending) {
		service(log_uptime_ms());
		net_wait(WAIT_US);
	}
}

void ft_channel_time_acks(uint64_t *sent_us, size_t n, struct rtt_stats *rtt)
{
	ft.sent_us = sent_us;
	ft.sent_cap = sent_us ? n : 0;
	ft.ack_rtt = rtt;
}

/* The primary's guest has stopped: hand the backup everything. */
static void primary_drain(void)
{
	log_info("ft", "guest stopped; waiting for the backup to acknowledge all %llu events",
		 (unsigned long long)ft.log->appended);
	if (ft_channel_wait_acked() == 0)
		log_info("ft", "all %llu events (%llu batches) acknowledged by the backup",
			 (unsigned long long)ft.log->appended, (unsigned long long)ft.log->seq);
	else
		log_error("ft", "%s with %llu of %llu batches acknowledged",
			  ft.catch_up_refused ? "no backup can catch up" : "the backup fell silent",
			  (unsigned long long)ft.acked_seq, (unsigned long long)ft.log->seq);
}

void ft_channel_open(struct hv_state *hv, size_t log_bytes)
{
	const struct ftv_config *c = &hv->config;
	memset(&ft, 0, sizeof(ft));
	ft.role = (enum ft_role)c->ft_role;
	ft.hv = hv;
	ft.v = hv->vcpu;
	ft.log = &hv->log;
	ft.port = (uint16_t)c->ft_port;
	ft.hb_port = (uint16_t)c->ft_hb_port;
	ip_addr_set_ip4_u32(&ft.peer, lwip_htonl(c->ft_peer));
	ft.corrupt_seq = c->ft_corrupt_batch;
	ft.start_ms = log_uptime_ms();
	ft.flush_us = c->ft_flush_ms * 1000;
	log_reader_init(&ft.recv_reader);

	if (!ft.log->buf && event_log_init(ft.log, log_bytes, EVENT_LOG_BATCH_BYTES) != 0) {
		log_error("ft", "out of heap for a %llu MiB log (raise hv.heap_mb)",
			  (unsigned long long)(log_bytes / MIB));
		hv_stop(STOP_MEMORY);
	}
	if (ft.role == FT_ROLE_PRIMARY && c->ft_max_unacked_kb > ft_max_unacked_kb(ft.log->cap)) {
		log_error("ft", "ft.max_unacked_kb = %llu is too large for a %llu KiB log "
				"(replay.log_mb): flow control must pause the guest long before the log "
				"fills, so keep it at most half the log (%llu)",
			  (unsigned long long)c->ft_max_unacked_kb,
			  (unsigned long long)(ft.log->cap / 1024),
			  (unsigned long long)ft_max_unacked_kb(ft.log->cap));
		hv_stop(STOP_CONFIG);
	}
	uint8_t *rxbuf = malloc(FT_MSG_HEADER_SIZE + FT_MSG_MAX_PAYLOAD);
	if (!rxbuf || open_endpoints() != 0) {
		log_error("ft", "cannot open the logging channel or heartbeat endpoints");
		hv_stop(STOP_CONFIG);
	}
	ft_rx_init(&ft.rx, rxbuf, FT_MSG_HEADER_SIZE + FT_MSG_MAX_PAYLOAD);
	log_info("ft", "%s: peer %s, logging channel tcp/%u, heartbeats udp/%u every %llu ms, "
		       "silence after %llu ms",
		 role_name(ft.role), peer_str(), ft.port, ft.hb_port,
		 (unsigned long long)c->ft_hb_interval_ms, (unsigned long long)c->ft_hb_timeout_ms);
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
	if (ft.role == FT_ROLE_PRIMARY) {
		/* The log only fills when nobody acknowledges it (flow control
		 * pauses the guest for a live backup): the guest runs on. */
		ft.log->drop_when_full = 1;
		nd_init(v->nd, ND_RECORD, ft.log);
		uint64_t t0 = log_uptime_us();
		vcpu_run(v);
		log_info("ft", "primary's guest: %s; it ran for %llu ms", v->stop_reason,
			 (unsigned long long)((log_uptime_us() - t0) / 1000));
		primary_drain();
	} else {
		ft.log->wait_more = ft_channel_wait_more;
		nd_init(v->nd, ND_REPLAY, ft.log);
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
	ft.log->drop_when_full = 0;
	ft.log->wait_more = NULL;
	ft_print_status();
}
