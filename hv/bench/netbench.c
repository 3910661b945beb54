#include "hv/bench/netbench.h"

#include <stdio.h>
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"

#include "net/net.h"
#include "hv/bench/bench_stats.h"
#include "hv/bench/netbench_header.h"
#include "hv/lib/le_bytes.h"
#include "hv/lib/log.h"

#define MIB (1ull << 20)
#define NETBENCH_PORT 7500
#define PING_BYTES 16
#define PING_ROUNDS 200
#define CONNECT_RETRY_MS 500       /* a connection not up by then is tried again */
#define IDLE_LIMIT_MS 60000        /* no progress for this long: give up */
#define WAKE_US 1000               /* longest sleep between polls when nothing arrives */

/* Both sides go WAITING -> BULK -> PINGS -> DONE, or end FAILED. */
enum phase { WAITING, BULK, PINGS, DONE, FAILED };

static struct {
	enum phase phase;
	int sender;
	ip_addr_t peer;
	struct tcp_pcb *listener, *conn;
	uint64_t last_progress_ms, next_connect_ms;
	char why[128];                /* FAILED: what went wrong */
	uint64_t bulk;                /* bulk bytes (the sink learns it from the header) */
	uint32_t rounds;              /* round trips (likewise) */
	uint64_t start_us, bulk_us;   /* when the bulk started, how long it took */

	/* sender */
	uint64_t queued, acked;       /* header and bulk bytes handed to / acknowledged by TCP */
	uint32_t round, echoed;       /* round trips done; echo bytes of the current one */
	uint64_t ping_us;             /* when the current ping was queued */
	struct rtt_stats rtt;

	/* sink */
	uint8_t header[NETBENCH_HEADER_SIZE];
	uint64_t received;
	char refused[128];            /* why the header was refused */
} nb;

/* What the sender pushes: its content does not matter, its size does. */
static const uint8_t filler[16384];

static void progress(void)
{
	nb.last_progress_ms = log_uptime_ms();
}

static void detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

/* Ends the benchmark: drops the connection at once. A callback of that
 * connection must then return ERR_ABRT. */
static void fail(const char *why)
{
	if (nb.phase != FAILED)
		snprintf(nb.why, sizeof(nb.why), "%s", why);
	nb.phase = FAILED;
	if (nb.conn) {
		detach(nb.conn);
		tcp_abort(nb.conn);
		nb.conn = NULL;
	}
}

/* The orderly end once everything was said (all received data already
 * passed to tcp_recved, or lwIP would reset instead). Returns ERR_ABRT if
 * the connection had to be aborted, for the callback to return. */
static err_t finish(void)
{
	struct tcp_pcb *pcb = nb.conn;
	detach(pcb);
	nb.conn = NULL;
	nb.phase = DONE;
	if (tcp_close(pcb) == ERR_OK)
		return ERR_OK;
	tcp_abort(pcb);
	return ERR_ABRT;
}

static void on_err(void *arg, err_t err)
{
	(void)arg;
	nb.conn = NULL; /* lwIP has freed it */
	if (nb.phase == WAITING || (!nb.sender && nb.received == 0)) {
		/* Before anything happened: a connection attempt that failed. */
		nb.phase = WAITING;
		return;
	}
	char why[64];
	snprintf(why, sizeof(why), "the connection failed (lwIP error %d)", (int)err);
	fail(why);
}

/* ---------------------------------------------------------------- */
/* sender                                                            */

/* Queues bulk while TCP takes it; the sent callback and the poll loop
 * come back for more. tcp_write copies all of a piece or none of it. */
static void fill(void)
{
	uint64_t total = NETBENCH_HEADER_SIZE + nb.bulk;
	while (nb.phase == BULK && nb.queued < total) {
		uint64_t n = total - nb.queued;
		if (n > tcp_sndbuf(nb.conn))
			n = tcp_sndbuf(nb.conn);
		if (n > sizeof(filler))
			n = sizeof(filler);
		if (n == 0)
			break;
		err_t err = tcp_write(nb.conn, filler, (u16_t)n, TCP_WRITE_FLAG_COPY);
		if (err == ERR_MEM)
			break; /* segments or memory run out until acknowledgements free some */
		if (err != ERR_OK) {
			fail("tcp_write refused the bulk");
			return;
		}
		nb.queued += n;
	}
	if (nb.conn)
		tcp_output(nb.conn);
}

