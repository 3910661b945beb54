/*
 * hv/ft/ft_roles.c driven through a fake transport: the primary's flow
 * control applies to a welcomed backup (and a bounded grace after its
 * channel closed), never to one that is only heard, and the primary says
 * once that it runs unprotected, with the reason; run ids (a backup that
 * received log of one run refuses a rebooted primary, a fresh one follows
 * it; WELCOME and ACK of another run close the channel); the acknowledged
 * event comes from the primary's own batch headers; a different virtual
 * CPU model or guest is refused by name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/ft/ft_roles.h"
#include "tests/unit/fakes/fake_transport.h"
#include "tests/unit/fakes/fake_serial.h"

#define RUN_A 0x1111222233334444ull
#define RUN_B 0x5555666677778888ull
#define GUEST 0x6765737431323334ull
#define CPU_MODEL 0x0c0ffee0c0ffee00ull
#define HB_INTERVAL_MS 100
#define HB_TIMEOUT_MS 4000
#define LOG_BYTES (64u << 10)
#define EVENTS_PER_BATCH 3

struct rig {
	struct fake_net net;
	struct event_log log;
	struct ft_roles s;
	uint8_t rxbuf[FT_MSG_HEADER_SIZE + EVENT_LOG_BATCH_BYTES];
};

static struct rig *rig_new(enum ft_role role, uint64_t run_id)
{
	struct rig *r = test_calloc(1, sizeof(*r));
	assert_non_null(r);
	assert_int_equal(event_log_init(&r->log, LOG_BYTES, EVENT_LOG_BATCH_BYTES), 0);
	struct ft_roles_config c = {
		.role = role,
		.peer = "10.0.0.2",
		.hb_interval_ms = HB_INTERVAL_MS,
		.hb_timeout_ms = HB_TIMEOUT_MS,
		.me = { run_id, GUEST, 0, 64u << 20, CPU_MODEL },
	};
	r->net.now_us = 1000000;
	ft_roles_init(&r->s, &c, fake_transport(&r->net), &r->log, r->rxbuf, sizeof(r->rxbuf));
	fake_console_reset();
	return r;
}

static void rig_free(struct rig *r)
{
	free(r->log.buf);
	free(r->log.starts);
	free(r->log.batch);
	free(r->log.decoded);
	test_free(r);
}

/* Finishes n batches of EVENTS_PER_BATCH time reads each. */
static void add_batches(struct event_log *log, int n)
{
	for (int b = 0; b < n; b++) {
		for (int i = 0; i < EVENTS_PER_BATCH; i++) {
			struct ev e = { .type = EV_TSC, .value = 1000 + log->appended,
					.at = { log->appended + 1, 0x1000, 0 } };
			assert_int_equal(event_log_append(log, &e), 0);
		}
		event_log_flush(log);
	}
}

static void advance_ms(struct rig *r, uint64_t ms)
{
	r->net.now_us += ms * 1000;
}

/* One message from the peer, delivered whole. */
static void deliver(struct rig *r, enum ft_msg_type type, const void *payload, uint32_t len)
{
	uint8_t buf[FT_MSG_HEADER_SIZE + EVENT_LOG_BATCH_BYTES];
	assert_true(len <= EVENT_LOG_BATCH_BYTES);
	ft_msg_header(buf, type, len);
	memcpy(buf + FT_MSG_HEADER_SIZE, payload, len);
	assert_int_equal(ft_roles_receive(&r->s, buf, FT_MSG_HEADER_SIZE + len),
			 FT_MSG_HEADER_SIZE + len);
	ft_roles_delivered(&r->s);
}

static void deliver_ack(struct rig *r, enum ft_msg_type type, uint64_t run_id, uint64_t next_seq)
{
	uint8_t buf[FT_ACK_SIZE];
	struct ft_ack a = { run_id, next_seq };
	ft_ack_encode(&a, buf);
	deliver(r, type, buf, sizeof(buf));
}

