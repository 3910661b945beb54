/*
 * The role state machine of a fault-tolerant pair, without the network:
 * what the primary and the backup do with each message of the logging
 * channel (net/ft_proto.h) and each heartbeat, what they send, when the
 * primary's flow control applies and when the peer counts as silent.
 *
 * It moves bytes only through a struct ft_transport (hv/ft/ft_transport_lwip.c
 * over lwIP; a fake in the unit tests), and the transport hands it what
 * arrives. Nothing here blocks: the caller polls ft_roles_service().
 *
 * Protection. The primary's guest waits for the backup (flow control) only
 * while a backup is welcomed on the channel and heard, or for
 * FT_RECONNECT_GRACE_MS after a welcomed channel closed (dropping batches a
 * reconnecting backup still needs would leave it unable to catch up) —
 * and in both cases only while the backup takes the log: once it has
 * acknowledged nothing for FT_STALL_MS with log waiting (its replay is
 * stuck, it reconnects again and again without taking anything), the wait
 * ends until an acknowledgement moves on again.
 * Otherwise the guest runs on unprotected, and the primary says so once,
 * with the reason (again only when the reason changes), until a backup takes
 * log again.
 *
 * Run identity. Every boot of the primary has its own run id (HELLO); the
 * backup echoes it in WELCOME, ACK and its heartbeats. A backup that has
 * received log of one run refuses any other (it cannot follow a new
 * execution); one that received nothing follows the new run.
 */
#ifndef FTV_FT_ROLES_H
#define FTV_FT_ROLES_H

#include <stddef.h>
#include <stdint.h>

#include "hv/eventlog/event_log.h"
#include "hv/eventlog/log_codec.h"
#include "hv/lib/config.h"
#include "net/ft_proto.h"

struct rtt_stats;

#define FT_RECONNECT_MS 500          /* after a channel closed */
#define FT_REFUSED_RETRY_MS 5000     /* after the backup refused the channel */
#define FT_HANDSHAKE_MS 3000         /* a connection must be welcomed within this */
#define FT_RECONNECT_GRACE_MS 5000   /* flow control waits this long for a welcomed backup to return */
#define FT_STALL_MS 5000             /* ... and this long for an acknowledgement that moves on */

/* What the roles need of the network. Each call may be made from inside
 * a callback of the transport's own (the receive path). */
struct ft_transport_ops {
	/* Queues one whole message, or nothing: 0, or -1 (no room, no channel). */
	int (*send)(void *ctx, enum ft_msg_type type, const void *payload, uint32_t len);
	/* Pushes out what was queued. */
	void (*flush)(void *ctx);
	/* Ends the channel in an orderly way: what was queued still goes. */
	void (*refuse)(void *ctx);
	/* Ends the channel at once. */
	void (*abort)(void *ctx);
	/* Primary: starts a connection to the backup; it reports through
	 * ft_roles_channel_up() and ft_roles_connected(). */
	void (*connect)(void *ctx);
	/* One heartbeat datagram to the peer. */
	void (*heartbeat)(void *ctx, const uint8_t *dgram, size_t len);
	uint64_t (*now_us)(void *ctx);
};

struct ft_transport {
	const struct ft_transport_ops *ops;
	void *ctx;
};

/* What this side is and runs: HELLO's fields (the primary sends them, the
 * backup compares them with its own). */
struct ft_identity {
	uint64_t run_id;       /* primary: this boot's; backup: unused */
	uint64_t guest_hash;   /* image, command line, RAM size (0: no guest) */
	uint32_t counter;      /* enum execpoint_choice in use */
	uint64_t ram_size;
	uint64_t cpu_model;    /* hash of the virtual CPU model */
};

struct ft_roles_config {
	enum ft_role role;
	const char *peer;            /* the peer's address, for messages */
	uint64_t hb_interval_ms, hb_timeout_ms;
	uint64_t corrupt_seq;        /* fault injection: damage this batch once (0: off) */
	struct ft_identity me;
};

struct ft_roles {
	struct ft_roles_config c;
	struct ft_transport t;
	struct event_log *log;