static void send_ping(void)
{
	uint8_t ping[PING_BYTES] = { 0 };
	put_le(ping, nb.round, 4);
	nb.echoed = 0;
	nb.ping_us = log_uptime_us();
	if (tcp_write(nb.conn, ping, sizeof(ping), TCP_WRITE_FLAG_COPY) != ERR_OK) {
		fail("tcp_write refused a ping");
		return;
	}
	tcp_output(nb.conn);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)arg;
	progress();
	if (nb.phase != BULK)
		return ERR_OK;
	nb.acked += len;
	if (nb.acked < NETBENCH_HEADER_SIZE + nb.bulk) {
		fill();
	} else {
		nb.bulk_us = log_uptime_us() - nb.start_us;
		nb.phase = PINGS;
		send_ping();
	}
	return nb.conn == pcb ? ERR_OK : ERR_ABRT;
}

static err_t sender_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	if (!p || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		fail("the sink closed the connection early");
		return ERR_ABRT;
	}
	progress();
	u16_t len = p->tot_len;
	pbuf_free(p);
	nb.echoed += len;
	if (nb.phase != PINGS || nb.echoed > PING_BYTES) {
		fail("the sink sent more than the echo of a ping");
		return ERR_ABRT;
	}
	tcp_recved(pcb, len);
	if (nb.echoed < PING_BYTES)
		return ERR_OK;
	rtt_stats_add(&nb.rtt, log_uptime_us() - nb.ping_us);
	if (++nb.round == nb.rounds)
		return finish();
	send_ping();
	return nb.conn == pcb ? ERR_OK : ERR_ABRT;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	(void)err; /* lwIP 2.1 calls this only on success */
	uint8_t header[NETBENCH_HEADER_SIZE];
	netbench_header_write(&(struct netbench_header){ nb.rounds, nb.bulk }, header);
	progress();
	nb.phase = BULK;
	nb.start_us = log_uptime_us();
	if (tcp_write(pcb, header, sizeof(header), TCP_WRITE_FLAG_COPY) != ERR_OK) {
		fail("tcp_write refused the header");
		return ERR_ABRT;
	}
	nb.queued = NETBENCH_HEADER_SIZE;
	fill();
	return nb.conn == pcb ? ERR_OK : ERR_ABRT;
}

/* (Re)tries the connection until the sink answers. */
static void connect_to_sink(void)
{
	if (nb.conn) {
		detach(nb.conn);
		tcp_abort(nb.conn);
		nb.conn = NULL;
	}
	nb.next_connect_ms = log_uptime_ms() + CONNECT_RETRY_MS;
	struct tcp_pcb *pcb = tcp_new();
	if (!pcb)
		return;
	tcp_err(pcb, on_err);
	tcp_recv(pcb, sender_recv);
	tcp_sent(pcb, on_sent);
	tcp_nagle_disable(pcb);
	nb.conn = pcb;
	if (tcp_connect(pcb, &nb.peer, NETBENCH_PORT, on_connected) != ERR_OK) {
		detach(pcb);
		tcp_abort(pcb);
		nb.conn = NULL;
	}
}

/* ---------------------------------------------------------------- */
/* sink                                                              */

/* Consumes what arrived: the header, the bulk (counted), then pings,
 * echoed as they come. NULL, or what is wrong. */