static void deliver_hello(struct rig *r, uint64_t run_id, uint64_t guest, uint64_t cpu_model)
{
	uint8_t buf[FT_HELLO_SIZE];
	struct ft_hello h = { FT_PROTO_VERSION, 0, guest, 64u << 20, run_id, cpu_model };
	ft_hello_encode(&h, buf);
	deliver(r, FT_MSG_HELLO, buf, sizeof(buf));
}

static void peer_heartbeat(struct rig *r, enum ft_role role, uint64_t run_id)
{
	uint8_t buf[FT_HEARTBEAT_SIZE];
	struct ft_heartbeat hb = { (uint8_t)role, 1, 0, 0, 0, run_id };
	ft_heartbeat_encode(&hb, buf);
	ft_roles_heartbeat(&r->s, buf, sizeof(buf));
}

/* Time passes in heartbeat steps, the peer heard at every one. */
static void live_peer_for(struct rig *r, enum ft_role peer_role, uint64_t run_id, uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += HB_INTERVAL_MS) {
		advance_ms(r, HB_INTERVAL_MS);
		peer_heartbeat(r, peer_role, run_id);
		ft_roles_service(&r->s, 0);
	}
}

/* The primary connected and said HELLO with its run id. */
static void primary_connects(struct rig *r)
{
	ft_roles_channel_up(&r->s);
	ft_roles_connected(&r->s);
	const struct fake_msg *m = fake_sent(&r->net, 0);
	assert_non_null(m);
	assert_int_equal(m->type, FT_MSG_HELLO);
	struct ft_hello h;
	assert_int_equal(ft_hello_decode(m->payload, m->len, &h), 0);
	assert_int_equal(h.run_id, r->s.c.me.run_id);
	assert_int_equal(h.cpu_model, CPU_MODEL);
	assert_int_equal(h.proto_version, FT_PROTO_VERSION);
}

static void assert_said_once(const char *what)
{
	if (fake_console_count(what) != 1)
		fail_msg("want '%s' said once, the console has:\n%s", what, fake_console());
}

/* ---- flow control ---- */

/* The defect: a backup heard on the heartbeats but refusing the channel
 * froze the primary's guest. Now it runs on and says so once. */
static void test_refusing_backup_does_not_hold_the_guest(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_PRIMARY, RUN_A);
	add_batches(&r->log, 20);
	live_peer_for(r, FT_ROLE_BACKUP, 0, 1000);
	assert_null(ft_roles_no_backup(&r->s));
	primary_connects(r);
	static const char no[] = "the primary runs another guest (image, command line or RAM differ)";
	deliver(r, FT_MSG_REFUSE, no, sizeof(no) - 1);
	assert_int_equal(r->net.refused, 1);
	assert_false(r->s.chan_open);
	assert_true(r->s.ever_heard && !r->s.peer_silent);
	assert_false(ft_roles_flow_controlled(&r->s));
	assert_said_once("the primary runs unprotected");
	assert_said_once("ft: ERROR: backup 10.0.0.2 refused the channel: the primary runs another guest");
	/* Nor does the end of the run wait for it. */
	assert_string_equal(ft_roles_no_backup(&r->s), "the backup refused the channel");

	/* It keeps being refused while heard: the guest is never held, and the
	 * console does not repeat itself. */
	for (int i = 0; i < 5; i++) {
		live_peer_for(r, FT_ROLE_BACKUP, 0, FT_REFUSED_RETRY_MS);
		primary_connects(r);
		deliver(r, FT_MSG_REFUSE, no, sizeof(no) - 1);
		assert_false(ft_roles_flow_controlled(&r->s));
	}
	assert_said_once("the primary runs unprotected");
	assert_int_equal(r->s.refusals, 6);
	rig_free(r);
}

