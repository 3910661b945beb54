#include "hv/ft/ft_roles.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/bench/bench_stats.h"
#include "hv/ft/ft_policy.h"
#include "hv/lib/log.h"

static uint64_t now_us(const struct ft_roles *s)
{
	return s->t.ops->now_us(s->t.ctx);
}

static uint64_t now_ms(const struct ft_roles *s)
{
	return now_us(s) / 1000;
}

static int is_primary(const struct ft_roles *s)
{
	return s->c.role == FT_ROLE_PRIMARY;
}

/* ---------------------------------------------------------------- */
/* the channel                                                       */

static int send_msg(struct ft_roles *s, enum ft_msg_type type, const void *payload, uint32_t len)
{
	if (!s->chan_open || s->t.ops->send(s->t.ctx, type, payload, len) != 0)
		return -1;
	s->bytes_out += FT_MSG_HEADER_SIZE + len;
	return 0;
}

/* The channel is gone (whoever ended it): forget it, try again later. */
static void forget_channel(struct ft_roles *s, uint64_t retry_ms)
{
	if (s->welcomed && is_primary(s))
		s->grace_until_ms = now_ms(s) + FT_RECONNECT_GRACE_MS;
	s->chan_open = 0;
	s->welcomed = 0;
	s->ack_pending = 0;
	ft_rx_reset(&s->rx);
	s->next_connect_ms = now_ms(s) + retry_ms;
}

/* Ends the channel in an orderly way, so that a queued REFUSE still
 * reaches the peer. */
static void refuse_channel(struct ft_roles *s, uint64_t retry_ms)
{
	s->t.ops->refuse(s->t.ctx);
	forget_channel(s, retry_ms);
}

static void close_channel(struct ft_roles *s, const char *why)
{
	if (s->chan_open)
		s->t.ops->abort(s->t.ctx);
	ft_roles_channel_lost(s, why);
}

void ft_roles_channel_lost(struct ft_roles *s, const char *why)
{
	if (s->welcomed || why)
		log_warn("ft", "logging channel to %s closed: %s", s->c.peer, why ? why : "peer closed it");
	s->resets++;
	forget_channel(s, FT_RECONNECT_MS);
}

void ft_roles_channel_up(struct ft_roles *s)
{
	s->chan_open = 1;
	s->welcomed = 0;
	s->connected_ms = now_ms(s);
	ft_rx_reset(&s->rx);
	s->connects++;
}

void ft_roles_replace_channel(struct ft_roles *s)
{
	if (s->chan_open)
		close_channel(s, "the primary connected again");
}

/* ---------------------------------------------------------------- */
/* primary                                                           */

