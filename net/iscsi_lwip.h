/*
 * One iSCSI session (net/iscsi) over lwIP's raw TCP API, kept up: connects
 * to the target's portal, logs in, and after a refused or lost connection
 * or a failed session connects and logs in again with a backoff (1 s,
 * doubling to 30 s, back to 1 s after a login). Runs from lwIP's timers and
 * callbacks, that is inside net_poll(): whoever keeps the network served
 * keeps the session served.
 *
 * What is sent is queued without limit short of the send queue
 * (ISCSI_LINK_SENDQ bytes) and flushed as lwIP's send buffer frees up; a
 * full queue fails the session.
 * NOT YET: the tasks of a lost session come back as ISCSI_TASK_SESSION_LOST
 * and are not reissued on the new connection; only the login is redone.
 */
#ifndef FTV_NET_ISCSI_LWIP_H
#define FTV_NET_ISCSI_LWIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/iscsi/iscsi_session.h"

#define ISCSI_LINK_SENDQ (256 * 1024)

enum iscsi_link_state {
	ISCSI_LINK_WAITING,     /* before the next connection attempt */
	ISCSI_LINK_CONNECTING,  /* TCP handshake */
	ISCSI_LINK_LOGIN,       /* connected, login phase */
	ISCSI_LINK_UP,          /* full feature phase */
};

struct iscsi_link_ops {
	void *ctx;
	/* Logged in: tasks may be submitted to iscsi_link_session(). */
	void (*up)(void *ctx);
	/* No session: never connected (was_up false: refused, timed out) or
	 * lost; the next attempt comes in retry_ms. */
	void (*down)(void *ctx, const char *why, bool was_up, uint32_t retry_ms);
};

struct iscsi_link_stats {
	uint32_t attempts;      /* connection attempts */
	uint32_t logins;
	uint32_t lost;          /* sessions that ended after their login */
	size_t sendq_peak;      /* the most bytes the send queue ever held */
};

struct iscsi_link {
	struct iscsi_session sess;
	struct iscsi_config cfg;
	struct iscsi_transport tr;
	struct iscsi_link_ops ops;
	uint32_t ip;            /* host byte order */
	uint16_t port;
	enum iscsi_link_state state;
	void *pcb;              /* struct tcp_pcb, while connecting or connected */
	void *aborted;          /* the pcb aborted inside the current callback */
	bool drop;              /* the session failed: tear the connection down */
	char why[160];
	uint64_t since_ms;      /* the state's start */
	uint64_t retry_at_ms;
	uint32_t backoff_ms;
	struct iscsi_link_stats stats;
	size_t q_head, q_len;
	uint8_t sendq[ISCSI_LINK_SENDQ];
};

/* Starts keeping a session to ip:port (cfg is copied; its strings must
 * outlive the link). The network must be up. */
void iscsi_link_start(struct iscsi_link *l, const struct iscsi_config *cfg, uint32_t ip,
		      uint16_t port, const struct iscsi_link_ops *ops);
static inline struct iscsi_session *iscsi_link_session(struct iscsi_link *l)
{
	return &l->sess;
}
const char *iscsi_link_state_name(enum iscsi_link_state st);

#endif