/* A backup that was never welcomed, but is heard: no flow control. */
static void test_heard_backup_never_welcomed(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_PRIMARY, RUN_A);
	add_batches(&r->log, 20);
	live_peer_for(r, FT_ROLE_BACKUP, 0, 2000);
	assert_false(ft_roles_flow_controlled(&r->s));
	rig_free(r);
}

/* A welcomed backup holds the guest; when its channel closes, it still
 * does for the grace period, then the primary runs unprotected. */
static void test_welcomed_backup_and_grace(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_PRIMARY, RUN_A);
	add_batches(&r->log, 5);
	primary_connects(r);
	deliver_ack(r, FT_MSG_WELCOME, RUN_A, 0);
	assert_true(r->s.welcomed);
	live_peer_for(r, FT_ROLE_BACKUP, RUN_A, 500);
	assert_true(ft_roles_flow_controlled(&r->s));
	assert_int_equal(r->s.send_seq, 5);
	deliver_ack(r, FT_MSG_ACK, RUN_A, 3); /* it takes log: two batches still unacknowledged */

	ft_roles_channel_lost(&r->s, NULL);
	assert_true(ft_roles_flow_controlled(&r->s));
	live_peer_for(r, FT_ROLE_BACKUP, RUN_A, FT_RECONNECT_GRACE_MS - 2 * HB_INTERVAL_MS);
	assert_true(ft_roles_flow_controlled(&r->s));
	assert_int_equal(fake_console_count("runs unprotected"), 0);
	live_peer_for(r, FT_ROLE_BACKUP, RUN_A, 3 * HB_INTERVAL_MS);
	assert_false(ft_roles_flow_controlled(&r->s));
	assert_said_once("did not return within 5000 ms");

	/* Welcomed again: protected again, and a later loss is said again. */
	primary_connects(r);
	deliver_ack(r, FT_MSG_WELCOME, RUN_A, 5);
	assert_true(ft_roles_flow_controlled(&r->s));
	ft_roles_channel_lost(&r->s, "test");
	live_peer_for(r, FT_ROLE_BACKUP, RUN_A, FT_RECONNECT_GRACE_MS + HB_INTERVAL_MS);
	assert_false(ft_roles_flow_controlled(&r->s));
	assert_int_equal(fake_console_count("did not return within"), 2);
	rig_free(r);
}

/* A welcomed, heard backup that takes no log (its replay is stuck, it
 * reconnects again and again asking for the same batch) holds the guest
 * for FT_STALL_MS at most, said once however often it reconnects; an
 * acknowledgement that moves on protects the guest again. */
static void test_backup_that_takes_no_log(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_PRIMARY, RUN_A);
	add_batches(&r->log, 5);
	primary_connects(r);
	deliver_ack(r, FT_MSG_WELCOME, RUN_A, 0);
	live_peer_for(r, FT_ROLE_BACKUP, RUN_A, FT_STALL_MS - 2 * HB_INTERVAL_MS);
	assert_true(ft_roles_flow_controlled(&r->s));
	for (int i = 0; i < 4; i++) {
		ft_roles_channel_lost(&r->s, "backup log full");
		primary_connects(r);
		deliver_ack(r, FT_MSG_WELCOME, RUN_A, 0);
		live_peer_for(r, FT_ROLE_BACKUP, RUN_A, 2 * HB_INTERVAL_MS);
		assert_false(ft_roles_flow_controlled(&r->s));
	}
	assert_said_once("acknowledged no log for 5000 ms");
	deliver_ack(r, FT_MSG_ACK, RUN_A, 2);
	assert_true(ft_roles_flow_controlled(&r->s));
	rig_free(r);
}

/* Log traffic is a sign of life as heartbeats are: a backup whose UDP
 * heartbeats are lost but whose ACKs keep coming is heard again. */
