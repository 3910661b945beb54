/*
 * net/iscsi/iscsi_session.c and iscsi_login.c against a scripted fake
 * target: login with None and with CHAP, a target answering keys out of
 * range or not at all, a refused login; reads with Data-In split across
 * PDUs and fed in every chunking, status in the last Data-In or in a SCSI
 * Response with sense; writes with immediate data, unsolicited Data-Out and
 * R2Ts; the CmdSN window holding commands back; NOP-In answered, the
 * keep-alive and its timeout; Async Message, Reject, a malformed PDU and
 * Logout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/md5.h"
#include "net/iscsi/iscsi_session.h"
#include "net/iscsi/scsi_sense.h"
#include "tests/unit/fakes/fake_serial.h"

/* ---- the fake transport ---- */

static uint8_t wire[1 << 20];       /* what the session sent */
static size_t wire_len, wire_read;
static uint64_t now;
static enum iscsi_event last_event;
static int events;
static char last_detail[200];
static size_t chunk = 1 << 20;      /* how the fake target's bytes are cut */

static int fake_send(void *ctx, const void *b, size_t n)
{
	(void)ctx;
	assert_true(wire_len + n <= sizeof(wire));
	memcpy(wire + wire_len, b, n);
	wire_len += n;
	return 0;
}

static uint64_t fake_now(void *ctx)
{
	(void)ctx;
	return now;
}

static void fake_event(void *ctx, enum iscsi_event ev, const char *detail)
{
	(void)ctx;
	last_event = ev;
	events++;
	snprintf(last_detail, sizeof(last_detail), "%s", detail ? detail : "");
}

static const struct iscsi_transport transport = { NULL, fake_send, fake_now, fake_event };
static struct iscsi_session sess;
static struct iscsi_session *s = &sess;

/* The next PDU the initiator sent (no digests); false when none. */
static bool sent(struct iscsi_pdu *p, uint8_t *data)
{
	if (wire_read + ISCSI_BHS_SIZE > wire_len)
		return false;
	iscsi_bhs_parse(wire + wire_read, p);
	wire_read += ISCSI_BHS_SIZE;
	if (data)
		memcpy(data, wire + wire_read, p->data_len);
	wire_read += iscsi_pad4(p->data_len);
	assert_true(wire_read <= wire_len);
	return true;
}

static struct iscsi_pdu expect_sent(uint8_t opcode, uint8_t *data)
{
	struct iscsi_pdu p;
	assert_true(sent(&p, data));
	assert_int_equal(p.opcode, opcode);
	return p;
}

/* Whether the key list data[len] holds "pair". */
static bool has_pair(const uint8_t *data, size_t len, const char *pair)
{
	for (size_t at = 0; at < len; at += strlen((const char *)data + at) + 1)
		if (strcmp((const char *)data + at, pair) == 0)
			return true;
	return false;
}

/* ---- the fake target ---- */

static uint32_t stat_sn = 1000, exp_cmd_sn, max_cmd_sn;

static void feed(const uint8_t *b, size_t n)
{
	for (size_t at = 0; at < n; at += chunk)
		iscsi_session_receive(s, b + at, n - at < chunk ? n - at : chunk);
}

static void target_send(struct iscsi_pdu p, const void *data, uint32_t len)
{
	static uint8_t out[ISCSI_BHS_SIZE + 8 + ISCSI_FRAME_DATA_ROOM(ISCSI_SESSION_MAX_DSL)];
	p.exp_cmd_sn = exp_cmd_sn;
	p.max_cmd_sn = max_cmd_sn;
	size_t n = iscsi_frame_build(out, sizeof(out), &p, data, len, false, false);
	assert_true(n > 0);
	feed(out, n);
}

static struct iscsi_pdu target_pdu(uint8_t opcode, uint32_t itt, bool advance)
{
	struct iscsi_pdu p = { 0 };
	p.opcode = opcode;
	p.flags = ISCSI_FLAG_FINAL;
	p.itt = itt;
	p.ttt = ISCSI_RESERVED_TAG;
	p.stat_sn = advance ? stat_sn++ : stat_sn;
	return p;
}

static size_t text(uint8_t *out, const char *s_)
{
	size_t n = strlen(s_);
	for (size_t i = 0; i < n; i++)
		out[i] = s_[i] == '|' ? 0 : (uint8_t)s_[i];
	return n;
}

