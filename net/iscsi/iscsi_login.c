/*
 * The login phase of a session (RFC 7143 sections 6.3, 11.12, 11.13): the
 * security stage (AuthMethod None, or CHAP), the operational stage (every
 * key offered, see iscsi_keys.h), until the target takes us into the full
 * feature phase.
 */
#include <string.h>

#include "hv/lib/log.h"
#include "net/iscsi/iscsi_chap.h"
#include "net/iscsi/iscsi_session.h"

#define LOGIN_ITT 0
#define LOGIN_MAX_EXCHANGES 16

/* Keys the operational negotiation leaves to others: the security stage's,
 * and the target's declarations that need no answer. */
static const char *const login_known_keys[] = {
	"AuthMethod", "CHAP_A", "CHAP_I", "CHAP_C", "CHAP_N", "CHAP_R", "TargetAlias",
	"TargetPortalGroupTag", "TargetAddress", "TargetName", NULL,
};

static void login_send(struct iscsi_session *s, unsigned csg, unsigned nsg, bool transit,
		       const struct iscsi_text *t)
{
	struct iscsi_pdu p = { 0 };
	p.opcode = ISCSI_OP_LOGIN_REQ;
	p.immediate = true; /* always, section 11.12 */
	p.flags = (uint8_t)((transit ? ISCSI_FLAG_FINAL : 0) | csg << ISCSI_LOGIN_CSG_SHIFT | nsg);
	memcpy(p.isid, s->cfg.isid, sizeof(p.isid));
	p.tsih = 0; /* a new session */
	p.itt = LOGIN_ITT;
	p.cid = 0;
	p.cmd_sn = s->cmd_sn;
	p.exp_stat_sn = s->exp_stat_sn;
	if (t && t->overflow) {
		iscsi_session_fail(s, "login: our keys do not fit one PDU");
		return;
	}
	iscsi_session_send(s, &p, t ? t->buf : NULL, t ? (uint32_t)t->len : 0);
}

void iscsi_login_send_first(struct iscsi_session *s)
{
	char buf[1024];
	struct iscsi_text t;
	iscsi_text_init(&t, buf, sizeof(buf));
	iscsi_text_add(&t, "InitiatorName", s->cfg.initiator_name);
	iscsi_text_add(&t, "SessionType", "Normal");
	iscsi_text_add(&t, "TargetName", s->cfg.target_name);
	bool chap = s->cfg.chap_secret != NULL;
	/* With a secret, CHAP only: a target must not talk us down to None. */
	iscsi_text_add(&t, "AuthMethod", chap ? "CHAP" : "None");
	s->auth = AUTH_OFFERED;
	s->state = ISCSI_SESSION_SECURITY;
	login_send(s, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, !chap, &t);
}

static void enter_operational(struct iscsi_session *s)
{
	char buf[1024];
	struct iscsi_text t;
	iscsi_text_init(&t, buf, sizeof(buf));
	s->state = ISCSI_SESSION_OPERATIONAL;
	iscsi_neg_start(&s->neg, &s->cfg.offer, &t);
	login_send(s, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, true, &t);
}

static void enter_full_feature(struct iscsi_session *s, const struct iscsi_pdu *p)
{
	if (iscsi_neg_finish(&s->neg) != 0) {
		iscsi_session_fail(s, "login: %s", s->neg.error);
		return;
	}
	s->params = s->neg.result;
	if (s->params.max_send_dsl > ISCSI_SESSION_MAX_DSL)
		s->params.max_send_dsl = ISCSI_SESSION_MAX_DSL;
	iscsi_rx_set_params(&s->rx, s->params.header_digest, s->params.data_digest,
			    s->params.max_recv_dsl);
	s->tsih = p->tsih;
	s->state = ISCSI_SESSION_FULL_FEATURE;
	s->last_rx_ms = s->tr->now_ms(s->tr->ctx);
	log_info("iscsi", "logged in to %s: TSIH %u, MaxRecvDSL %u/%u, bursts %u/%u, ImmediateData %s, "
		 "InitialR2T %s, digests %s/%s", s->cfg.target_name, s->tsih,
		 (unsigned)s->params.max_recv_dsl, (unsigned)s->params.max_send_dsl,
		 (unsigned)s->params.max_burst, (unsigned)s->params.first_burst,
		 s->params.immediate_data ? "Yes" : "No", s->params.initial_r2t ? "Yes" : "No",
		 s->params.header_digest ? "CRC32C" : "None", s->params.data_digest ? "CRC32C" : "None");
	s->tr->event(s->tr->ctx, ISCSI_EVENT_LOGGED_IN, NULL);
}