static const char *sink_take(const uint8_t *data, size_t len)
{
	while (len) {
		uint64_t n, end;
		if (nb.received < NETBENCH_HEADER_SIZE) {
			end = NETBENCH_HEADER_SIZE;
			n = end - nb.received < len ? end - nb.received : len;
			memcpy(nb.header + nb.received, data, n);
			if (nb.received + n == end) {
				struct netbench_header h;
				if (netbench_header_parse(nb.header, &h, nb.refused,
							  sizeof(nb.refused)) != 0)
					return nb.refused;
				nb.rounds = h.rounds;
				nb.bulk = h.bulk;
			}
		} else if (nb.received < NETBENCH_HEADER_SIZE + nb.bulk) {
			end = NETBENCH_HEADER_SIZE + nb.bulk;
			n = end - nb.received < len ? end - nb.received : len;
		} else {
			end = NETBENCH_HEADER_SIZE + nb.bulk + (uint64_t)nb.rounds * PING_BYTES;
			n = end - nb.received < len ? end - nb.received : len;
			if (n == 0)
				return "the sender sent more than it announced";
			/* At most one ping is ever outstanding: the send buffer has room. */
			if (tcp_write(nb.conn, data, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
				return "tcp_write refused an echo";
		}
		nb.received += n;
		data += n;
		len -= n;
		if (nb.phase == BULK && nb.received == NETBENCH_HEADER_SIZE + nb.bulk) {
			nb.bulk_us = log_uptime_us() - nb.start_us;
			nb.phase = PINGS;
		}
	}
	return NULL;
}

static err_t sink_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	if (!p || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		fail("the sender closed the connection early");
		return ERR_ABRT;
	}
	progress();
	const char *bad = NULL;
	for (struct pbuf *q = p; q && !bad; q = q->next)
		bad = sink_take(q->payload, q->len);
	u16_t len = p->tot_len;
	pbuf_free(p);
	if (bad) {
		fail(bad);
		return ERR_ABRT;
	}
	tcp_recved(pcb, len);
	if (nb.phase == PINGS &&
	    nb.received == NETBENCH_HEADER_SIZE + nb.bulk + (uint64_t)nb.rounds * PING_BYTES)
		return finish();
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	if (nb.phase != WAITING) {
		tcp_abort(pcb); /* one sender per run */
		return ERR_ABRT;
	}
	nb.conn = pcb;
	tcp_err(pcb, on_err);
	tcp_recv(pcb, sink_recv);
	tcp_nagle_disable(pcb);
	nb.phase = BULK;
	nb.start_us = log_uptime_us();
	ip_addr_copy(nb.peer, pcb->remote_ip);
	progress();
	return ERR_OK;
}

static int sink_listen(void)
{
	struct tcp_pcb *pcb = tcp_new();
	if (!pcb)
		return -1;
	if (tcp_bind(pcb, IP_ADDR_ANY, NETBENCH_PORT) != ERR_OK) {
		tcp_close(pcb);
		return -1;
	}
	nb.listener = tcp_listen(pcb);
	if (!nb.listener) {
		tcp_close(pcb);
		return -1;
	}
	tcp_accept(nb.listener, on_accept);
	return 0;
}

/* ---------------------------------------------------------------- */

static void report(void)
{
	char peer[IP4ADDR_STRLEN_MAX], rtt[64];
	uint64_t rate = bench_mbit_tenths(nb.bulk, nb.bulk_us);
	ipaddr_ntoa_r(&nb.peer, peer, sizeof(peer));
	if (nb.phase == FAILED) {
		log_error("netbench", "failed: %s", nb.why);
	} else if (nb.sender) {
		rtt_stats_format(&nb.rtt, rtt, sizeof(rtt));
		log_info("netbench", "tcp %llu MiB in %llu ms = %llu.%llu Mbit/s; rtt min/avg/max %s us",
			 (unsigned long long)(nb.bulk / MIB), (unsigned long long)(nb.bulk_us / 1000),
			 (unsigned long long)(rate / 10), (unsigned long long)(rate % 10), rtt);
	} else {
		log_info("netbench", "sink: %llu MiB from %s in %llu ms = %llu.%llu Mbit/s; echoed %u "
				     "round trips",
			 (unsigned long long)(nb.bulk / MIB), peer, (unsigned long long)(nb.bulk_us / 1000),
			 (unsigned long long)(rate / 10), (unsigned long long)(rate % 10), nb.rounds);
	}
}

int netbench_run(const struct ftv_config *cfg)
{
	if (cfg->net_bench == NET_BENCH_OFF)
		return 0;
	if (!cfg->net_ip) {
		log_error("netbench", "net.bench needs the network: set net.ip");
		return -1;
	}
	if (cfg->net_bench == NET_BENCH_SEND && !cfg->net_bench_peer) {
		log_error("netbench", "net.bench = send needs the sink's address in net.bench_peer");
		return -1;
	}
	memset(&nb, 0, sizeof(nb));
	nb.sender = cfg->net_bench == NET_BENCH_SEND;
	progress();
	if (nb.sender) {
		ip_addr_set_ip4_u32(&nb.peer, lwip_htonl(cfg->net_bench_peer));
		nb.bulk = cfg->net_bench_mb * MIB;
		nb.rounds = PING_ROUNDS;
		log_info("netbench", "sending %llu MiB to %s tcp/%u, then %u round trips of %u bytes",
			 (unsigned long long)cfg->net_bench_mb, ipaddr_ntoa(&nb.peer), NETBENCH_PORT,
			 PING_ROUNDS, PING_BYTES);
	} else if (sink_listen() != 0) {
		fail("cannot listen on the benchmark's port");
	} else {
		log_info("netbench", "sink listening on tcp/%u", NETBENCH_PORT);
	}
	while (nb.phase != DONE && nb.phase != FAILED) {
		net_poll();
		net_wait(WAKE_US);
		uint64_t now = log_uptime_ms();
		if (nb.sender && nb.phase == WAITING && now >= nb.next_connect_ms)
			connect_to_sink();
		if (nb.sender && nb.phase == BULK)
			fill();
		if (now - nb.last_progress_ms > IDLE_LIMIT_MS)
			fail("nothing happened for a minute");
	}
	if (nb.listener) {
		tcp_close(nb.listener);
		nb.listener = NULL;
	}
	report();
	return 0;
}