static void login_reply(unsigned csg, unsigned nsg, bool transit, const char *keys, uint8_t cls, uint8_t detail)
{
	uint8_t b[2048];
	struct iscsi_pdu p = target_pdu(ISCSI_OP_LOGIN_RSP, 0, true);
	p.flags = (uint8_t)((transit ? ISCSI_FLAG_FINAL : 0) | csg << 2 | nsg);
	p.tsih = 0x77;
	p.status = cls;
	p.response = detail;
	target_send(p, b, (uint32_t)text(b, keys));
}

static struct iscsi_config config(void)
{
	struct iscsi_config c = { 0 };
	c.initiator_name = "iqn.2026-01.org.ftvisor:a";
	c.target_name = "iqn.2026-01.org.ftvisor:disk";
	iscsi_isid_derive("a", 1, c.isid);
	iscsi_session_default_offer(&c.offer);
	c.login_timeout_ms = 5000;
	c.nop_interval_ms = 1000;
	c.nop_timeout_ms = 3000;
	return c;
}

static int setup(void **state)
{
	(void)state;
	wire_len = wire_read = 0;
	now = 100;
	events = 0;
	last_event = -1;
	chunk = 1 << 20;
	exp_cmd_sn = 1;
	max_cmd_sn = 16;
	fake_console_reset();
	struct iscsi_config c = config();
	iscsi_session_init(s, &c, &transport);
	return 0;
}

#define ALL_KEYS "HeaderDigest=None|DataDigest=None|MaxRecvDataSegmentLength=8192|" \
	"MaxBurstLength=262144|FirstBurstLength=65536|ImmediateData=Yes|InitialR2T=No|" \
	"MaxOutstandingR2T=1|DataPDUInOrder=Yes|DataSequenceInOrder=Yes|ErrorRecoveryLevel=0|" \
	"DefaultTime2Wait=2|DefaultTime2Retain=20|MaxConnections=1|"

/* A login with AuthMethod=None whose operational answer is 'keys'. */
static void login_with(const char *keys)
{
	uint8_t d[4096];
	iscsi_session_start(s);
	struct iscsi_pdu p = expect_sent(ISCSI_OP_LOGIN_REQ, d);
	assert_true(p.immediate);
	assert_int_equal(p.flags, ISCSI_FLAG_FINAL | 0 << 2 | 1); /* T, CSG 0, NSG 1 */
	assert_memory_equal(p.isid, s->cfg.isid, 6);
	assert_true(has_pair(d, p.data_len, "AuthMethod=None"));
	assert_true(has_pair(d, p.data_len, "SessionType=Normal"));
	assert_true(has_pair(d, p.data_len, "InitiatorName=iqn.2026-01.org.ftvisor:a"));
	assert_true(has_pair(d, p.data_len, "TargetName=iqn.2026-01.org.ftvisor:disk"));
	login_reply(0, 1, true, "AuthMethod=None|TargetPortalGroupTag=1|", 0, 0);
	p = expect_sent(ISCSI_OP_LOGIN_REQ, d);
	assert_int_equal(p.flags, ISCSI_FLAG_FINAL | 1 << 2 | 3);
	assert_int_equal(p.exp_stat_sn, stat_sn);
	assert_true(has_pair(d, p.data_len, "MaxRecvDataSegmentLength=65536"));
	assert_true(has_pair(d, p.data_len, "ErrorRecoveryLevel=0"));
	assert_true(has_pair(d, p.data_len, "InitialR2T=No"));
	assert_true(has_pair(d, p.data_len, "DefaultTime2Retain=20"));
	login_reply(1, 3, true, keys, 0, 0);
}

static void login(void)
{
	login_with(ALL_KEYS);
	assert_int_equal(last_event, ISCSI_EVENT_LOGGED_IN);
	assert_int_equal(s->state, ISCSI_SESSION_FULL_FEATURE);
}

/* ---- tasks ---- */

static struct iscsi_task *done_tasks[64];
static int ndone;

static void task_done(struct iscsi_task *t)
{
	done_tasks[ndone++ % 64] = t;
}