/* The security keys of one response. */
struct auth_keys {
	struct iscsi_kv method, chap_a, chap_i, chap_c;
	bool has_method, has_a, has_i, has_c;
};

static const char *read_auth_keys(const uint8_t *text, size_t len, struct auth_keys *k)
{
	size_t pos = 0;
	struct iscsi_kv kv;
	const char *why = NULL;
	int got;
	memset(k, 0, sizeof(*k));
	while ((got = iscsi_keys_next(text, len, &pos, &kv, &why)) == 1) {
		if (iscsi_kv_is(&kv, "AuthMethod"))
			k->method = kv, k->has_method = true;
		else if (iscsi_kv_is(&kv, "CHAP_A"))
			k->chap_a = kv, k->has_a = true;
		else if (iscsi_kv_is(&kv, "CHAP_I"))
			k->chap_i = kv, k->has_i = true;
		else if (iscsi_kv_is(&kv, "CHAP_C"))
			k->chap_c = kv, k->has_c = true;
	}
	return got < 0 ? why : NULL;
}

static void send_chap_response(struct iscsi_session *s, const struct auth_keys *k)
{
	uint32_t alg;
	if (!k->has_a || !iscsi_value_u32(&k->chap_a, &alg) || alg != ISCSI_CHAP_MD5) {
		iscsi_session_fail(s, "login: the target did not choose CHAP_A=5 (MD5)");
		return;
	}
	if (!k->has_i || !k->has_c) {
		iscsi_session_fail(s, "login: CHAP without CHAP_I or CHAP_C");
		return;
	}
	char r[ISCSI_CHAP_RESPONSE_SIZE];
	const char *why = iscsi_chap_response(&k->chap_i, &k->chap_c, s->cfg.chap_secret, r);
	if (why) {
		iscsi_session_fail(s, "login: %s", why);
		return;
	}
	char buf[512];
	struct iscsi_text t;
	iscsi_text_init(&t, buf, sizeof(buf));
	iscsi_text_add(&t, "CHAP_N", s->cfg.chap_name ? s->cfg.chap_name : s->cfg.initiator_name);
	iscsi_text_add(&t, "CHAP_R", r);
	s->auth = AUTH_CHAP_RESPONSE;
	login_send(s, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, true, &t);
}

static void security_response(struct iscsi_session *s, const struct iscsi_pdu *p, const uint8_t *text,
			      size_t len)
{
	struct auth_keys k;
	const char *why = read_auth_keys(text, len, &k);
	if (why) {
		iscsi_session_fail(s, "login: malformed keys: %s", why);
		return;
	}
	bool transit = (p->flags & ISCSI_FLAG_FINAL) != 0;
	if (transit && iscsi_login_nsg(p) != ISCSI_STAGE_OPERATIONAL) {
		iscsi_session_fail(s, "login: the target skips the operational stage");
		return;
	}
	bool chap = s->cfg.chap_secret != NULL;
	switch (s->auth) {
	case AUTH_OFFERED:
		if (!k.has_method && (chap || !transit)) {
			iscsi_session_fail(s, "login: the target did not answer AuthMethod");
			return;
		}
		if (k.has_method && chap && iscsi_kv_value_is(&k.method, "CHAP")) {
			char buf[32];
			struct iscsi_text t;
			iscsi_text_init(&t, buf, sizeof(buf));
			iscsi_text_add(&t, "CHAP_A", "5");
			s->auth = AUTH_CHAP_ALGORITHM;
			login_send(s, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, false, &t);
			return;
		}
		if (k.has_method && (chap || !iscsi_kv_value_is(&k.method, "None"))) {
			iscsi_session_fail(s, "login: AuthMethod answered '%.*s' to our %s",
					   (int)k.method.value_len, k.method.value, chap ? "CHAP" : "None");
			return;
		}
		s->auth = AUTH_DONE;
		break;
	case AUTH_CHAP_ALGORITHM:
		send_chap_response(s, &k);
		return;
	case AUTH_CHAP_RESPONSE:
		s->auth = AUTH_DONE; /* a Status-Class 0 answer: the target took our response */
		break;
	case AUTH_DONE:
		break;
	}
	if (transit)
		enter_operational(s);
	else
		login_send(s, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, true, NULL);
}

