/*
 * The session's full feature phase and its plumbing (RFC 7143 sections 3.2,
 * 4.2, 11): dispatch of the target's PDUs, sequence numbers, tasks, data
 * transfer, keep-alive, logout. The login phase is in iscsi_login.c.
 */
#include "net/iscsi/iscsi_session.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hv/lib/log.h"
#include "net/iscsi/iscsi_pdu.h"

#define TAG_SLOT_MASK 0xff
#define NOP_TAG_SLOT 0xfe       /* the keep-alive's tag: never a task's slot */
#define LOGOUT_TAG_SLOT 0xfd

/* RFC 1982 serial comparison: a before b. */
static bool sn_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

void iscsi_session_default_offer(struct iscsi_params *p)
{
	iscsi_params_rfc_defaults(p);
	p->max_recv_dsl = ISCSI_SESSION_MAX_DSL;
	p->initial_r2t = false;
	p->immediate_data = true;
}

void iscsi_session_init(struct iscsi_session *s, const struct iscsi_config *cfg,
			const struct iscsi_transport *tr)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (s->cfg.offer.max_recv_dsl > ISCSI_SESSION_MAX_DSL || s->cfg.offer.max_recv_dsl < 512)
		s->cfg.offer.max_recv_dsl = ISCSI_SESSION_MAX_DSL;
	s->tr = tr;
	s->cmd_sn = 1;
	s->exp_cmd_sn = 1;
	s->max_cmd_sn = 1;
	/* Login responses may carry up to 8192 bytes (the default), whatever we offer. */
	iscsi_rx_init(&s->rx, s->rx_data, ISCSI_SESSION_MAX_DSL);
	iscsi_rx_set_params(&s->rx, false, false, 8192);
}