static void prepare(struct iscsi_task *t, uint8_t *buf, uint32_t len, bool write)
{
	memset(t, 0, sizeof(*t));
	t->cdb[0] = write ? 0x8a : 0x88;
	t->lun = iscsi_lun(0);
	t->buf = buf;
	t->len = len;
	t->write = write;
	t->done = task_done;
}

/* ---- login ---- */

static void test_login_none(void **state)
{
	(void)state;
	login();
	assert_int_equal(s->tsih, 0x77);
	assert_int_equal(s->params.max_send_dsl, 8192);
	assert_false(s->params.initial_r2t);
	assert_int_equal(s->exp_stat_sn, stat_sn);
}

static void test_login_target_silent_on_keys(void **state)
{
	(void)state;
	/* Only one key answered: the rest take the RFC defaults, combined with ours. */
	login_with("MaxBurstLength=131072|");
	assert_int_equal(last_event, ISCSI_EVENT_LOGGED_IN);
	assert_int_equal(s->params.max_burst, 131072);
	assert_int_equal(s->params.max_send_dsl, 8192);
	assert_true(s->params.initial_r2t);
	assert_true(s->params.immediate_data);
}

static void test_login_target_out_of_range(void **state)
{
	(void)state;
	login_with("MaxBurstLength=128|");
	assert_int_equal(last_event, ISCSI_EVENT_FAILED);
	assert_non_null(strstr(last_detail, "MaxBurstLength"));
	assert_int_equal(s->state, ISCSI_SESSION_FAILED);
	assert_int_equal(iscsi_session_submit(s, &(struct iscsi_task){ 0 }), -1);
}

static void test_login_continued_and_not_understood(void **state)
{
	(void)state;
	uint8_t d[4096];
	iscsi_session_start(s);
	expect_sent(ISCSI_OP_LOGIN_REQ, d);
	/* The target answers without transit: we ask to move on. */
	login_reply(0, 1, false, "AuthMethod=None|", 0, 0);
	struct iscsi_pdu p = expect_sent(ISCSI_OP_LOGIN_REQ, d);
	assert_int_equal(p.flags, ISCSI_FLAG_FINAL | 0 << 2 | 1);
	assert_int_equal(p.data_len, 0);
	login_reply(0, 1, true, "", 0, 0);
	expect_sent(ISCSI_OP_LOGIN_REQ, d);
	/* Text split over two PDUs (C), then an unknown key without transit. */
	uint8_t b[64];
	struct iscsi_pdu r = target_pdu(ISCSI_OP_LOGIN_RSP, 0, true);
	r.flags = ISCSI_FLAG_CONTINUE | 1 << 2 | 3;
	target_send(r, b, (uint32_t)text(b, "MaxBurstLen"));
	p = expect_sent(ISCSI_OP_LOGIN_REQ, d);
	assert_int_equal(p.data_len, 0);
	assert_int_equal(p.flags & ISCSI_FLAG_FINAL, 0);
	login_reply(1, 3, false, "gth=65536|X-vendor.Key=1|", 0, 0);
	p = expect_sent(ISCSI_OP_LOGIN_REQ, d);
	assert_true(has_pair(d, p.data_len, "X-vendor.Key=NotUnderstood"));
	login_reply(1, 3, true, "", 0, 0);
	assert_int_equal(last_event, ISCSI_EVENT_LOGGED_IN);
	assert_int_equal(s->params.max_burst, 65536);
}

static void test_login_refused(void **state)
{
	(void)state;
	iscsi_session_start(s);
	expect_sent(ISCSI_OP_LOGIN_REQ, NULL);
	login_reply(0, 0, false, "", 2, 3);
	assert_int_equal(last_event, ISCSI_EVENT_FAILED);
	assert_non_null(strstr(last_detail, "class 2 detail 3"));
	assert_int_equal(fake_console_count("login refused"), 1);
}

