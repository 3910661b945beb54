#include "net/iscsi_lwip.h"

#include <stdio.h>
#include <string.h>

#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#include "hv/lib/log.h"

#define TICK_MS 200             /* the session's timers, the connect timeout, the retries */
#define CONNECT_TIMEOUT_MS 5000 /* lwIP's own SYN retries would take a minute */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000

static uint64_t now_ms(void *ctx)
{
	(void)ctx;
	return log_uptime_ms();
}

const char *iscsi_link_state_name(enum iscsi_link_state st)
{
	static const char *const names[] = { "waiting to connect", "connecting", "logging in",
					     "logged in" };
	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

static void set_state(struct iscsi_link *l, enum iscsi_link_state st)
{
	l->state = st;
	l->since_ms = log_uptime_ms();
}

/* Hands as much of the send queue to lwIP as its send buffer takes. */
static void flush(struct iscsi_link *l)
{
	struct tcp_pcb *pcb = l->pcb;
	if (!pcb)
		return;
	while (l->q_len > 0) {
		size_t contiguous = ISCSI_LINK_SENDQ - l->q_head;
		size_t n = l->q_len < contiguous ? l->q_len : contiguous;
		if (n > tcp_sndbuf(pcb))
			n = tcp_sndbuf(pcb);
		if (n > 0xffff)
			n = 0xffff;
		if (n == 0 || tcp_write(pcb, l->sendq + l->q_head, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break; /* full (bytes or segments): the sent callback comes back */
		l->q_head = (l->q_head + n) % ISCSI_LINK_SENDQ;
		l->q_len -= n;
	}
	tcp_output(pcb);
}

/* transport->send: takes every byte or fails the connection. */
static int link_send(void *ctx, const void *bytes, size_t len)
{
	struct iscsi_link *l = ctx;
	if (!l->pcb || l->drop)
		return -1;
	if (len > ISCSI_LINK_SENDQ - l->q_len) {
		snprintf(l->why, sizeof(l->why), "send queue full (%zu bytes waiting)", l->q_len);
		l->drop = true;
		return -1;
	}
	const uint8_t *b = bytes;
	size_t tail = (l->q_head + l->q_len) % ISCSI_LINK_SENDQ;
	size_t first = len < ISCSI_LINK_SENDQ - tail ? len : ISCSI_LINK_SENDQ - tail;
	memcpy(l->sendq + tail, b, first);
	memcpy(l->sendq, b + first, len - first);
	l->q_len += len;
	if (l->q_len > l->stats.sendq_peak)
		l->stats.sendq_peak = l->q_len;
	flush(l);
	return 0;
}

static void link_event(void *ctx, enum iscsi_event ev, const char *detail)
{
	struct iscsi_link *l = ctx;
	switch (ev) {
	case ISCSI_EVENT_LOGGED_IN:
		set_state(l, ISCSI_LINK_UP);
		l->backoff_ms = BACKOFF_FIRST_MS;
		l->stats.logins++;
		l->ops.up(l->ops.ctx);
		break;
	case ISCSI_EVENT_FAILED:
		snprintf(l->why, sizeof(l->why), "%s", detail ? detail : "session failed");
		l->drop = true;
		break;
	case ISCSI_EVENT_LOGGED_OUT:
		snprintf(l->why, sizeof(l->why), "logged out");
		l->drop = true;
		break;
	case ISCSI_EVENT_LOGOUT_REQUESTED:
		iscsi_session_logout(&l->sess);
		break;
	}
}

/* Our callbacks off the pcb: lwIP says nothing more about it to us. */
static struct tcp_pcb *let_go(struct iscsi_link *l)
{
	struct tcp_pcb *pcb = l->pcb;
	l->pcb = NULL;
	if (pcb) {
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		tcp_sent(pcb, NULL);
		tcp_err(pcb, NULL);
	}
	return pcb;
}

/* The connection is over (the pcb aborted, or already gone): wait, then try again. */
static void schedule_retry(struct iscsi_link *l)
{
	struct tcp_pcb *pcb = let_go(l);
	bool was_up = l->state == ISCSI_LINK_UP;
	if (pcb) {
		l->aborted = pcb;
		tcp_abort(pcb);
	}
	if (was_up)
		l->stats.lost++;
	if (l->sess.state != ISCSI_SESSION_FAILED && l->sess.state != ISCSI_SESSION_IDLE &&
	    l->sess.state != ISCSI_SESSION_LOGGED_OUT)
		iscsi_session_fail(&l->sess, "%s", l->why); /* hands its tasks back */
	l->drop = false;
	l->q_head = l->q_len = 0;
	uint32_t wait = l->backoff_ms;
	l->retry_at_ms = log_uptime_ms() + wait;
	l->backoff_ms = wait * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : wait * 2;
	set_state(l, ISCSI_LINK_WAITING);
	l->ops.down(l->ops.ctx, l->why, was_up, wait);
}

/* After every entry point that may have failed the session. */
static void settle(struct iscsi_link *l)
{
	if (l->drop)
		schedule_retry(l);
}

static const char *lwip_reason(err_t err)
{
	switch (err) {
	case ERR_RST: return "connection refused or reset";
	case ERR_ABRT: return "connection aborted";
	case ERR_CLSD: return "connection closed";
	case ERR_TIMEOUT: return "timed out";
	default: return "connection failed";
	}
}

static void on_err(void *arg, err_t err)
{
	struct iscsi_link *l = arg;
	l->pcb = NULL; /* lwIP has freed it */
	snprintf(l->why, sizeof(l->why), "%s (lwIP error %d)", lwip_reason(err), (int)err);
	l->drop = true;
	settle(l);
}

/*
 * lwIP's rule: a callback that aborted its own pcb says so with ERR_ABRT
 * and touches it no more; any other returns ERR_OK.
 */
static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct iscsi_link *l = arg;
	l->aborted = NULL;
	if (pcb != l->pcb) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		snprintf(l->why, sizeof(l->why), "the target closed the connection");
		l->drop = true;
	} else {
		tcp_recved(pcb, p->tot_len); /* the session copies every byte out */
		for (struct pbuf *q = p; q && !l->drop; q = q->next)
			iscsi_session_receive(&l->sess, q->payload, q->len);
		pbuf_free(p);
		flush(l);
	}
	settle(l);
	return l->aborted == pcb ? ERR_ABRT : ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb;
	(void)len;
	flush(arg);
	return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct iscsi_link *l = arg;
	(void)err; /* lwIP 2.1 reports failures through on_err only */
	l->aborted = NULL;
	set_state(l, ISCSI_LINK_LOGIN);
	iscsi_session_init(&l->sess, &l->cfg, &l->tr);
	iscsi_session_start(&l->sess);
	settle(l);
	return l->aborted == pcb ? ERR_ABRT : ERR_OK;
}

static void try_connect(struct iscsi_link *l)
{
	ip_addr_t addr;
	ip_addr_set_ip4_u32(&addr, lwip_htonl(l->ip));
	l->stats.attempts++;
	struct tcp_pcb *pcb = tcp_new();
	if (!pcb) {
		snprintf(l->why, sizeof(l->why), "lwIP has no free TCP connection");
		l->drop = true;
		return;
	}
	l->pcb = pcb;
	set_state(l, ISCSI_LINK_CONNECTING);
	tcp_arg(pcb, l);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_nagle_disable(pcb);
	err_t e = tcp_connect(pcb, &addr, l->port, on_connected);
	if (e != ERR_OK) {
		snprintf(l->why, sizeof(l->why), "tcp_connect refused (lwIP error %d)", (int)e);
		l->drop = true;
	}
}

static void tick(void *arg)
{
	struct iscsi_link *l = arg;
	uint64_t now = log_uptime_ms();
	switch (l->state) {
	case ISCSI_LINK_WAITING:
		if (now >= l->retry_at_ms)
			try_connect(l);
		break;
	case ISCSI_LINK_CONNECTING:
		if (now - l->since_ms >= CONNECT_TIMEOUT_MS) {
			snprintf(l->why, sizeof(l->why), "no answer within %u s", CONNECT_TIMEOUT_MS / 1000);
			l->drop = true;
		}
		break;
	case ISCSI_LINK_LOGIN:
	case ISCSI_LINK_UP:
		iscsi_session_tick(&l->sess);
		flush(l);
		break;
	}
	settle(l);
	sys_timeout(TICK_MS, tick, l);
}

void iscsi_link_start(struct iscsi_link *l, const struct iscsi_config *cfg, uint32_t ip,
		      uint16_t port, const struct iscsi_link_ops *ops)
{
	memset(l, 0, offsetof(struct iscsi_link, sendq));
	l->cfg = *cfg;
	l->ops = *ops;
	l->tr = (struct iscsi_transport){ l, link_send, now_ms, link_event };
	l->ip = ip;
	l->port = port;
	l->backoff_ms = BACKOFF_FIRST_MS;
	set_state(l, ISCSI_LINK_WAITING);
	l->retry_at_ms = 0;
	tick(l);
}