static void operational_response(struct iscsi_session *s, const struct iscsi_pdu *p, const uint8_t *text,
				 size_t len)
{
	char buf[1024];
	struct iscsi_text reply;
	iscsi_text_init(&reply, buf, sizeof(buf));
	if (iscsi_neg_take(&s->neg, text, len, login_known_keys, &reply) != 0) {
		iscsi_session_fail(s, "login: %s", s->neg.error);
		return;
	}
	if (p->flags & ISCSI_FLAG_FINAL) {
		if (iscsi_login_nsg(p) != ISCSI_STAGE_FULL_FEATURE) {
			iscsi_session_fail(s, "login: the target moves to stage %u from the operational stage",
					   iscsi_login_nsg(p));
			return;
		}
		enter_full_feature(s, p);
		return;
	}
	login_send(s, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, true, &reply);
}

void iscsi_login_response(struct iscsi_session *s, const struct iscsi_pdu *p, const uint8_t *data)
{
	if (p->opcode != ISCSI_OP_LOGIN_RSP) {
		iscsi_session_fail(s, "login: the target sent %s", iscsi_opcode_name(p->opcode));
		return;
	}
	if (p->status != 0) {
		/* Status-Class 1: redirection (not followed); 2: initiator error
		 * (2/1 authentication failed, 2/3 no such target); 3: target error. */
		iscsi_session_fail(s, "login refused by the target: status class %u detail %u", p->status,
				   p->response);
		return;
	}
	if (p->version_min != 0) {
		iscsi_session_fail(s, "login: the target runs protocol version %u", p->version_min);
		return;
	}
	iscsi_session_take_sns(s, p, true);
	unsigned stage = s->state == ISCSI_SESSION_SECURITY ? ISCSI_STAGE_SECURITY : ISCSI_STAGE_OPERATIONAL;
	if (iscsi_login_csg(p) != stage) {
		iscsi_session_fail(s, "login: the target answers for stage %u in stage %u", iscsi_login_csg(p),
				   stage);
		return;
	}
	if (++s->login_exchanges > LOGIN_MAX_EXCHANGES) {
		iscsi_session_fail(s, "login: no agreement after %u exchanges", LOGIN_MAX_EXCHANGES);
		return;
	}
	if (p->data_len > sizeof(s->login_text) - s->login_text_len) {
		iscsi_session_fail(s, "login: the target's keys exceed %u bytes", ISCSI_LOGIN_TEXT_MAX);
		return;
	}
	memcpy(s->login_text + s->login_text_len, data, p->data_len);
	s->login_text_len += p->data_len;
	if (p->flags & ISCSI_FLAG_CONTINUE) {
		/* More text follows: ask for it with an empty request (section 6.3). */
		login_send(s, stage, stage == ISCSI_STAGE_SECURITY ? ISCSI_STAGE_OPERATIONAL
								   : ISCSI_STAGE_FULL_FEATURE, false, NULL);
		return;
	}
	size_t len = s->login_text_len;
	s->login_text_len = 0;
	if (stage == ISCSI_STAGE_SECURITY)
		security_response(s, p, s->login_text, len);
	else
		operational_response(s, p, s->login_text, len);
}