static void test_login_chap(void **state)
{
	(void)state;
	struct iscsi_config c = config();
	c.chap_name = "user";
	c.chap_secret = "secretsecret";
	iscsi_session_init(s, &c, &transport);
	uint8_t d[4096];
	iscsi_session_start(s);
	struct iscsi_pdu p = expect_sent(ISCSI_OP_LOGIN_REQ, d);
	assert_true(has_pair(d, p.data_len, "AuthMethod=CHAP"));
	assert_int_equal(p.flags & ISCSI_FLAG_FINAL, 0);
	login_reply(0, 1, false, "AuthMethod=CHAP|", 0, 0);
	p = expect_sent(ISCSI_OP_LOGIN_REQ, d);
	assert_true(has_pair(d, p.data_len, "CHAP_A=5"));
	login_reply(0, 1, false, "CHAP_A=5|CHAP_I=7|CHAP_C=0x0102030405060708090a0b0c0d0e0f10|", 0, 0);
	p = expect_sent(ISCSI_OP_LOGIN_REQ, d);
	assert_int_equal(p.flags, ISCSI_FLAG_FINAL | 0 << 2 | 1);
	assert_true(has_pair(d, p.data_len, "CHAP_N=user"));
	/* MD5(7, "secretsecret", 01..10), by Python's hashlib */
	assert_true(has_pair(d, p.data_len, "CHAP_R=0xfd1043ba0b3ceab4dd514b0ebcc793fb"));
	login_reply(0, 1, true, "", 0, 0);
	p = expect_sent(ISCSI_OP_LOGIN_REQ, d);
	assert_int_equal(p.flags, ISCSI_FLAG_FINAL | 1 << 2 | 3);
	login_reply(1, 3, true, ALL_KEYS, 0, 0);
	assert_int_equal(last_event, ISCSI_EVENT_LOGGED_IN);
}

static void test_login_chap_downgrade_refused(void **state)
{
	(void)state;
	struct iscsi_config c = config();
	c.chap_secret = "x";
	iscsi_session_init(s, &c, &transport);
	iscsi_session_start(s);
	expect_sent(ISCSI_OP_LOGIN_REQ, NULL);
	login_reply(0, 1, true, "AuthMethod=None|", 0, 0);
	assert_int_equal(last_event, ISCSI_EVENT_FAILED);
	assert_non_null(strstr(last_detail, "AuthMethod"));
}

static void test_login_timeout(void **state)
{
	(void)state;
	iscsi_session_start(s);
	now += 4999;
	iscsi_session_tick(s);
	assert_int_equal(s->state, ISCSI_SESSION_SECURITY);
	now += 1;
	iscsi_session_tick(s);
	assert_int_equal(last_event, ISCSI_EVENT_FAILED);
}

/* ---- full feature phase ---- */

static uint8_t big[3 * 8192 + 100], ref[sizeof(big)];

static void test_read_split_data_in(void **state)
{
	(void)state;
	login();
	for (size_t i = 0; i < sizeof(ref); i++)
		ref[i] = (uint8_t)(i * 13 + 5);
	static const size_t chunks[] = { 1, 7, 48, 1000, 1 << 20 };
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		struct iscsi_task t;
		memset(big, 0, sizeof(big));
		prepare(&t, big, sizeof(big), false);
		ndone = 0;
		assert_int_equal(iscsi_session_submit(s, &t), 0);
		struct iscsi_pdu cmd = expect_sent(ISCSI_OP_SCSI_CMD, NULL);
		assert_int_equal(cmd.flags, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | ISCSI_CMD_ATTR_SIMPLE);
		assert_int_equal(cmd.length, sizeof(big));
		assert_int_equal(cmd.data_len, 0);
		assert_int_equal(cmd.cdb[0], 0x88);
		exp_cmd_sn = cmd.cmd_sn + 1;
		max_cmd_sn = exp_cmd_sn + 15;
		chunk = chunks[c];
		for (uint32_t off = 0, sn = 0; off < sizeof(big); sn++) {
			uint32_t n = sizeof(big) - off < 8192 ? (uint32_t)(sizeof(big) - off) : 8192;
			bool last = off + n == sizeof(big);
			struct iscsi_pdu d = target_pdu(ISCSI_OP_DATA_IN, cmd.itt, last);
			d.flags = last ? ISCSI_FLAG_FINAL | ISCSI_DATAIN_STATUS : 0;
			d.data_sn = sn;
			d.buffer_offset = off;
			target_send(d, ref + off, n);
			off += n;
		}
		assert_int_equal(ndone, 1);
		assert_int_equal(t.result, ISCSI_TASK_OK);
		assert_int_equal(t.status, 0);
		assert_int_equal(t.transferred, sizeof(big));
		assert_memory_equal(big, ref, sizeof(big));
		assert_int_equal(iscsi_session_outstanding(s), 0);
	}
}

