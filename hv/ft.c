#include "ft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "../arch/x86_64/cpu.h"
#include "../net/ft_proto.h"
#include "../net/net.h"
#include "bench_stats.h"
#include "event_log.h"
#include "ft_channel.h"
#include "hash64.h"
#include "hv_state.h"
#include "le_bytes.h"
#include "log.h"
#include "log_codec.h"
#include "vmexit.h"

#define MIB (1ull << 20)
#define RECONNECT_MS 500
#define HANDSHAKE_MS 3000      /* a connection must be welcomed within this */
#define FLUSH_MS 5           /* the longest an event waits in an open batch */
#define SERVICE_EVERY_US 500 /* network service between guest entries */
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

	/* primary: what was sent and acknowledged */
	size_t send_off;              /* byte offset in the log of the next batch to send */
	uint64_t send_seq;
	size_t acked_off;
	uint64_t acked_seq, acked_event;
	uint64_t last_flush_us;
	int paused;
	uint64_t pause_started_ms, pauses;
	uint64_t corrupt_seq;         /* fault injection: damage this batch once (0: off) */
	int corrupted;

	/* backup: what was received and verified */
	struct log_reader recv_reader;
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

static uint64_t now_ms(void)
{
	return log_uptime_us() / 1000;
}

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
	ft.next_connect_ms = now_ms() + RECONNECT_MS;
}

/* ---------------------------------------------------------------- */
/* primary                                                           */

static size_t batch_size_at(size_t off)
{
	return LOG_BATCH_HEADER_SIZE + (size_t)get_le(ft.log->buf + off + 28, 4);
}

/* Byte offset of batch 'seq' (walks the headers from the start). */
static size_t offset_of_batch(uint64_t seq)
{
	size_t off = 0;
	for (uint64_t s = 0; s < seq && off < ft.log->len; s++)
		off += batch_size_at(off);
	return off;
}

static void send_batches(void)
{
	while (ft.conn && ft.welcomed && ft.send_off < ft.log->len) {
		size_t size = batch_size_at(ft.send_off);
		const uint8_t *batch = ft.log->buf + ft.send_off;
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
		ft.send_off += size;
		ft.send_seq++;
	}
	if (ft.conn)
		tcp_output(ft.conn);
}