const char *iscsi_session_state_name(enum iscsi_session_state st)
{
	static const char *const names[] = { "idle", "security", "operational", "full feature",
					     "logging out", "logged out", "failed" };
	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

int iscsi_session_send(struct iscsi_session *s, const struct iscsi_pdu *p, const void *data, uint32_t len)
{
	bool in_ffp = s->state == ISCSI_SESSION_FULL_FEATURE || s->state == ISCSI_SESSION_LOGGING_OUT;
	bool hd = in_ffp && s->params.header_digest, dd = in_ffp && s->params.data_digest;
	size_t n = iscsi_frame_build(s->tx, sizeof(s->tx), p, data, len, hd, dd);
	if (n == 0) {
		iscsi_session_fail(s, "a %s of %u data bytes does not fit a PDU", iscsi_opcode_name(p->opcode),
				   (unsigned)len);
		return -1;
	}
	if (s->tr->send(s->tr->ctx, s->tx, n) != 0) {
		iscsi_session_fail(s, "the connection refused %zu bytes", n);
		return -1;
	}
	s->stats.pdus_out++;
	s->stats.bytes_out += n;
	return 0;
}

static void complete(struct iscsi_session *s, struct iscsi_task *t, enum iscsi_task_result r)
{
	s->slots[t->itt & TAG_SLOT_MASK] = NULL;
	t->result = r;
	t->done(t);
}

void iscsi_session_fail(struct iscsi_session *s, const char *fmt, ...)
{
	if (s->state == ISCSI_SESSION_FAILED)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	log_error("iscsi", "session with %s failed in the %s phase: %s", s->cfg.target_name,
		  iscsi_session_state_name(s->state), s->error);
	s->state = ISCSI_SESSION_FAILED;
	/* ERL 0: the tasks go back to their owners (reissue is the reconnect step's). */
	for (unsigned i = 0; i < ISCSI_SESSION_MAX_TASKS; i++)
		if (s->slots[i])
			complete(s, s->slots[i], ISCSI_TASK_SESSION_LOST);
	s->queue_head = s->queue_tail = NULL;
	s->tr->event(s->tr->ctx, ISCSI_EVENT_FAILED, s->error);
}

void iscsi_session_take_sns(struct iscsi_session *s, const struct iscsi_pdu *p, bool advances_stat_sn)
{
	if (advances_stat_sn) {
		if (s->state == ISCSI_SESSION_FULL_FEATURE && p->stat_sn != s->exp_stat_sn)
			log_warn("iscsi", "StatSN %u where %u was due", (unsigned)p->stat_sn,
				 (unsigned)s->exp_stat_sn);
		s->exp_stat_sn = p->stat_sn + 1;
	}
	/* Section 4.2.2.1: a MaxCmdSN below ExpCmdSN - 1 makes both invalid. */
	if (sn_lt(p->max_cmd_sn, p->exp_cmd_sn - 1))
		return;
	if (sn_lt(s->exp_cmd_sn, p->exp_cmd_sn) || s->state == ISCSI_SESSION_SECURITY)
		s->exp_cmd_sn = p->exp_cmd_sn;
	if (sn_lt(s->max_cmd_sn, p->max_cmd_sn) || s->state == ISCSI_SESSION_SECURITY)
		s->max_cmd_sn = p->max_cmd_sn;
}

void iscsi_session_start(struct iscsi_session *s)
{
	s->login_started_ms = s->tr->now_ms(s->tr->ctx);
	iscsi_login_send_first(s);
}

/* ---- sending commands and data ---- */

/* Data-Out PDUs for [offset, offset+len) of t, each within MaxSendDSL. */
static int send_data_out(struct iscsi_session *s, struct iscsi_task *t, uint32_t ttt, uint32_t offset,
			 uint32_t len)
{
	uint32_t data_sn = 0;
	while (len > 0) {
		uint32_t n = len < s->params.max_send_dsl ? len : s->params.max_send_dsl;
		struct iscsi_pdu p = { 0 };
		p.opcode = ISCSI_OP_DATA_OUT;
		p.flags = n == len ? ISCSI_FLAG_FINAL : 0;
		p.lun = t->lun;
		p.itt = t->itt;
		p.ttt = ttt;
		p.exp_stat_sn = s->exp_stat_sn;
		p.data_sn = data_sn++;
		p.buffer_offset = offset;
		if (iscsi_session_send(s, &p, t->buf + offset, n) != 0)
			return -1;
		offset += n;
		len -= n;
	}
	return 0;
}

static void send_command(struct iscsi_session *s, struct iscsi_task *t)
{
	uint32_t immediate = 0, unsolicited = 0;
	if (t->write) {
		uint32_t first = t->len < s->params.first_burst ? t->len : s->params.first_burst;
		if (s->params.immediate_data)
			immediate = first < s->params.max_send_dsl ? first : s->params.max_send_dsl;
		if (!s->params.initial_r2t)
			unsolicited = first - immediate;
	}
	struct iscsi_pdu p = { 0 };
	p.opcode = ISCSI_OP_SCSI_CMD;
	p.flags = (uint8_t)((unsolicited ? 0 : ISCSI_FLAG_FINAL) | ISCSI_CMD_ATTR_SIMPLE |
			    (t->len ? (t->write ? ISCSI_CMD_WRITE : ISCSI_CMD_READ) : 0));
	p.lun = t->lun;
	p.itt = t->itt;
	p.length = t->len;
	t->cmd_sn = s->cmd_sn++;
	p.cmd_sn = t->cmd_sn;
	p.exp_stat_sn = s->exp_stat_sn;
	memcpy(p.cdb, t->cdb, sizeof(p.cdb));
	if (iscsi_session_send(s, &p, t->buf, immediate) != 0)
		return;
	if (unsolicited)
		send_data_out(s, t, ISCSI_RESERVED_TAG, immediate, unsolicited);
}

/* Sends queued commands while the window lets us (CmdSN <= MaxCmdSN). */
static void pump(struct iscsi_session *s)
{
	while (s->state == ISCSI_SESSION_FULL_FEATURE && s->queue_head &&
	       !sn_lt(s->max_cmd_sn, s->cmd_sn)) {
		struct iscsi_task *t = s->queue_head;
		s->queue_head = t->next;
		if (!s->queue_head)
			s->queue_tail = NULL;
		t->next = NULL;
		send_command(s, t);
	}
}

int iscsi_session_submit(struct iscsi_session *s, struct iscsi_task *t)
{
	if (s->state != ISCSI_SESSION_FULL_FEATURE)
		return -1;
	if (t->len > 0 && !t->buf)
		return -1;
	unsigned slot;
	for (slot = 0; slot < ISCSI_SESSION_MAX_TASKS && s->slots[slot]; slot++)
		;
	if (slot == ISCSI_SESSION_MAX_TASKS)
		return -1;
	/* A new generation per command, so that a late PDU of an old one is caught. */
	s->tag_generation++;
	t->itt = (s->tag_generation << 8 | slot) & 0x7fffffffu;
	t->result = ISCSI_TASK_OK;
	t->status = 0;
	t->sense_len = 0;
	t->residual = 0;
	t->underflow = t->overflow = false;
	t->transferred = 0;
	t->next_data_sn = 0;
	t->next_r2t_sn = 0;
	t->next = NULL;
	s->slots[slot] = t;
	if (s->queue_tail)
		s->queue_tail->next = t;
	else
		s->queue_head = t;
	s->queue_tail = t;
	pump(s);
	return 0;
}

unsigned iscsi_session_outstanding(const struct iscsi_session *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ISCSI_SESSION_MAX_TASKS; i++)
		n += s->slots[i] != NULL;
	return n;
}