/* Logged in, with one read of len bytes sent: its command. */
static struct iscsi_pdu login_and_read(struct iscsi_task *t, uint32_t len)
{
	login();
	prepare(t, big, len, false);
	ndone = 0;
	assert_int_equal(iscsi_session_submit(s, t), 0);
	return expect_sent(ISCSI_OP_SCSI_CMD, NULL);
}

static void test_data_in_out_of_order_fails(void **state)
{
	(void)state;
	struct iscsi_task t;
	struct iscsi_pdu cmd = login_and_read(&t, 16384);
	struct iscsi_pdu d = target_pdu(ISCSI_OP_DATA_IN, cmd.itt, false);
	d.flags = 0;
	d.data_sn = 1; /* 0 was due */
	target_send(d, ref, 512);
	assert_int_equal(last_event, ISCSI_EVENT_FAILED);
	assert_non_null(strstr(last_detail, "DataSN"));
	assert_int_equal(ndone, 1);
	assert_int_equal(t.result, ISCSI_TASK_SESSION_LOST);
}

static void test_check_condition_with_sense(void **state)
{
	(void)state;
	struct iscsi_task t;
	struct iscsi_pdu cmd = login_and_read(&t, 512);
	struct iscsi_pdu r = target_pdu(ISCSI_OP_SCSI_RSP, cmd.itt, true);
	r.status = SCSI_STATUS_CHECK_CONDITION;
	r.flags = ISCSI_FLAG_FINAL | ISCSI_RSP_UNDERFLOW;
	r.length = 512;
	const uint8_t seg[20] = { 0, 18, 0x70, 0, 0x06, [9] = 10, [14] = 0x29, [15] = 0 };
	chunk = 5;
	target_send(r, seg, sizeof(seg));
	assert_int_equal(ndone, 1);
	assert_int_equal(t.result, ISCSI_TASK_OK);
	assert_int_equal(t.status, 2);
	assert_int_equal(t.sense_len, 18);
	assert_true(t.underflow);
	assert_int_equal(t.residual, 512);
	struct scsi_sense sn;
	assert_int_equal(scsi_classify(t.status, t.sense, t.sense_len, &sn), SCSI_OUTCOME_RETRY);
	assert_int_equal(sn.asc, 0x29);
}

static void test_short_read_is_not_good(void **state)
{
	(void)state;
	struct iscsi_task t;
	struct iscsi_pdu cmd = login_and_read(&t, 2048);
	struct iscsi_pdu d = target_pdu(ISCSI_OP_DATA_IN, cmd.itt, false);
	d.flags = 0;
	target_send(d, ref, 1024);
	/* GOOD with an underflow of 512: 1536 bytes were due, 1024 came. */
	struct iscsi_pdu r = target_pdu(ISCSI_OP_SCSI_RSP, cmd.itt, true);
	r.flags = ISCSI_FLAG_FINAL | ISCSI_RSP_UNDERFLOW;
	r.length = 512;
	target_send(r, NULL, 0);
	assert_int_equal(ndone, 1);
	assert_int_equal(t.result, ISCSI_TASK_SHORT_DATA);
	/* The same with the residual covering the gap is fine. */
	prepare(&t, big, 2048, false);
	assert_int_equal(iscsi_session_submit(s, &t), 0);
	cmd = expect_sent(ISCSI_OP_SCSI_CMD, NULL);
	d.itt = cmd.itt;
	target_send(d, ref, 1024);
	r = target_pdu(ISCSI_OP_SCSI_RSP, cmd.itt, true);
	r.flags = ISCSI_FLAG_FINAL | ISCSI_RSP_UNDERFLOW;
	r.length = 1024;
	target_send(r, NULL, 0);
	assert_int_equal(t.result, ISCSI_TASK_OK);
	assert_int_equal(t.transferred, 1024);
}