static void test_channel_traffic_counts_as_life(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_PRIMARY, RUN_A);
	add_batches(&r->log, 5);
	primary_connects(r);
	deliver_ack(r, FT_MSG_WELCOME, RUN_A, 0);
	advance_ms(r, HB_TIMEOUT_MS + HB_INTERVAL_MS);
	ft_roles_service(&r->s, 0);
	assert_true(r->s.peer_silent);
	deliver_ack(r, FT_MSG_ACK, RUN_A, 2);
	assert_false(r->s.peer_silent);
	assert_said_once("heard again after");
	assert_true(ft_roles_flow_controlled(&r->s));
	rig_free(r);
}

/* A welcomed backup that falls silent holds the guest no longer. */
static void test_welcomed_backup_falls_silent(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_PRIMARY, RUN_A);
	add_batches(&r->log, 5);
	live_peer_for(r, FT_ROLE_BACKUP, 0, 300);
	primary_connects(r);
	deliver_ack(r, FT_MSG_WELCOME, RUN_A, 0);
	assert_true(ft_roles_flow_controlled(&r->s));
	for (int i = 0; i < (HB_TIMEOUT_MS / HB_INTERVAL_MS) + 2; i++) {
		advance_ms(r, HB_INTERVAL_MS);
		ft_roles_service(&r->s, 0);
	}
	assert_true(r->s.peer_silent);
	assert_false(ft_roles_flow_controlled(&r->s));
	assert_said_once("fell silent");

	/* It restarts and asks for batches the log no longer holds: a new
	 * reason, said too, though the primary was unprotected already. */
	ft_roles_channel_lost(&r->s, "test");
	event_log_release(&r->log, 3);
	live_peer_for(r, FT_ROLE_BACKUP, 0, 300);
	primary_connects(r);
	deliver_ack(r, FT_MSG_WELCOME, RUN_A, 0);
	assert_said_once("no backup can catch up");
	assert_said_once("fell silent");
	rig_free(r);
}

/* A (restarted) backup asks for batches already released: refused, the
 * primary stops connecting and runs unprotected. */
static void test_backup_asks_for_released_batches(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_PRIMARY, RUN_A);
	add_batches(&r->log, 8);
	event_log_release(&r->log, 4);
	live_peer_for(r, FT_ROLE_BACKUP, RUN_A, 300);
	primary_connects(r);
	deliver_ack(r, FT_MSG_WELCOME, RUN_A, 0);
	assert_false(r->s.welcomed);
	assert_true(r->s.catch_up_refused);
	assert_int_equal(r->net.refused, 1);
	assert_false(ft_roles_flow_controlled(&r->s));
	assert_said_once("no backup can catch up");
	int connects = r->net.connects;
	live_peer_for(r, FT_ROLE_BACKUP, RUN_A, 3000);
	assert_int_equal(r->net.connects, connects);
	assert_false(ft_roles_flow_controlled(&r->s));
	rig_free(r);
}

/* ---- run identity and the acknowledged event ---- */

static void test_acked_event_from_own_headers(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_PRIMARY, RUN_A);
	add_batches(&r->log, 6);
	primary_connects(r);
	deliver_ack(r, FT_MSG_WELCOME, RUN_A, 1);
	assert_int_equal(r->s.acked_event, 1 * EVENTS_PER_BATCH);
	ft_roles_service(&r->s, 0);
	assert_int_equal(r->s.send_seq, 6);
	assert_int_equal(fake_sent(&r->net, 0)->type, FT_MSG_BATCH);
	deliver_ack(r, FT_MSG_ACK, RUN_A, 4);
	assert_int_equal(r->s.acked_seq, 4);
	assert_int_equal(r->s.acked_event, 4 * EVENTS_PER_BATCH);
	assert_int_equal(r->log.oldest, 4);
	deliver_ack(r, FT_MSG_ACK, RUN_A, 6);
	assert_int_equal(r->s.acked_event, 6 * EVENTS_PER_BATCH);
	assert_int_equal(ft_roles_unacked_bytes(&r->s), 0);
	assert_true(r->s.chan_open);
	rig_free(r);
}