/* The task a target PDU names, or NULL (and the session failed). */
static struct iscsi_task *task_of(struct iscsi_session *s, const struct iscsi_pdu *p)
{
	unsigned slot = p->itt & TAG_SLOT_MASK;
	struct iscsi_task *t = slot < ISCSI_SESSION_MAX_TASKS ? s->slots[slot] : NULL;
	if (!t || t->itt != p->itt) {
		iscsi_session_fail(s, "%s for unknown task tag 0x%x", iscsi_opcode_name(p->opcode),
				   (unsigned)p->itt);
		return NULL;
	}
	return t;
}

/* ---- the target's PDUs ---- */

static void take_status(struct iscsi_task *t, const struct iscsi_pdu *p)
{
	t->status = p->status;
	t->underflow = (p->flags & ISCSI_RSP_UNDERFLOW) != 0;
	t->overflow = (p->flags & ISCSI_RSP_OVERFLOW) != 0;
	t->residual = p->length;
}

/*
 * A read's status: GOOD means the buffer holds what the target said it
 * sent (all of it, less an underflow's residual). Fewer bytes than that
 * would hand stale memory to the caller as disk data.
 */
static enum iscsi_task_result read_result(const struct iscsi_task *t)
{
	if (t->write || t->status != 0)
		return ISCSI_TASK_OK;
	uint32_t expected = t->underflow && t->residual <= t->len ? t->len - t->residual : t->len;
	return t->transferred < expected ? ISCSI_TASK_SHORT_DATA : ISCSI_TASK_OK;
}

static void on_data_in(struct iscsi_session *s, const struct iscsi_pdu *p, const uint8_t *data)
{
	struct iscsi_task *t = task_of(s, p);
	if (!t)
		return;
	if (t->write && p->data_len) {
		iscsi_session_fail(s, "Data-In for a write (tag 0x%x)", (unsigned)t->itt);
		return;
	}
	if (p->data_sn != t->next_data_sn) {
		iscsi_session_fail(s, "Data-In DataSN %u where %u was due (tag 0x%x)", (unsigned)p->data_sn,
				   (unsigned)t->next_data_sn, (unsigned)t->itt);
		return;
	}
	if ((uint64_t)p->buffer_offset + p->data_len > t->len ||
	    (s->params.data_pdu_in_order && p->buffer_offset != t->transferred)) {
		iscsi_session_fail(s, "Data-In of %u bytes at offset %u outside the %u expected (tag 0x%x)",
				   (unsigned)p->data_len, (unsigned)p->buffer_offset, (unsigned)t->len,
				   (unsigned)t->itt);
		return;
	}
	memcpy(t->buf + p->buffer_offset, data, p->data_len);
	t->transferred += p->data_len;
	t->next_data_sn++;
	if (p->flags & ISCSI_DATAIN_STATUS) {
		take_status(t, p);
		complete(s, t, read_result(t));
	}
}

static void on_scsi_response(struct iscsi_session *s, const struct iscsi_pdu *p, const uint8_t *data)
{
	struct iscsi_task *t = task_of(s, p);
	if (!t)
		return;
	const uint8_t *sense;
	uint32_t sense_len;
	const char *why = iscsi_pdu_sense(data, p->data_len, &sense, &sense_len);
	if (why) {
		iscsi_session_fail(s, "SCSI Response (tag 0x%x): %s", (unsigned)t->itt, why);
		return;
	}
	take_status(t, p);
	t->sense_len = sense_len < sizeof(t->sense) ? sense_len : sizeof(t->sense);
	if (sense)
		memcpy(t->sense, sense, t->sense_len);
	complete(s, t, p->response == 0 ? read_result(t) : ISCSI_TASK_TARGET_FAILURE);
}

static void on_r2t(struct iscsi_session *s, const struct iscsi_pdu *p)
{
	struct iscsi_task *t = task_of(s, p);
	if (!t)
		return;
	if (!t->write || p->data_sn != t->next_r2t_sn ||
	    (uint64_t)p->buffer_offset + p->length > t->len || p->length > s->params.max_burst) {
		iscsi_session_fail(s, "R2T %u for %u bytes at %u does not fit the task (tag 0x%x, %u bytes, %s)",
				   (unsigned)p->data_sn, (unsigned)p->length, (unsigned)p->buffer_offset,
				   (unsigned)t->itt, (unsigned)t->len, t->write ? "write" : "read");
		return;
	}
	t->next_r2t_sn++;
	send_data_out(s, t, p->ttt, p->buffer_offset, p->length);
}