static void test_write_immediate_and_unsolicited(void **state)
{
	(void)state;
	login(); /* ImmediateData=Yes, InitialR2T=No, MaxSendDSL 8192, FirstBurst 65536 */
	static uint8_t w[100000];
	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i ^ (i >> 8));
	struct iscsi_task t;
	prepare(&t, w, sizeof(w), true);
	iscsi_session_submit(s, &t);
	static uint8_t got[sizeof(w)];
	struct iscsi_pdu cmd = expect_sent(ISCSI_OP_SCSI_CMD, got);
	assert_int_equal(cmd.flags & (ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE), ISCSI_CMD_WRITE); /* Data-Out follows */
	assert_int_equal(cmd.data_len, 8192);
	uint32_t off = 8192;
	struct iscsi_pdu d;
	for (uint32_t sn = 0; sent(&d, got + off); sn++) {
		assert_int_equal(d.opcode, ISCSI_OP_DATA_OUT);
		assert_int_equal(d.ttt, ISCSI_RESERVED_TAG);
		assert_int_equal(d.data_sn, sn);
		assert_int_equal(d.buffer_offset, off);
		off += d.data_len;
		assert_int_equal((d.flags & ISCSI_FLAG_FINAL) != 0, off == 65536);
	}
	assert_int_equal(off, 65536);
	/* The rest by R2T, split into PDUs of MaxSendDSL. */
	struct iscsi_pdu r2t = target_pdu(ISCSI_OP_R2T, cmd.itt, false);
	r2t.ttt = 0xabc;
	r2t.buffer_offset = 65536;
	r2t.length = sizeof(w) - 65536;
	target_send(r2t, NULL, 0);
	for (uint32_t sn = 0; sent(&d, got + off); sn++) {
		assert_int_equal(d.ttt, 0xabc);
		assert_int_equal(d.data_sn, sn);
		assert_int_equal(d.buffer_offset, off);
		assert_true(d.data_len <= 8192);
		off += d.data_len;
	}
	assert_int_equal(off, sizeof(w));
	assert_memory_equal(got, w, sizeof(w));
	ndone = 0;
	target_send(target_pdu(ISCSI_OP_SCSI_RSP, cmd.itt, true), NULL, 0);
	assert_int_equal(ndone, 1);
}

static void test_write_by_r2t_only(void **state)
{
	(void)state;
	login_with("ImmediateData=No|InitialR2T=Yes|MaxRecvDataSegmentLength=4096|");
	uint8_t w[10000], got[10000];
	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 3);
	struct iscsi_task t;
	prepare(&t, w, sizeof(w), true);
	iscsi_session_submit(s, &t);
	struct iscsi_pdu cmd = expect_sent(ISCSI_OP_SCSI_CMD, NULL);
	assert_int_equal(cmd.data_len, 0);
	assert_true(cmd.flags & ISCSI_FLAG_FINAL);
	struct iscsi_pdu d;
	assert_false(sent(&d, NULL));
	/* Two R2Ts of 5000 bytes each, answered at the offsets asked for. */
	for (unsigned i = 0; i < 2; i++) {
		struct iscsi_pdu r2t = target_pdu(ISCSI_OP_R2T, cmd.itt, false);
		r2t.ttt = 100 + i;
		r2t.data_sn = i;
		r2t.buffer_offset = i * 5000;
		r2t.length = 5000;
		target_send(r2t, NULL, 0);
		uint32_t n = 0;
		while (sent(&d, got + i * 5000 + n)) {
			assert_int_equal(d.ttt, 100 + i);
			assert_int_equal(d.buffer_offset, i * 5000 + n);
			assert_true(d.data_len <= 4096);
			n += d.data_len;
		}
		assert_int_equal(n, 5000);
	}
	assert_memory_equal(got, w, sizeof(w));
	/* An R2T beyond the buffer is a protocol error. */
	struct iscsi_pdu bad = target_pdu(ISCSI_OP_R2T, cmd.itt, false);
	bad.data_sn = 2;
	bad.buffer_offset = 9000;
	bad.length = 2000;
	target_send(bad, NULL, 0);
	assert_int_equal(last_event, ISCSI_EVENT_FAILED);
	assert_non_null(strstr(last_detail, "R2T"));
}

