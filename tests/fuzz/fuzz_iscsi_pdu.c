/*
 * libFuzzer target for what an iSCSI target sends (net/iscsi): the PDU
 * reassembly and BHS checks (iscsi_frame.c, iscsi_pdu.c), and the whole
 * session's receive path (iscsi_session.c, iscsi_login.c) behind it.
 *
 * Byte 0 steers: bits 0-1 header/data digests, bits 2-4 how the rest is
 * cut into deliveries, bit 5 the session mode, bit 6 whether the session
 * first gets a canned good login (so that the fuzzed bytes meet the full
 * feature phase with a read and a write in flight). Byte 1 picks the
 * receiver's MaxRecvDataSegmentLength.
 *
 * Checked: a receiver never takes more than it is fed, hands out only PDUs
 * that pass iscsi_pdu_decode_target with a data segment within the limit,
 * a parsed BHS encodes and parses back to itself, an error is sticky and
 * has a reason; the session never crashes, and a failed session has a
 * reason and no task left in flight.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/iscsi/iscsi_frame.h"
#include "net/iscsi/iscsi_session.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/unit/fakes/fake_serial.h"

#define PREFIX 2

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_iscsi_pdu", what);
}

static size_t piece(uint8_t mode, size_t left, size_t i)
{
	static const size_t sizes[] = { 1, 3, 48, 52, 100, 1000, 8192 };
	size_t n = mode < 7 ? sizes[mode] : 1 + (i * 7919) % 97;
	return n < left ? n : left;
}

static uint8_t rx_room[ISCSI_FRAME_DATA_ROOM(ISCSI_SESSION_MAX_DSL)];

static void frames(const uint8_t *d, size_t n, uint8_t steer, uint32_t max_dsl)
{
	struct iscsi_rx rx;
	iscsi_rx_init(&rx, rx_room, max_dsl);
	iscsi_rx_set_params(&rx, steer & 1, steer & 2, max_dsl);
	size_t at = 0;
	for (size_t i = 0; at < n; i++) {
		size_t len = piece((steer >> 2) & 7, n - at, i);
		size_t used = iscsi_rx_feed(&rx, d + at, len);
		check(used <= len, "took more than fed");
		at += used;
		if (rx.state == ISCSI_RX_ERROR) {
			check(rx.error && rx.error[0], "error without a reason");
			check(iscsi_rx_feed(&rx, d, n) == 0, "error not sticky");
			return;
		}
		if (rx.state == ISCSI_RX_READY) {
			struct iscsi_pdu p, q;
			check(iscsi_pdu_decode_target(rx.header, max_dsl, &p) == NULL, "handed out a bad PDU");
			check(rx.pdu.data_len <= max_dsl, "data beyond the limit");
			uint8_t b[ISCSI_BHS_SIZE];
			iscsi_bhs_encode(&p, b);
			iscsi_bhs_parse(b, &q);
			check(memcmp(&p, &q, sizeof(p)) == 0, "BHS parse/encode round trip differs");
			const uint8_t *sense;
			uint32_t sense_len;
			if (!iscsi_pdu_sense(iscsi_rx_data(&rx), rx.pdu.data_len, &sense, &sense_len))
				check(sense_len + 2 <= rx.pdu.data_len || sense_len == 0, "sense beyond its segment");
			iscsi_rx_next(&rx);
		} else if (used == 0) {
			check(0, "stalled");
		}
	}
}

/* ---- the session ---- */

static struct iscsi_session sess;
static int failed_events;
static uint64_t clock_ms;

static int null_send(void *ctx, const void *b, size_t n)
{
	(void)ctx;
	(void)b;
	(void)n;
	return 0;
}

static uint64_t fake_now(void *ctx)
{
	(void)ctx;
	return clock_ms;
}

static void on_event(void *ctx, enum iscsi_event ev, const char *detail)
{
	(void)ctx;
	if (ev == ISCSI_EVENT_FAILED) {
		check(detail && detail[0], "failed without a reason");
		failed_events++;
	}
}

static void task_done(struct iscsi_task *t)
{
	(void)t;
}

static size_t login_rsp(uint8_t *out, unsigned csg, unsigned nsg, const char *keys, size_t klen)
{
	struct iscsi_pdu p = { 0 };
	p.opcode = ISCSI_OP_LOGIN_RSP;
	p.flags = (uint8_t)(ISCSI_FLAG_FINAL | csg << 2 | nsg);
	p.exp_cmd_sn = 1;
	p.max_cmd_sn = 8;
	return iscsi_frame_build(out, 1024, &p, keys, (uint32_t)klen, false, false);
}

static void session(const uint8_t *d, size_t n, uint8_t steer)
{
	static const struct iscsi_transport tr = { NULL, null_send, fake_now, on_event };
	struct iscsi_config c = { 0 };
	c.initiator_name = "iqn.2026-01.org.ftvisor:fuzz";
	c.target_name = "iqn.2026-01.org.ftvisor:disk";
	iscsi_session_default_offer(&c.offer);
	c.offer.header_digest = steer & 1;
	c.offer.data_digest = steer & 2;
	c.nop_interval_ms = 10;
	c.nop_timeout_ms = 30;
	failed_events = 0;
	fake_console_reset();
	clock_ms = 0;
	iscsi_session_init(&sess, &c, &tr);
	iscsi_session_start(&sess);
	static uint8_t rbuf[70000], wbuf[70000];
	struct iscsi_task rd = { .buf = rbuf, .len = sizeof(rbuf), .done = task_done };
	struct iscsi_task wr = { .buf = wbuf, .len = sizeof(wbuf), .write = true, .done = task_done };
	if (steer & 0x40) {
		uint8_t pdu[1024];
		static const char sec[] = "AuthMethod=None";
		static const char op[] = "HeaderDigest=None\0DataDigest=None\0MaxRecvDataSegmentLength=8192";
		iscsi_session_receive(&sess, pdu, login_rsp(pdu, 0, 1, sec, sizeof(sec)));
		iscsi_session_receive(&sess, pdu, login_rsp(pdu, 1, 3, op, sizeof(op)));
		check(sess.state == ISCSI_SESSION_FULL_FEATURE, "canned login failed");
		iscsi_session_submit(&sess, &rd);
		iscsi_session_submit(&sess, &wr);
	}
	size_t at = 0;
	for (size_t i = 0; at < n; i++) {
		size_t len = piece((steer >> 2) & 7, n - at, i);
		iscsi_session_receive(&sess, d + at, len);
		at += len;
		clock_ms += 7;
		iscsi_session_tick(&sess);
	}
	check(failed_events <= 1, "failed twice");
	if (sess.state == ISCSI_SESSION_FAILED)
		check(iscsi_session_outstanding(&sess) == 0 && sess.error[0], "failed with tasks in flight");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < PREFIX)
		return 0;
	uint8_t steer = data[0];
	static const uint32_t limits[] = { 512, 8192, 65536, 48 };
	uint32_t max_dsl = limits[data[1] & 3];
	if (steer & 0x20)
		session(data + PREFIX, size - PREFIX, steer);
	else
		frames(data + PREFIX, size - PREFIX, steer, max_dsl);
	return 0;
}
