#include "hv/ft/ft_transport_lwip.h"

#include <string.h>

#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "hv/lib/log.h"

/* Takes the connection out of our hands: no more callbacks for it. */
static struct tcp_pcb *let_go(struct ft_lwip *t)
{
	struct tcp_pcb *pcb = t->conn;
	t->conn = NULL;
	if (pcb) {
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		tcp_err(pcb, NULL);
	}
	return pcb;
}

/* One tcp_write per message: lwIP queues all of it or none of it, so a
 * message is never cut in two on the wire. */
static int send_msg(void *ctx, enum ft_msg_type type, const void *payload, uint32_t len)
{
	struct ft_lwip *t = ctx;
	if (!t->conn || len > EVENT_LOG_BATCH_BYTES || tcp_sndbuf(t->conn) < FT_MSG_HEADER_SIZE + len)
		return -1;
	ft_msg_header(t->msg, type, len);
	memcpy(t->msg + FT_MSG_HEADER_SIZE, payload, len);
	return tcp_write(t->conn, t->msg, (u16_t)(FT_MSG_HEADER_SIZE + len), TCP_WRITE_FLAG_COPY) ==
			       ERR_OK
		       ? 0
		       : -1;
}

static void flush(void *ctx)
{
	struct ft_lwip *t = ctx;
	if (t->conn)
		tcp_output(t->conn);
}

static void abort_pcb(struct ft_lwip *t, struct tcp_pcb *pcb)
{
	t->aborted = pcb;
	tcp_abort(pcb);
}

/* A FIN after what was queued (the REFUSE). lwIP resets instead, dropping
 * the queue, if received data was not yet taken (tcp_recved): on_recv
 * takes each delivery before handing it to the roles. */
static void refuse(void *ctx)
{
	struct ft_lwip *t = ctx;
	struct tcp_pcb *pcb = let_go(t);
	if (pcb && tcp_close(pcb) != ERR_OK)
		abort_pcb(t, pcb);
}

static void abort_conn(void *ctx)
{
	struct ft_lwip *t = ctx;
	struct tcp_pcb *pcb = let_go(t);
	if (pcb)
		abort_pcb(t, pcb);
}

/*
 * lwIP's rule: a receive callback that aborted its own pcb (directly or
 * through the roles) must say so with ERR_ABRT and not touch it again; one
 * that closed it returns ERR_OK.
 */
static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct ft_lwip *t = arg;
	t->aborted = NULL;
	if (!p || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		if (pcb != t->conn)
			return ERR_OK;
		abort_conn(t);
		ft_roles_channel_lost(t->roles, NULL);
		return ERR_ABRT;
	}
	if (pcb != t->conn) {
		pbuf_free(p);
		return ERR_OK;
	}
	uint16_t off = 0, total = p->tot_len;
	tcp_recved(pcb, total); /* all of it is copied out below */
	while (off < total && t->conn == pcb) {
		uint8_t chunk[1024];
		size_t n = (size_t)(total - off) < sizeof(chunk) ? (size_t)(total - off) : sizeof(chunk);
		pbuf_copy_partial(p, chunk, (u16_t)n, off);
		size_t took = ft_roles_receive(t->roles, chunk, n);
		if (took == 0)
			break;
		off = (uint16_t)(off + took);
	}
	pbuf_free(p);
	if (t->conn == pcb)
		ft_roles_delivered(t->roles);
	return t->aborted == pcb ? ERR_ABRT : ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct ft_lwip *t = arg;
	/* lwIP has freed the pcb already. */
	t->conn = NULL;
	log_warn("ft", "logging channel to %s failed (lwIP error %d)", t->peer_str, (int)err);
	ft_roles_channel_lost(t->roles, NULL);
}

static void adopt(struct ft_lwip *t, struct tcp_pcb *pcb)
{
	t->conn = pcb;
	tcp_arg(pcb, t);
	tcp_recv(pcb, on_recv);
	tcp_err(pcb, on_err);
	tcp_nagle_disable(pcb);
	ft_roles_channel_up(t->roles);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct ft_lwip *t = arg;
	if (err != ERR_OK)
		return err;
	t->aborted = NULL;
	ft_roles_connected(t->roles);
	/* The same rule as on_recv: ERR_ABRT only for a pcb aborted here. */
	return t->aborted == pcb ? ERR_ABRT : ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct ft_lwip *t = arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	if (!ip_addr_cmp(&pcb->remote_ip, &t->peer)) {
		log_warn("ft", "refusing a logging channel from a stranger");
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	ft_roles_replace_channel(t->roles);
	adopt(t, pcb);
	return ERR_OK;
}

static void connect_peer(void *ctx)
{
	struct ft_lwip *t = ctx;
	struct tcp_pcb *pcb = tcp_new();
	if (!pcb)
		return;
	adopt(t, pcb);
	if (tcp_connect(pcb, &t->peer, t->port, on_connected) != ERR_OK) {
		abort_conn(t);
		ft_roles_channel_lost(t->roles, NULL);
	}
}

static void send_heartbeat(void *ctx, const uint8_t *dgram, size_t len)
{
	struct ft_lwip *t = ctx;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return;
	pbuf_take(p, dgram, (u16_t)len);
	udp_sendto(t->hb, p, &t->peer, t->hb_port);
	pbuf_free(p);
}

static uint64_t now_us(void *ctx)
{
	(void)ctx;
	return log_uptime_us();
}

static void on_heartbeat(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			 u16_t port)
{
	struct ft_lwip *t = arg;
	(void)pcb;
	(void)port;
	uint8_t buf[FT_HEARTBEAT_SIZE];
	/* Only our peer's, and only of the right size: never trust anything else. */
	int ok = p->tot_len == sizeof(buf) && ip_addr_cmp(addr, &t->peer) &&
		 pbuf_copy_partial(p, buf, sizeof(buf), 0) == sizeof(buf);
	pbuf_free(p);
	if (ok)
		ft_roles_heartbeat(t->roles, buf, sizeof(buf));
}

static const struct ft_transport_ops lwip_ops = {
	.send = send_msg,
	.flush = flush,
	.refuse = refuse,
	.abort = abort_conn,
	.connect = connect_peer,
	.heartbeat = send_heartbeat,
	.now_us = now_us,
};

void ft_lwip_init(struct ft_lwip *t, uint32_t peer_ip, uint16_t port, uint16_t hb_port)
{
	memset(t, 0, sizeof(*t));
	ip_addr_set_ip4_u32(&t->peer, lwip_htonl(peer_ip));
	ipaddr_ntoa_r(&t->peer, t->peer_str, sizeof(t->peer_str));
	t->port = port;
	t->hb_port = hb_port;
}

struct ft_transport ft_lwip_transport(struct ft_lwip *t)
{
	return (struct ft_transport){ &lwip_ops, t };
}

int ft_lwip_open(struct ft_lwip *t, struct ft_roles *roles)
{
	t->roles = roles;
	t->hb = udp_new();
	if (!t->hb || udp_bind(t->hb, IP_ADDR_ANY, t->hb_port) != ERR_OK)
		return -1;
	udp_recv(t->hb, on_heartbeat, t);
	if (roles->c.role != FT_ROLE_BACKUP)
		return 0;
	struct tcp_pcb *pcb = tcp_new();
	if (!pcb || tcp_bind(pcb, IP_ADDR_ANY, t->port) != ERR_OK)
		return -1;
	t->listener = tcp_listen(pcb);
	if (!t->listener)
		return -1;
	tcp_arg(t->listener, t);
	tcp_accept(t->listener, on_accept);
	return 0;
}