static void test_cmdsn_window(void **state)
{
	(void)state;
	/* The target allows CmdSN up to ExpCmdSN + 1: two commands in flight
	 * (a MaxCmdSN only ever grows, so the login already says so). */
	max_cmd_sn = exp_cmd_sn + 1;
	login();
	struct iscsi_task t[4];
	uint8_t buf[4][512];
	ndone = 0;
	for (int i = 0; i < 4; i++) {
		prepare(&t[i], buf[i], 512, false);
		assert_int_equal(iscsi_session_submit(s, &t[i]), 0);
	}
	struct iscsi_pdu c0 = expect_sent(ISCSI_OP_SCSI_CMD, NULL);
	struct iscsi_pdu c1 = expect_sent(ISCSI_OP_SCSI_CMD, NULL);
	struct iscsi_pdu extra;
	assert_false(sent(&extra, NULL));
	assert_int_equal(c1.cmd_sn, c0.cmd_sn + 1);
	assert_int_not_equal(c0.itt, c1.itt);
	assert_int_equal(iscsi_session_outstanding(s), 4);
	/* Completing the first opens the window by one. */
	exp_cmd_sn = c0.cmd_sn + 1;
	max_cmd_sn = c0.cmd_sn + 2;
	struct iscsi_pdu r = target_pdu(ISCSI_OP_SCSI_RSP, c0.itt, true);
	target_send(r, NULL, 0);
	assert_int_equal(ndone, 1);
	assert_ptr_equal(done_tasks[0], &t[0]);
	struct iscsi_pdu c2 = expect_sent(ISCSI_OP_SCSI_CMD, NULL);
	assert_int_equal(c2.cmd_sn, c1.cmd_sn + 1);
	assert_false(sent(&extra, NULL));
	/* A MaxCmdSN below ExpCmdSN - 1 is ignored. */
	exp_cmd_sn = c2.cmd_sn + 10;
	max_cmd_sn = c2.cmd_sn;
	target_send(target_pdu(ISCSI_OP_NOP_IN, ISCSI_RESERVED_TAG, false), NULL, 0);
	assert_false(sent(&extra, NULL));
	exp_cmd_sn = c2.cmd_sn;
	max_cmd_sn = c2.cmd_sn + 5;
	target_send(target_pdu(ISCSI_OP_NOP_IN, ISCSI_RESERVED_TAG, false), NULL, 0);
	expect_sent(ISCSI_OP_SCSI_CMD, NULL);
	/* Stale tags are caught. */
	target_send(target_pdu(ISCSI_OP_SCSI_RSP, c0.itt, true), NULL, 0);
	assert_int_equal(last_event, ISCSI_EVENT_FAILED);
	assert_non_null(strstr(last_detail, "unknown task tag"));
	assert_int_equal(ndone, 4); /* the other three handed back */
}

static void test_nop_in_answered_and_keepalive(void **state)
{
	(void)state;
	login();
	uint8_t ping[5] = { 1, 2, 3, 4, 5 }, d[16];
	struct iscsi_pdu n = target_pdu(ISCSI_OP_NOP_IN, ISCSI_RESERVED_TAG, false);
	n.ttt = 0x4242;
	n.lun = iscsi_lun(3);
	target_send(n, ping, 5);
	struct iscsi_pdu r = expect_sent(ISCSI_OP_NOP_OUT, d);
	assert_true(r.immediate);
	assert_int_equal(r.itt, ISCSI_RESERVED_TAG);
	assert_int_equal(r.ttt, 0x4242);
	assert_int_equal(r.lun, iscsi_lun(3));
	assert_int_equal(r.data_len, 5);
	assert_memory_equal(d, ping, 5);
	/* Idle for the interval: a keep-alive, answered. */
	now += 999;
	iscsi_session_tick(s);
	assert_false(sent(&r, NULL));
	now += 1;
	iscsi_session_tick(s);
	r = expect_sent(ISCSI_OP_NOP_OUT, NULL);
	assert_int_equal(r.ttt, ISCSI_RESERVED_TAG);
	assert_int_not_equal(r.itt, ISCSI_RESERVED_TAG);
	struct iscsi_pdu a = target_pdu(ISCSI_OP_NOP_IN, r.itt, true);
	target_send(a, NULL, 0);
	assert_false(s->nop_outstanding);
	/* The next one goes unanswered: the session fails after the timeout. */
	now += 1000;
	iscsi_session_tick(s);
	expect_sent(ISCSI_OP_NOP_OUT, NULL);
	now += 2999;
	iscsi_session_tick(s);
	assert_int_equal(s->state, ISCSI_SESSION_FULL_FEATURE);
	now += 1;
	iscsi_session_tick(s);
	assert_int_equal(last_event, ISCSI_EVENT_FAILED);
	assert_non_null(strstr(last_detail, "silent"));
}