static void on_nop_in(struct iscsi_session *s, const struct iscsi_pdu *p, const uint8_t *data)
{
	if (p->itt != ISCSI_RESERVED_TAG) {
		/* The answer to our keep-alive. */
		if (!s->nop_outstanding || p->itt != s->nop_itt)
			log_warn("iscsi", "NOP-In for tag 0x%x we did not ping with", (unsigned)p->itt);
		s->nop_outstanding = false;
		return;
	}
	if (p->ttt == ISCSI_RESERVED_TAG)
		return; /* only a window update */
	/* The target pings: answer with its tag, its LUN and its data (section 11.18). */
	struct iscsi_pdu r = { 0 };
	r.opcode = ISCSI_OP_NOP_OUT;
	r.immediate = true;
	r.flags = ISCSI_FLAG_FINAL;
	r.lun = p->lun;
	r.itt = ISCSI_RESERVED_TAG;
	r.ttt = p->ttt;
	r.cmd_sn = s->cmd_sn;
	r.exp_stat_sn = s->exp_stat_sn;
	uint32_t n = p->data_len < s->params.max_send_dsl ? p->data_len : s->params.max_send_dsl;
	s->stats.nops_answered++;
	iscsi_session_send(s, &r, data, n);
}

static void on_async(struct iscsi_session *s, const struct iscsi_pdu *p)
{
	s->stats.async_events++;
	switch (p->async_event) {
	case 0:
		log_info("iscsi", "target's asynchronous SCSI event (sense data attached)");
		break;
	case 1:
		log_warn("iscsi", "target requests a logout within %u s", p->async_param[2]);
		s->tr->event(s->tr->ctx, ISCSI_EVENT_LOGOUT_REQUESTED, NULL);
		break;
	case 2:
	case 3:
		iscsi_session_fail(s, "the target drops the %s (Async Message %u, wait %u s)",
				   p->async_event == 2 ? "connection" : "session", p->async_event,
				   p->async_param[1]);
		break;
	case 4:
		log_warn("iscsi", "target asks to renegotiate parameters: not supported, ignored");
		break;
	default:
		log_warn("iscsi", "Async Message event %u (vcode %u) ignored", p->async_event, p->async_vcode);
		break;
	}
}

static void on_reject(struct iscsi_session *s, const struct iscsi_pdu *p, const uint8_t *data)
{
	struct iscsi_pdu bad;
	iscsi_bhs_parse(data, &bad);
	s->stats.rejects++;
	log_warn("iscsi", "target rejected our %s (tag 0x%x): reason 0x%02x", iscsi_opcode_name(bad.opcode),
		 (unsigned)bad.itt, p->response);
	unsigned slot = bad.itt & TAG_SLOT_MASK;
	struct iscsi_task *t = slot < ISCSI_SESSION_MAX_TASKS ? s->slots[slot] : NULL;
	if (t && t->itt == bad.itt && bad.opcode == ISCSI_OP_SCSI_CMD)
		complete(s, t, ISCSI_TASK_REJECTED);
}

static void on_logout_response(struct iscsi_session *s, const struct iscsi_pdu *p)
{
	if (s->state != ISCSI_SESSION_LOGGING_OUT) {
		iscsi_session_fail(s, "Logout Response without a Logout Request");
		return;
	}
	if (p->response != 0) {
		iscsi_session_fail(s, "logout refused: response %u", p->response);
		return;
	}
	s->state = ISCSI_SESSION_LOGGED_OUT;
	log_info("iscsi", "logged out of %s", s->cfg.target_name);
	s->tr->event(s->tr->ctx, ISCSI_EVENT_LOGGED_OUT, NULL);
}

/* Whether a PDU's StatSN is a new one (section 11: status-carrying PDUs). */
static bool advances_stat_sn(const struct iscsi_pdu *p)
{
	switch (p->opcode) {
	case ISCSI_OP_DATA_IN: return (p->flags & ISCSI_DATAIN_STATUS) != 0;
	case ISCSI_OP_NOP_IN: return p->itt != ISCSI_RESERVED_TAG;
	case ISCSI_OP_R2T: return false;
	default: return true;
	}
}