static void test_ack_of_another_run_closes(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_PRIMARY, RUN_A);
	add_batches(&r->log, 6);
	primary_connects(r);
	deliver_ack(r, FT_MSG_WELCOME, RUN_A, 0);
	ft_roles_service(&r->s, 0);
	assert_int_equal(r->s.send_seq, 6);
	deliver_ack(r, FT_MSG_ACK, RUN_B, 3);
	assert_int_equal(r->net.aborted, 1);
	assert_false(r->s.chan_open);
	assert_int_equal(r->s.acked_seq, 0);
	assert_int_equal(r->log.oldest, 0);
	assert_said_once("malformed or impossible ACK");

	/* A WELCOME of another run is not a welcome. */
	primary_connects(r);
	deliver_ack(r, FT_MSG_WELCOME, RUN_B, 0);
	assert_false(r->s.welcomed);
	assert_int_equal(r->net.aborted, 2);
	assert_said_once("the WELCOME is for another run");
	rig_free(r);
}

/* The backup side: batches of a primary's log, delivered one by one. */
static void deliver_batches(struct rig *r, struct event_log *src, uint64_t from, uint64_t to)
{
	for (uint64_t seq = from; seq < to; seq++) {
		struct event_log_batch b;
		assert_int_equal(event_log_batch(src, seq, &b), 0);
		deliver(r, FT_MSG_BATCH, b.data, (uint32_t)b.size);
	}
}

static struct ft_ack last_ack(const struct rig *r, enum ft_msg_type type)
{
	const struct fake_msg *m = fake_sent(&r->net, 0);
	struct ft_ack a;
	assert_non_null(m);
	assert_int_equal(m->type, type);
	assert_int_equal(ft_ack_decode(m->payload, m->len, &a), 0);
	return a;
}

static void assert_refused_with(const struct rig *r, const char *why)
{
	const struct fake_msg *m = fake_sent(&r->net, 0);
	assert_non_null(m);
	assert_int_equal(m->type, FT_MSG_REFUSE);
	char text[512];
	snprintf(text, sizeof(text), "%.*s", (int)m->len, (const char *)m->payload);
	if (!strstr(text, why))
		fail_msg("REFUSE says '%s', want '%s'", text, why);
}

static void test_backup_refuses_rebooted_primary(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_BACKUP, 0);
	struct rig *src = rig_new(FT_ROLE_PRIMARY, RUN_A);
	add_batches(&src->log, 3);

	ft_roles_channel_up(&r->s);
	deliver_hello(r, RUN_A, GUEST, CPU_MODEL);
	struct ft_ack a = last_ack(r, FT_MSG_WELCOME);
	assert_int_equal(a.run_id, RUN_A);
	assert_int_equal(a.next_seq, 0);
	deliver_batches(r, &src->log, 0, 3);
	a = last_ack(r, FT_MSG_ACK);
	assert_int_equal(a.run_id, RUN_A);
	assert_int_equal(a.next_seq, 3);
	peer_heartbeat(r, FT_ROLE_PRIMARY, RUN_A);
	assert_int_equal(r->s.hb_heard, 1);

	/* The primary reboots: new run id. */
	ft_roles_channel_lost(&r->s, NULL);
	ft_roles_channel_up(&r->s);
	fake_console_reset();
	deliver_hello(r, RUN_B, GUEST, CPU_MODEL);
	assert_refused_with(r, "the primary rebooted");
	assert_int_equal(r->net.refused, 1);
	assert_false(r->s.welcomed);
	assert_int_equal(r->s.run_id, RUN_A);
	assert_said_once("refusing primary 10.0.0.2: the primary rebooted");
	/* Its heartbeats are not the followed primary alive. */
	peer_heartbeat(r, FT_ROLE_PRIMARY, RUN_B);
	peer_heartbeat(r, FT_ROLE_PRIMARY, RUN_B);
	assert_int_equal(r->s.hb_heard, 1);
	assert_said_once("do not count as the primary alive");
	/* The old run reconnecting is still welcome. */
	ft_roles_channel_up(&r->s);
	deliver_hello(r, RUN_A, GUEST, CPU_MODEL);
	a = last_ack(r, FT_MSG_WELCOME);
	assert_int_equal(a.run_id, RUN_A);
	assert_int_equal(a.next_seq, 3);
	rig_free(src);
	rig_free(r);
}