	/* the logging channel */
	int chan_open;               /* the transport has a connection */
	int welcomed;                /* the handshake completed on it */
	int ack_pending;             /* backup: an ACK could not be queued yet */
	uint64_t connected_ms;
	uint64_t connects, resets;
	uint64_t next_connect_ms;
	struct ft_rx rx;
	int got_batch;               /* backup: a batch came in this delivery */

	/* primary: what was sent and acknowledged (acknowledged batches are
	 * released at once, so all the log holds is unacknowledged) */
	uint64_t send_seq;
	uint64_t acked_seq, acked_event;
	int drop_warned;
	int catch_up_refused;        /* a backup asked for released batches: stop connecting */
	int corrupted;
	uint64_t grace_until_ms;     /* flow control waits for the backup until then (0: not) */
	uint64_t progress_ms;        /* an ACK last moved on, or nothing was unacknowledged */
	char unprotected_why[160];   /* why the primary runs unprotected, as last said ("": protected) */
	uint64_t refusals;
	int refused;                 /* the backup refused the channel since the last welcome */
	uint64_t pauses;             /* flow control paused the guest (counted by the run loop's hook) */

	/* backup: what was received and verified, and of which run */
	struct log_reader recv_reader;
	uint64_t run_id;             /* the run followed (0: none yet) */
	uint64_t acked_upto;
	uint64_t batches_in, bad_batches;
	int stranger_run_said;       /* heartbeats of another run were reported */

	/* heartbeats */
	uint32_t hb_seq;
	uint64_t next_hb_ms, last_heard_ms, hb_heard;
	int peer_silent, ever_heard;
	struct ft_heartbeat peer_hb;

	/* figures */
	uint64_t bytes_out, bytes_in;
	uint64_t start_ms;

	/* primary, for the channel benchmark: when each batch was sent, and
	 * the round trips of the ACKs covering them */
	uint64_t *sent_us;
	size_t sent_cap;
	struct rtt_stats *ack_rtt;
};

/* rxbuf: FT_MSG_HEADER_SIZE + FT_MSG_MAX_PAYLOAD bytes (or fewer, for
 * tests: then larger messages are a protocol error). */
void ft_roles_init(struct ft_roles *s, const struct ft_roles_config *c, struct ft_transport t,
		   struct event_log *log, uint8_t *rxbuf, size_t rxcap);

/* From the transport. */
void ft_roles_channel_up(struct ft_roles *s);     /* a connection exists (accepted or started) */
void ft_roles_connected(struct ft_roles *s);      /* primary: it is established: say HELLO */
/* The backup accepted a connection while one is open: the old one ends. */
void ft_roles_replace_channel(struct ft_roles *s);
/* The peer closed the channel (why NULL) or it failed; the transport has
 * already dropped it. */
void ft_roles_channel_lost(struct ft_roles *s, const char *why);
/* Bytes of the channel: returns how many were taken (fewer when the
 * receive buffer is full; the rest must be offered again). */
size_t ft_roles_receive(struct ft_roles *s, const uint8_t *data, size_t n);
/* The end of one delivery: the backup acknowledges what came in it. */
void ft_roles_delivered(struct ft_roles *s);
/* A datagram from the peer's address on the heartbeat port. */
void ft_roles_heartbeat(struct ft_roles *s, const uint8_t *dgram, size_t len);

/* Timers and retries (heartbeats, silence, handshake limit, connecting,
 * sending batches, grace); guest_count goes into the heartbeat. */
void ft_roles_service(struct ft_roles *s, uint64_t guest_count);
/* Primary: whether the guest must wait for the backup now. */
int ft_roles_flow_controlled(struct ft_roles *s);
/* The primary's unacknowledged log (all it holds). */
uint64_t ft_roles_unacked_bytes(const struct ft_roles *s);
/* Primary: why no backup will acknowledge the rest of the log (it refused
 * the channel, cannot catch up, or fell silent), or NULL while one still
 * may (one never heard may still come). */
const char *ft_roles_no_backup(const struct ft_roles *s);
/* The backup knows of no primary any more: it was heard, and is silent. */
int ft_roles_primary_gone(const struct ft_roles *s);

/* The 'ft' figures, on the console. */
void ft_roles_print_status(const struct ft_roles *s, uint64_t guest_count);

#endif