static void dispatch(struct iscsi_session *s, const struct iscsi_pdu *p, const uint8_t *data)
{
	s->stats.pdus_in++;
	s->last_rx_ms = s->tr->now_ms(s->tr->ctx);
	if (s->state == ISCSI_SESSION_SECURITY || s->state == ISCSI_SESSION_OPERATIONAL) {
		iscsi_login_response(s, p, data);
		return;
	}
	iscsi_session_take_sns(s, p, advances_stat_sn(p));
	switch (p->opcode) {
	case ISCSI_OP_DATA_IN: on_data_in(s, p, data); break;
	case ISCSI_OP_SCSI_RSP: on_scsi_response(s, p, data); break;
	case ISCSI_OP_R2T: on_r2t(s, p); break;
	case ISCSI_OP_NOP_IN: on_nop_in(s, p, data); break;
	case ISCSI_OP_ASYNC_MSG: on_async(s, p); break;
	case ISCSI_OP_REJECT: on_reject(s, p, data); break;
	case ISCSI_OP_LOGOUT_RSP: on_logout_response(s, p); break;
	default:
		/* Login, Text, TMF Responses: we sent no such request. */
		iscsi_session_fail(s, "unexpected %s in the full feature phase", iscsi_opcode_name(p->opcode));
		return;
	}
	pump(s);
}

void iscsi_session_receive(struct iscsi_session *s, const uint8_t *bytes, size_t len)
{
	s->stats.bytes_in += len;
	while (len > 0 && s->state != ISCSI_SESSION_FAILED && s->state != ISCSI_SESSION_LOGGED_OUT &&
	       s->state != ISCSI_SESSION_IDLE) {
		size_t used = iscsi_rx_feed(&s->rx, bytes, len);
		bytes += used;
		len -= used;
		if (s->rx.state == ISCSI_RX_ERROR) {
			iscsi_session_fail(s, "malformed PDU from the target: %s (opcode 0x%02x)", s->rx.error,
					   s->rx.header[0] & ISCSI_BHS_OPCODE_MASK);
			return;
		}
		if (s->rx.state == ISCSI_RX_READY) {
			dispatch(s, &s->rx.pdu, iscsi_rx_data(&s->rx));
			iscsi_rx_next(&s->rx);
		}
	}
}

static void send_keepalive(struct iscsi_session *s, uint64_t now)
{
	struct iscsi_pdu p = { 0 };
	p.opcode = ISCSI_OP_NOP_OUT;
	p.immediate = true;
	p.flags = ISCSI_FLAG_FINAL;
	s->tag_generation++;
	s->nop_itt = (s->tag_generation << 8 | NOP_TAG_SLOT) & 0x7fffffffu;
	p.itt = s->nop_itt;
	p.ttt = ISCSI_RESERVED_TAG;
	p.cmd_sn = s->cmd_sn;
	p.exp_stat_sn = s->exp_stat_sn;
	s->nop_outstanding = true;
	s->nop_sent_ms = now;
	s->stats.keepalives++;
	iscsi_session_send(s, &p, NULL, 0);
}

void iscsi_session_tick(struct iscsi_session *s)
{
	uint64_t now = s->tr->now_ms(s->tr->ctx);
	switch (s->state) {
	case ISCSI_SESSION_SECURITY:
	case ISCSI_SESSION_OPERATIONAL:
		if (s->cfg.login_timeout_ms && now - s->login_started_ms >= s->cfg.login_timeout_ms)
			iscsi_session_fail(s, "login did not finish in %u ms", (unsigned)s->cfg.login_timeout_ms);
		break;
	case ISCSI_SESSION_FULL_FEATURE:
	case ISCSI_SESSION_LOGGING_OUT:
		if (s->nop_outstanding) {
			if (now - s->nop_sent_ms >= s->cfg.nop_timeout_ms)
				iscsi_session_fail(s, "no NOP-In within %u ms: the target is silent",
						   (unsigned)s->cfg.nop_timeout_ms);
		} else if (s->cfg.nop_interval_ms && now - s->last_rx_ms >= s->cfg.nop_interval_ms) {
			send_keepalive(s, now);
		}
		break;
	default:
		break;
	}
}

void iscsi_session_logout(struct iscsi_session *s)
{
	if (s->state != ISCSI_SESSION_FULL_FEATURE)
		return;
	struct iscsi_pdu p = { 0 };
	p.opcode = ISCSI_OP_LOGOUT_REQ;
	p.immediate = true;
	p.flags = ISCSI_FLAG_FINAL | 0; /* reason 0: close the session */
	p.itt = LOGOUT_TAG_SLOT;
	p.cid = 0;
	p.cmd_sn = s->cmd_sn;
	p.exp_stat_sn = s->exp_stat_sn;
	s->state = ISCSI_SESSION_LOGGING_OUT;
	iscsi_session_send(s, &p, NULL, 0);
}