static void test_fresh_backup_follows_new_run(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_BACKUP, 0);
	ft_roles_channel_up(&r->s);
	deliver_hello(r, RUN_A, GUEST, CPU_MODEL);
	assert_int_equal(last_ack(r, FT_MSG_WELCOME).run_id, RUN_A);
	ft_roles_channel_lost(&r->s, NULL);
	/* Nothing of run A came: run B is followed from its start. */
	ft_roles_channel_up(&r->s);
	deliver_hello(r, RUN_B, GUEST, CPU_MODEL);
	struct ft_ack a = last_ack(r, FT_MSG_WELCOME);
	assert_int_equal(a.run_id, RUN_B);
	assert_int_equal(a.next_seq, 0);
	assert_true(r->s.welcomed);
	assert_int_equal(r->s.run_id, RUN_B);
	assert_said_once("started a new run");
	assert_int_equal(r->net.refused, 0);
	rig_free(r);
}

static void test_backup_refuses_other_model_or_guest(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_BACKUP, 0);
	ft_roles_channel_up(&r->s);
	deliver_hello(r, RUN_A, GUEST, CPU_MODEL ^ 1);
	assert_refused_with(r, "the primary's virtual CPU model differs");
	assert_false(r->s.welcomed);
	assert_int_equal(r->s.run_id, 0);
	ft_roles_channel_up(&r->s);
	deliver_hello(r, RUN_A, GUEST + 1, CPU_MODEL);
	assert_refused_with(r, "the primary runs another guest");
	ft_roles_channel_up(&r->s);
	deliver_hello(r, 0, GUEST, CPU_MODEL);
	assert_refused_with(r, "no run id");
	assert_int_equal(r->net.refused, 3);
	rig_free(r);
}

/* The backup's heartbeats echo the run it follows. */
static void test_backup_heartbeat_echoes_run(void **state)
{
	(void)state;
	struct rig *r = rig_new(FT_ROLE_BACKUP, 0);
	ft_roles_channel_up(&r->s);
	deliver_hello(r, RUN_A, GUEST, CPU_MODEL);
	advance_ms(r, HB_INTERVAL_MS);
	ft_roles_service(&r->s, 0);
	struct ft_heartbeat hb;
	assert_true(r->net.heartbeats > 0);
	assert_int_equal(ft_heartbeat_decode(r->net.last_hb, FT_HEARTBEAT_SIZE, &hb), 0);
	assert_int_equal(hb.role, FT_ROLE_BACKUP);
	assert_int_equal(hb.run_id, RUN_A);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusing_backup_does_not_hold_the_guest),
		cmocka_unit_test(test_heard_backup_never_welcomed),
		cmocka_unit_test(test_welcomed_backup_and_grace),
		cmocka_unit_test(test_welcomed_backup_falls_silent),
		cmocka_unit_test(test_backup_that_takes_no_log),
		cmocka_unit_test(test_channel_traffic_counts_as_life),
		cmocka_unit_test(test_backup_asks_for_released_batches),
		cmocka_unit_test(test_acked_event_from_own_headers),
		cmocka_unit_test(test_ack_of_another_run_closes),
		cmocka_unit_test(test_backup_refuses_rebooted_primary),
		cmocka_unit_test(test_fresh_backup_follows_new_run),
		cmocka_unit_test(test_backup_refuses_other_model_or_guest),
		cmocka_unit_test(test_backup_heartbeat_echoes_run),
	};
	return cmocka_run_group_tests_name("ft_roles", tests, NULL, NULL);
}