static void primary_got_msg(const struct ft_msg *m)
{
	struct ft_ack a;
	switch (m->type) {
	case FT_MSG_WELCOME:
		if (ft_ack_decode(m->payload, m->len, &a) != 0 || a.next_seq > ft.log->seq) {
			close_channel("malformed WELCOME");
			return;
		}
		ft.welcomed = 1;
		ft.send_seq = a.next_seq;
		ft.send_off = offset_of_batch(a.next_seq);
		ft.acked_seq = a.next_seq;
		ft.acked_off = ft.send_off;
		ft.acked_event = a.next_event;
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
		for (; ft.acked_seq < a.next_seq; ft.acked_seq++) {
			ft.acked_off += batch_size_at(ft.acked_off);
			if (ft.acked_seq < ft.sent_cap)
				rtt_stats_add(ft.ack_rtt, log_uptime_us() - ft.sent_us[ft.acked_seq]);
		}
		ft.acked_event = a.next_event;
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
	if (!ft.ack_pending)
		tcp_output(ft.conn);
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
	if (event_log_append_batch(ft.log, m->payload, m->len) != 0) {
		log_error("ft", "the backup's log is full (replay.log_mb); refusing more batches");
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
		ft.last_heard_ms = now_ms(); /* log traffic is a sign of life, as heartbeats are */
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
	ft.next_connect_ms = now_ms() + RECONNECT_MS;
	log_warn("ft", "logging channel to %s failed (lwIP error %d)", peer_str(), (int)err);
}

static void adopt(struct tcp_pcb *pcb)
{
	ft.conn = pcb;
	ft.connected_ms = now_ms();
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
	ft.next_connect_ms = now_ms() + RECONNECT_MS;
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
			 (unsigned long long)(now_ms() - ft.last_heard_ms));
	ft.peer_silent = 0;
	ft.ever_heard = 1;
	ft.last_heard_ms = now_ms();
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

static void service(uint64_t now)
{
	net_poll();
	now = now_ms(); /* after the poll: callbacks may have stamped later times */
	heartbeat_tick(now);
	if (ft.conn && !ft.welcomed && now - ft.connected_ms > HANDSHAKE_MS)
		close_channel("no handshake within the time limit");
	if (ft.role == FT_ROLE_BACKUP && ft.conn && ft.welcomed && ft.ack_pending)
		backup_send_ack(FT_MSG_ACK);
	if (ft.role == FT_ROLE_PRIMARY) {
		if (!ft.conn && now >= ft.next_connect_ms)
			primary_connect();
		send_batches();
	}
	if (ft.hv->config.ft_stats_interval_ms && now >= ft.next_stats_ms) {
		ft_print_status();
		ft.next_stats_ms = now + ft.hv->config.ft_stats_interval_ms;
	}
}

static uint64_t unacked_bytes(void)
{
	return ft.send_off - ft.acked_off + (ft.log->len - ft.send_off);
}

/* Before each guest entry (the run loop's service hook). */
static void between_entries(struct vcpu *v)
{
	(void)v;
	uint64_t us = log_uptime_us();
	if (us - ft.last_service_us < SERVICE_EVERY_US)
		return;
	ft.last_service_us = us;
	if (ft.role == FT_ROLE_PRIMARY && ft.log->open && ft.log->enc.nevents &&
	    us - ft.last_flush_us >= FLUSH_MS * 1000) {
		event_log_flush(ft.log);
		ft.last_flush_us = us;
	}
	service(us / 1000);
	/* Flow control: the guest waits while a live backup is too far behind
	 * (with the backup silent there is nobody to wait for). */
	uint64_t max = ft.hv->config.ft_max_unacked_kb * 1024;
	if (ft.role == FT_ROLE_PRIMARY && !ft.peer_silent && ft.welcomed && unacked_bytes() > max) {
		ft.paused = 1;
		ft.pauses++;
		ft.pause_started_ms = now_ms();
		log_warn("ft", "guest paused: %llu KiB of log unacknowledged (ft.max_unacked_kb = %llu)",
			 (unsigned long long)(unacked_bytes() / 1024),
			 (unsigned long long)ft.hv->config.ft_max_unacked_kb);
		while (unacked_bytes() > max / 2 && !ft.peer_silent) {
			service(now_ms());
			cpu_pause();
		}
		ft.paused = 0;
		log_info("ft", "guest resumed after %llu ms%s",
			 (unsigned long long)(now_ms() - ft.pause_started_ms),
			 ft.peer_silent ? " (the backup is silent)" : "");
	}
}

/* The backup's reader (replay, or the benchmark) reached the end of what
 * it has: wait for more. */
int ft_channel_wait_more(void *ctx)
{
	(void)ctx;
	size_t have = ft.log->len;
	while (ft.log->len == have) {
		service(now_ms());
		/* A primary never heard has not failed, it has not arrived yet. */
		if (ft.peer_silent && ft.ever_heard) {
			snprintf(ft.log->error, sizeof(ft.log->error),
				 "the primary fell silent; the log ends at event %llu",
				 (unsigned long long)ft.recv_reader.next_event);
			return 0;
		}
		cpu_pause();
	}
	return 1;
}

/* ---------------------------------------------------------------- */

void ft_print_status(void)
{
	if (ft.role == FT_ROLE_NONE) {
		console_printf("ft: no role (ft.role = none)\n");
		return;
	}
	uint64_t secs = (now_ms() - ft.start_ms) / 1000 + 1;
	if (ft.role == FT_ROLE_PRIMARY)
		log_info("ft", "primary: peer %s %s; log %llu events, %llu batches, %llu bytes; sent %llu, "
			       "acked %llu batches (event %llu); unacked %llu KiB; %llu events/s; "
			       "%llu pauses; %llu connects, %llu resets",
			 peer_str(), ft.welcomed ? "streaming" : "not connected",
			 (unsigned long long)ft.log->appended, (unsigned long long)ft.log->seq,
			 (unsigned long long)ft.log->len, (unsigned long long)ft.send_seq,
			 (unsigned long long)ft.acked_seq, (unsigned long long)ft.acked_event,
			 (unsigned long long)(unacked_bytes() / 1024),
			 (unsigned long long)(ft.log->appended / secs), (unsigned long long)ft.pauses,
			 (unsigned long long)ft.connects, (unsigned long long)ft.resets);
	else
		log_info("ft", "backup: peer %s %s; received %llu events in %llu batches, replayed %llu "
			       "(lag %llu events, %lld instructions behind the last heartbeat); %llu bad "
			       "batches; %llu events/s",
			 peer_str(), ft.welcomed ? "streaming" : "not connected",
			 (unsigned long long)ft.recv_reader.next_event,
			 (unsigned long long)ft.batches_in,
			 (unsigned long long)event_log_read_index(ft.log),
			 (unsigned long long)(ft.recv_reader.next_event - event_log_read_index(ft.log)),
			 (long long)(ft.peer_hb.count > guest_count() ? ft.peer_hb.count - guest_count() : 0),
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
	while (ft.acked_seq < ft.log->seq && !(ft.peer_silent && ft.ever_heard))
		service(now_ms());
	return ft.acked_seq >= ft.log->seq ? 0 : -1;
}

void ft_channel_flush_ack(void)
{
	while (ft.conn && ft.welcomed && ft.ack_pending)
		service(now_ms());
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
		log_error("ft", "the backup fell silent with %llu of %llu batches acknowledged",
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
	ft.start_ms = now_ms();
	log_reader_init(&ft.recv_reader);

	if (!ft.log->buf && event_log_init(ft.log, log_bytes, EVENT_LOG_BATCH_BYTES) != 0) {
		log_error("ft", "out of heap for a %llu MiB log (raise hv.heap_mb)",
			  (unsigned long long)(log_bytes / MIB));
		hv_stop(STOP_MEMORY);
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
	ft_print_status();
}