/* Said once for each reason until a backup takes log again. */
static void say_unprotected(struct ft_roles *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say_unprotected(struct ft_roles *s, const char *fmt, ...)
{
	s->grace_until_ms = 0;
	char why[sizeof(s->unprotected_why)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (strcmp(why, s->unprotected_why) == 0)
		return;
	memcpy(s->unprotected_why, why, sizeof(why));
	log_warn("ft", "the primary runs unprotected (its guest does not wait for a backup): %s", why);
}

void ft_roles_connected(struct ft_roles *s)
{
	const struct ft_identity *me = &s->c.me;
	struct ft_hello h = { FT_PROTO_VERSION, me->counter, me->guest_hash, me->ram_size,
			      me->run_id, me->cpu_model };
	uint8_t buf[FT_HELLO_SIZE];
	ft_hello_encode(&h, buf);
	send_msg(s, FT_MSG_HELLO, buf, sizeof(buf));
	if (s->chan_open)
		s->t.ops->flush(s->t.ctx);
}

static void send_batches(struct ft_roles *s)
{
	struct event_log *log = s->log;
	while (s->chan_open && s->welcomed && s->send_seq < log->seq) {
		struct event_log_batch b;
		if (event_log_batch(log, s->send_seq, &b) != 0) {
			log_error("ft", "batch %llu, which backup %s still needs, was dropped from the full "
					"log; that backup cannot catch up any more",
				  (unsigned long long)s->send_seq, s->c.peer);
			close_channel(s, "the backup fell too far behind");
			say_unprotected(s, "batch %llu, which backup %s needs, was dropped",
					(unsigned long long)s->send_seq, s->c.peer);
			return;
		}
		const uint8_t *batch = b.data;
		uint8_t *damaged = NULL;
		if (s->c.corrupt_seq && s->send_seq == s->c.corrupt_seq && !s->corrupted) {
			/* Fault injection: one flipped bit on the wire, the log stays good. */
			damaged = malloc(b.size);
			if (!damaged)
				return;
			memcpy(damaged, batch, b.size);
			damaged[b.size / 2] ^= 0x04;
			batch = damaged;
		}
		int rc = send_msg(s, FT_MSG_BATCH, batch, (uint32_t)b.size);
		if (damaged) {
			free(damaged);
			if (rc == 0) {
				s->corrupted = 1;
				log_warn("ft", "fault injection: batch %llu sent with a flipped bit",
					 (unsigned long long)s->send_seq);
			}
		}
		if (rc != 0)
			break;
		if (s->send_seq < s->sent_cap)
			s->sent_us[s->send_seq] = now_us(s);
		s->send_seq++;
	}
	if (s->chan_open)
		s->t.ops->flush(s->t.ctx);
}

/*
 * A backup asks for batches the log no longer holds. Anything else it could
 * be sent would be a wrong stream, so it gets nothing; and as the oldest
 * batch held only moves on, no backup will ever be served from this log
 * again: stop connecting.
 */
static void refuse_catch_up(struct ft_roles *s, uint64_t want)
{
	log_error("ft", "refusing backup %s: it asks for batch %llu, but the log now starts at batch "
			"%llu (event %llu); a new backup needs a state transfer (re-protect), which "
			"ftvisor cannot do yet",
		  s->c.peer, (unsigned long long)want, (unsigned long long)s->log->oldest,
		  (unsigned long long)event_log_oldest_event(s->log));
	s->catch_up_refused = 1;
	refuse_channel(s, FT_RECONNECT_MS);
	say_unprotected(s, "no backup can catch up from this log any more");
}

/* The backup has everything before batch next_seq: which event that is,
 * the primary's own batch headers say (never the peer). */
/* The backup acknowledges up to next_seq: if that moves on, it takes log. */
static void note_progress(struct ft_roles *s, uint64_t next_seq)
{
	if (next_seq > s->acked_seq) {
		s->progress_ms = now_ms(s);
		s->unprotected_why[0] = 0; /* protected again: a new end is worth saying */
	}
}

static void take_ack(struct ft_roles *s, uint64_t next_seq)
{
	note_progress(s, next_seq);
	s->acked_event = event_log_first_event(s->log, next_seq);
	for (; s->acked_seq < next_seq; s->acked_seq++)
		if (s->acked_seq < s->sent_cap)
			rtt_stats_add(s->ack_rtt, now_us(s) - s->sent_us[s->acked_seq]);
	s->acked_seq = next_seq;
	event_log_release(s->log, next_seq);
}

static void primary_got_welcome(struct ft_roles *s, const struct ft_msg *m)
{
	struct ft_ack a;
	if (ft_ack_decode(m->payload, m->len, &a) != 0) {
		close_channel(s, "malformed WELCOME");
		return;
	}
	if (a.run_id != s->c.me.run_id) {
		close_channel(s, "the WELCOME is for another run");
		return;
	}
	switch (ft_resume_at(a.next_seq, s->log->oldest, s->log->seq)) {
	case FT_RESUME_AHEAD:
		close_channel(s, "the WELCOME asks for a batch never written");
		return;
	case FT_RESUME_RELEASED:
		refuse_catch_up(s, a.next_seq);
		return;
	case FT_RESUME_OK:
		break;
	}
	s->welcomed = 1;
	s->refused = 0;
	s->grace_until_ms = 0;
	note_progress(s, a.next_seq);
	s->send_seq = a.next_seq;
	s->acked_seq = a.next_seq;
	take_ack(s, a.next_seq);
	log_info("ft", "backup %s accepted the channel; sending from batch %llu (event %llu)",
		 s->c.peer, (unsigned long long)a.next_seq, (unsigned long long)s->acked_event);
}

static void primary_got_msg(struct ft_roles *s, const struct ft_msg *m)
{
	struct ft_ack a;
	switch (m->type) {
	case FT_MSG_WELCOME:
		primary_got_welcome(s, m);
		break;
	case FT_MSG_REFUSE:
		s->refusals++;
		s->refused = 1;
		log_error("ft", "backup %s refused the channel: %.*s", s->c.peer, (int)m->len,
			  (const char *)m->payload);
		refuse_channel(s, FT_REFUSED_RETRY_MS);
		say_unprotected(s, "backup %s refused the channel: %.*s", s->c.peer, (int)m->len,
				(const char *)m->payload);
		break;
	case FT_MSG_ACK:
		if (!s->welcomed || ft_ack_decode(m->payload, m->len, &a) != 0 ||
		    a.run_id != s->c.me.run_id || a.next_seq > s->send_seq || a.next_seq < s->acked_seq) {
			close_channel(s, "malformed or impossible ACK");
			return;
		}
		take_ack(s, a.next_seq);
		break;
	default:
		close_channel(s, "unexpected message from the backup");
		break;
	}
}

/* Said once: from the first batch dropped on, the log cannot start a
 * backup from the first event any more. */
static void warn_if_dropped(struct ft_roles *s)
{
	const struct event_log *log = s->log;
	if (!log->dropped || s->drop_warned)
		return;
	s->drop_warned = 1;
	log_warn("ft", "the log is full (%llu KiB) and no backup acknowledges it: dropping the "
		       "oldest unacknowledged batches (it now starts at batch %llu, event %llu); a "
		       "backup that joins later can no longer catch up from event 0",
		 (unsigned long long)(log->cap / 1024), (unsigned long long)log->oldest,
		 (unsigned long long)event_log_oldest_event(log));
}

int ft_roles_flow_controlled(struct ft_roles *s)
{
	if (!is_primary(s))
		return 0;
	uint64_t now = now_ms(s);
	if (s->welcomed && s->peer_silent) {
		say_unprotected(s, "backup %s fell silent", s->c.peer);
		return 0;
	}
	if (!s->welcomed && s->grace_until_ms && now >= s->grace_until_ms)
		say_unprotected(s, "backup %s did not return within %u ms after the channel closed",
				s->c.peer, FT_RECONNECT_GRACE_MS);
	if (!s->welcomed && !s->grace_until_ms)
		return 0;
	/* Welcomed and heard, or within its grace: it must also take the log. */
	if (now - s->progress_ms >= FT_STALL_MS) {
		say_unprotected(s, "backup %s acknowledged no log for %u ms", s->c.peer, FT_STALL_MS);
		return 0;
	}
	return 1;
}

const char *ft_roles_no_backup(const struct ft_roles *s)
{
	if (s->catch_up_refused)
		return "no backup can catch up";
	if (s->refused)
		return "the backup refused the channel";
	if (s->peer_silent && s->ever_heard)
		return "the backup fell silent";
	return NULL;
}

uint64_t ft_roles_unacked_bytes(const struct ft_roles *s)
{
	return event_log_held(s->log);
}

/* ---------------------------------------------------------------- */
/* backup                                                            */

/* A failed send (no room) is retried from the service loop: the primary
 * must eventually hear about every batch. */
static void backup_send_ack(struct ft_roles *s, enum ft_msg_type type)
{
	uint8_t buf[FT_ACK_SIZE];
	struct ft_ack a = { s->run_id, s->recv_reader.next_seq };
	ft_ack_encode(&a, buf);
	s->ack_pending = send_msg(s, type, buf, sizeof(buf)) != 0;
	if (!s->ack_pending) {
		s->acked_upto = a.next_seq;
		s->t.ops->flush(s->t.ctx);
	}
}

/* The batches replay is done with and the primary knows we have. */
static void backup_release(struct ft_roles *s)
{
	event_log_release(s->log, ft_backup_release_before(event_log_read_seq(s->log), s->acked_upto));
}

static void backup_got_batch(struct ft_roles *s, const struct ft_msg *m)
{
	struct log_reader r = s->recv_reader;
	struct log_batch_info info;
	char why[160];
	enum log_error err = log_reader_next(&r, m->payload, m->len, &info, NULL, 0, why, sizeof(why));
	if (err == LOG_OK && info.size != m->len) {
		err = LOG_ERR_HEADER;
		snprintf(why, sizeof(why), "a BATCH message carries bytes after its batch");
	}
	if (err != LOG_OK) {
		/* Nothing of it is kept: the primary resends from the last ACK. */
		s->bad_batches++;
		log_error("ft", "corrupt batch on the wire from %s: %s; resetting the connection, "
				"nothing from it is replayed", s->c.peer, why);
		close_channel(s, "corrupt batch");
		return;
	}
	backup_release(s);
	if (event_log_append_batch(s->log, m->payload, m->len) != 0) {
		log_error("ft", "the backup's log is full (%llu of %llu KiB held): replay is %llu events "
				"behind what was received; closing the channel until it catches up (or "
				"raise replay.log_mb)",
			  (unsigned long long)(event_log_held(s->log) / 1024),
			  (unsigned long long)(s->log->cap / 1024),
			  (unsigned long long)(s->recv_reader.next_event - event_log_read_index(s->log)));
		close_channel(s, "backup log full");
		return;
	}
	s->recv_reader = r;
	s->batches_in++;
	s->got_batch = 1;
}

/* Why the backup cannot follow this primary, or NULL. */
static const char *backup_refusal(struct ft_roles *s, const struct ft_hello *h, char *buf,
				  size_t size)
{
	const struct ft_identity *me = &s->c.me;
	if (h->guest_hash != me->guest_hash)
		return "the primary runs another guest (image, command line or RAM differ)";
	if (h->counter != me->counter)
		return "the primary counts execution points with another backend";
	if (h->cpu_model != me->cpu_model)
		return "the primary's virtual CPU model differs";
	if (!h->run_id)
		return "the primary sent no run id";
	if (s->run_id && h->run_id != s->run_id && s->recv_reader.next_seq) {
		snprintf(buf, size, "the primary rebooted (run id %016llx, this backup follows run "
				    "%016llx and has received %llu events of it): a running backup "
				    "cannot follow a new execution",
			 (unsigned long long)h->run_id, (unsigned long long)s->run_id,
			 (unsigned long long)s->recv_reader.next_event);
		return buf;
	}
	return NULL;
}

static void backup_got_hello(struct ft_roles *s, const struct ft_msg *m)
{
	struct ft_hello h;
	char buf[200];
	const char *no = ft_hello_decode(m->payload, m->len, &h) != 0
				 ? "malformed HELLO"
				 : backup_refusal(s, &h, buf, sizeof(buf));
	if (no) {
		log_error("ft", "refusing primary %s: %s", s->c.peer, no);
		send_msg(s, FT_MSG_REFUSE, no, (uint32_t)strlen(no));
		refuse_channel(s, FT_RECONNECT_MS);
		return;
	}
	if (s->run_id && h.run_id != s->run_id)
		log_warn("ft", "primary %s started a new run (run id %016llx after %016llx); nothing "
			       "of the old one was received: following the new one",
			 s->c.peer, (unsigned long long)h.run_id, (unsigned long long)s->run_id);
	s->run_id = h.run_id;
	s->stranger_run_said = 0;
	s->welcomed = 1;
	log_info("ft", "primary %s connected (run id %016llx); resuming at batch %llu", s->c.peer,
		 (unsigned long long)s->run_id, (unsigned long long)s->recv_reader.next_seq);
	backup_send_ack(s, FT_MSG_WELCOME);
}

static void backup_got_msg(struct ft_roles *s, const struct ft_msg *m)
{
	switch (m->type) {
	case FT_MSG_HELLO:
		backup_got_hello(s, m);
		break;
	case FT_MSG_BATCH:
		if (!s->welcomed) {
			close_channel(s, "BATCH before HELLO");
			return;
		}
		backup_got_batch(s, m);
		break;
	default:
		close_channel(s, "unexpected message from the primary");
		break;
	}
}

int ft_roles_primary_gone(const struct ft_roles *s)
{
	/* A primary never heard has not failed, it has not arrived yet. */
	return s->peer_silent && s->ever_heard;
}

/* ---------------------------------------------------------------- */
/* receiving                                                         */

/* The peer showed life (a heartbeat, or traffic on a welcomed channel). */
static void heard(struct ft_roles *s)
{
	uint64_t now = now_ms(s);
	if (s->peer_silent)
		log_info("ft", "peer %s heard again after %llu ms of silence", s->c.peer,
			 (unsigned long long)(now - s->last_heard_ms));
	s->peer_silent = 0;
	s->ever_heard = 1;
	s->last_heard_ms = now;
}

size_t ft_roles_receive(struct ft_roles *s, const uint8_t *data, size_t n)
{
	if (!s->chan_open)
		return 0;
	size_t took = ft_rx_feed(&s->rx, data, n);
	s->bytes_in += took;
	/* Log traffic of a welcomed channel is a sign of life, as heartbeats are. */
	if (s->welcomed)
		heard(s);
	struct ft_msg m;
	enum ft_rx_result r = FT_RX_NONE;
	while (s->chan_open && (r = ft_rx_next(&s->rx, &m)) == FT_RX_MSG) {
		if (is_primary(s))
			primary_got_msg(s, &m);
		else
			backup_got_msg(s, &m);
	}
	if (s->chan_open && r == FT_RX_ERROR) {
		log_error("ft", "bad message on the logging channel from %s: %s", s->c.peer,
			  s->rx.error);
		close_channel(s, "protocol error");
	}
	return took;
}

void ft_roles_delivered(struct ft_roles *s)
{
	if (s->got_batch && s->chan_open && s->welcomed)
		backup_send_ack(s, FT_MSG_ACK); /* one cumulative ACK per delivery */
	s->got_batch = 0;
}

/* ---------------------------------------------------------------- */
/* heartbeats                                                        */

/* A backup that follows a run hears only that run's primary: heartbeats of
 * a rebooted one are no sign that the execution it follows goes on. */
static int of_another_run(struct ft_roles *s, const struct ft_heartbeat *hb)
{
	if (is_primary(s) || !s->run_id || hb->run_id == s->run_id)
		return 0;
	if (!s->stranger_run_said) {
		s->stranger_run_said = 1;
		log_warn("ft", "heartbeats from %s carry run id %016llx, not the run this backup "
			       "follows (%016llx): they do not count as the primary alive",
			 s->c.peer, (unsigned long long)hb->run_id, (unsigned long long)s->run_id);
	}
	return 1;
}

void ft_roles_heartbeat(struct ft_roles *s, const uint8_t *dgram, size_t len)
{
	struct ft_heartbeat hb;
	if (ft_heartbeat_decode(dgram, len, &hb) != 0 || of_another_run(s, &hb))
		return; /* not our peer's heartbeat: ignore it, never trust it */
	heard(s);
	s->peer_hb = hb;
	s->hb_heard++;
}

static void heartbeat_tick(struct ft_roles *s, uint64_t now, uint64_t guest_count)
{
	if (now >= s->next_hb_ms) {
		uint8_t buf[FT_HEARTBEAT_SIZE];
		struct ft_heartbeat hb = {
			(uint8_t)s->c.role, ++s->hb_seq, (uint32_t)now,
			is_primary(s) ? s->log->appended : s->recv_reader.next_event, guest_count,
			is_primary(s) ? s->c.me.run_id : s->run_id,
		};
		ft_heartbeat_encode(&hb, buf);
		s->t.ops->heartbeat(s->t.ctx, buf, sizeof(buf));
		s->next_hb_ms = now + s->c.hb_interval_ms;
	}
	uint64_t ref = s->ever_heard ? s->last_heard_ms : s->start_ms;
	uint64_t since = now > ref ? now - ref : 0;
	if (!s->peer_silent && since > s->c.hb_timeout_ms) {
		/* Said once per silence; a peer not yet heard is only waited for. */
		s->peer_silent = 1;
		log_warn("ft", "peer %s (%s) silent for %llu ms%s: noticed by the %s", s->c.peer,
			 is_primary(s) ? "backup" : "primary", (unsigned long long)since,
			 s->ever_heard ? "" : " (never heard)", is_primary(s) ? "primary" : "backup");
	}
}

/* ---------------------------------------------------------------- */

void ft_roles_service(struct ft_roles *s, uint64_t guest_count)
{
	uint64_t now = now_ms(s);
	heartbeat_tick(s, now, guest_count);
	if (s->chan_open && !s->welcomed && now - s->connected_ms > FT_HANDSHAKE_MS)
		close_channel(s, "no handshake within the time limit");
	if (!is_primary(s)) {
		if (s->chan_open && s->welcomed && s->ack_pending)
			backup_send_ack(s, FT_MSG_ACK);
		backup_release(s);
		return;
	}
	warn_if_dropped(s);
	if (s->acked_seq >= s->log->seq)
		s->progress_ms = now; /* nothing to acknowledge: the backup is not behind */
	ft_roles_flow_controlled(s); /* says so when protection ended */
	if (!s->chan_open && !s->catch_up_refused && now >= s->next_connect_ms) {
		s->next_connect_ms = now + FT_RECONNECT_MS;
		s->t.ops->connect(s->t.ctx);
	}
	send_batches(s);
}

void ft_roles_init(struct ft_roles *s, const struct ft_roles_config *c, struct ft_transport t,
		   struct event_log *log, uint8_t *rxbuf, size_t rxcap)
{
	memset(s, 0, sizeof(*s));
	s->c = *c;
	s->t = t;
	s->log = log;
	s->start_ms = now_ms(s);
	s->progress_ms = s->start_ms;
	log_reader_init(&s->recv_reader);
	ft_rx_init(&s->rx, rxbuf, rxcap);
}

/* ---------------------------------------------------------------- */

static const char *primary_link(const struct ft_roles *s)
{
	if (s->welcomed)
		return "streaming";
	if (s->catch_up_refused)
		return "not connected (no backup can catch up)";
	return s->grace_until_ms ? "not connected (waiting for the backup to return)"
				 : "not connected (unprotected)";
}

void ft_roles_print_status(const struct ft_roles *s, uint64_t guest_count)
{
	const struct event_log *log = s->log;
	uint64_t secs = (now_ms(s) - s->start_ms) / 1000 + 1;
	if (is_primary(s))
		log_info("ft", "primary: peer %s %s; run id %016llx; log %llu events, %llu batches, "
			       "%llu bytes; held %llu of %llu KiB from batch %llu, %llu batches "
			       "dropped; sent %llu, acked %llu batches (event %llu); unacked %llu KiB; "
			       "%llu events/s; %llu pauses; %llu refusals; %llu connects, %llu resets",
			 s->c.peer, primary_link(s), (unsigned long long)s->c.me.run_id,
			 (unsigned long long)log->appended, (unsigned long long)log->seq,
			 (unsigned long long)log->bytes,
			 (unsigned long long)(event_log_held(log) / 1024),
			 (unsigned long long)(log->cap / 1024), (unsigned long long)log->oldest,
			 (unsigned long long)log->dropped, (unsigned long long)s->send_seq,
			 (unsigned long long)s->acked_seq, (unsigned long long)s->acked_event,
			 (unsigned long long)(ft_roles_unacked_bytes(s) / 1024),
			 (unsigned long long)(log->appended / secs), (unsigned long long)s->pauses,
			 (unsigned long long)s->refusals,
			 (unsigned long long)s->connects, (unsigned long long)s->resets);
	else
		log_info("ft", "backup: peer %s %s; run id %016llx; received %llu events in %llu "
			       "batches, replayed %llu (lag %llu events, %lld instructions behind the "
			       "last heartbeat); log held %llu of %llu KiB from batch %llu; %llu bad "
			       "batches; %llu events/s",
			 s->c.peer, s->welcomed ? "streaming" : "not connected",
			 (unsigned long long)s->run_id, (unsigned long long)s->recv_reader.next_event,
			 (unsigned long long)s->batches_in,
			 (unsigned long long)event_log_read_index(log),
			 (unsigned long long)(s->recv_reader.next_event - event_log_read_index(log)),
			 (long long)(s->peer_hb.count > guest_count ? s->peer_hb.count - guest_count : 0),
			 (unsigned long long)(event_log_held(log) / 1024),
			 (unsigned long long)(log->cap / 1024), (unsigned long long)log->oldest,
			 (unsigned long long)s->bad_batches,
			 (unsigned long long)(event_log_read_index(log) / secs));
	log_info("ft", "heartbeats: %llu heard from %s, peer %s", (unsigned long long)s->hb_heard,
		 s->c.peer, s->peer_silent ? "SILENT" : "alive");
}