static void test_async_reject_logout(void **state)
{
	(void)state;
	login();
	struct iscsi_pdu a = target_pdu(ISCSI_OP_ASYNC_MSG, ISCSI_RESERVED_TAG, true);
	a.async_event = 1;
	a.async_param[2] = 5;
	target_send(a, NULL, 0);
	assert_int_equal(last_event, ISCSI_EVENT_LOGOUT_REQUESTED);
	a.async_event = 4;
	a.stat_sn = stat_sn++;
	target_send(a, NULL, 0);
	assert_int_equal(s->state, ISCSI_SESSION_FULL_FEATURE);
	assert_int_equal(fake_console_count("renegotiate"), 1);

	struct iscsi_task t;
	prepare(&t, big, 512, false);
	ndone = 0;
	iscsi_session_submit(s, &t);
	uint8_t hdr[ISCSI_BHS_SIZE];
	memcpy(hdr, wire + wire_read, ISCSI_BHS_SIZE);
	expect_sent(ISCSI_OP_SCSI_CMD, NULL);
	struct iscsi_pdu rj = target_pdu(ISCSI_OP_REJECT, ISCSI_RESERVED_TAG, true);
	rj.response = 0x04; /* protocol error */
	target_send(rj, hdr, sizeof(hdr));
	assert_int_equal(ndone, 1);
	assert_int_equal(t.result, ISCSI_TASK_REJECTED);
	assert_int_equal(fake_console_count("rejected our SCSI Command"), 1);
	assert_int_equal(s->state, ISCSI_SESSION_FULL_FEATURE);

	iscsi_session_logout(s);
	struct iscsi_pdu lo = expect_sent(ISCSI_OP_LOGOUT_REQ, NULL);
	assert_true(lo.immediate);
	assert_int_equal(lo.flags, ISCSI_FLAG_FINAL);
	struct iscsi_pdu lr = target_pdu(ISCSI_OP_LOGOUT_RSP, lo.itt, true);
	target_send(lr, NULL, 0);
	assert_int_equal(last_event, ISCSI_EVENT_LOGGED_OUT);
	assert_int_equal(s->state, ISCSI_SESSION_LOGGED_OUT);
}

static void test_malformed_pdu_fails_cleanly(void **state)
{
	(void)state;
	struct iscsi_task t;
	login_and_read(&t, 512);
	uint8_t junk[ISCSI_BHS_SIZE] = { 0x3c, 0x80 }; /* a reserved opcode */
	feed(junk, sizeof(junk));
	assert_int_equal(last_event, ISCSI_EVENT_FAILED);
	assert_non_null(strstr(last_detail, "malformed PDU"));
	assert_int_equal(ndone, 1);
	assert_int_equal(t.result, ISCSI_TASK_SESSION_LOST);
	/* More bytes after the failure are ignored. */
	feed(junk, sizeof(junk));
	assert_int_equal(events, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_login_none, setup),
		cmocka_unit_test_setup(test_login_target_silent_on_keys, setup),
		cmocka_unit_test_setup(test_login_target_out_of_range, setup),
		cmocka_unit_test_setup(test_login_continued_and_not_understood, setup),
		cmocka_unit_test_setup(test_login_refused, setup),
		cmocka_unit_test_setup(test_login_chap, setup),
		cmocka_unit_test_setup(test_login_chap_downgrade_refused, setup),
		cmocka_unit_test_setup(test_login_timeout, setup),
		cmocka_unit_test_setup(test_read_split_data_in, setup),
		cmocka_unit_test_setup(test_data_in_out_of_order_fails, setup),
		cmocka_unit_test_setup(test_check_condition_with_sense, setup),
		cmocka_unit_test_setup(test_short_read_is_not_good, setup),
		cmocka_unit_test_setup(test_write_immediate_and_unsolicited, setup),
		cmocka_unit_test_setup(test_write_by_r2t_only, setup),
		cmocka_unit_test_setup(test_cmdsn_window, setup),
		cmocka_unit_test_setup(test_nop_in_answered_and_keepalive, setup),
		cmocka_unit_test_setup(test_async_reject_logout, setup),
		cmocka_unit_test_setup(test_malformed_pdu_fails_cleanly, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
