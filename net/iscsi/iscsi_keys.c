#include "net/iscsi/iscsi_keys.h"

#include <stdio.h>
#include <string.h>

/* ---- lists of pairs ---- */

static bool key_char_ok(char c)
{
	/* section 6.1: a-z, A-Z, 0-9, '.', '-', '+', '@', '_' */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '-' || c == '+' || c == '@' || c == '_';
}

int iscsi_keys_next(const uint8_t *buf, size_t len, size_t *pos, struct iscsi_kv *kv, const char **why)
{
	size_t p = *pos;
	while (p < len && buf[p] == 0)
		p++;
	*pos = p;
	if (p >= len)
		return 0;
	const char *s = (const char *)buf + p;
	const uint8_t *nul = memchr(buf + p, 0, len - p);
	if (!nul) {
		*why = "last key=value pair without its NUL";
		return -1;
	}
	size_t n = (size_t)(nul - (buf + p));
	const char *eq = memchr(s, '=', n);
	if (!eq) {
		*why = "a pair without '='";
		return -1;
	}
	kv->key = s;
	kv->key_len = (size_t)(eq - s);
	kv->value = eq + 1;
	kv->value_len = n - kv->key_len - 1;
	if (kv->key_len == 0 || kv->key_len > ISCSI_KEY_MAX_NAME) {
		*why = "an empty or too long key";
		return -1;
	}
	for (size_t i = 0; i < kv->key_len; i++) {
		if (!key_char_ok(s[i])) {
			*why = "a key with a character outside a-z A-Z 0-9 . - + @ _";
			return -1;
		}
	}
	if (kv->value_len > ISCSI_KEY_MAX_VALUE) {
		*why = "a value too long";
		return -1;
	}
	*pos = p + n + 1;
	return 1;
}

bool iscsi_kv_is(const struct iscsi_kv *kv, const char *name)
{
	return strlen(name) == kv->key_len && memcmp(kv->key, name, kv->key_len) == 0;
}

bool iscsi_kv_value_is(const struct iscsi_kv *kv, const char *v)
{
	return strlen(v) == kv->value_len && memcmp(kv->value, v, kv->value_len) == 0;
}

void iscsi_text_init(struct iscsi_text *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	t->overflow = false;
}

void iscsi_text_add(struct iscsi_text *t, const char *key, const char *value)
{
	size_t k = strlen(key), v = strlen(value);
	if (t->len + k + v + 2 > t->cap) {
		t->overflow = true;
		return;
	}
	memcpy(t->buf + t->len, key, k);
	t->buf[t->len + k] = '=';
	memcpy(t->buf + t->len + k + 1, value, v);
	t->buf[t->len + k + 1 + v] = 0;
	t->len += k + v + 2;
}

void iscsi_text_add_u32(struct iscsi_text *t, const char *key, uint32_t value)
{
	char num[12];
	snprintf(num, sizeof(num), "%u", (unsigned)value);
	iscsi_text_add(t, key, num);
}

int iscsi_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool iscsi_value_u32(const struct iscsi_kv *kv, uint32_t *out)
{
	const char *s = kv->value;
	size_t n = kv->value_len, i = 0;
	unsigned base = 10;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i >= n)
		return false;
	uint64_t v = 0;
	for (; i < n; i++) {
		int d = base == 16 ? iscsi_hex_digit(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
		if (d < 0)
			return false;
		v = v * base + (unsigned)d;
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

bool iscsi_value_bool(const struct iscsi_kv *kv, bool *out)
{
	if (iscsi_kv_value_is(kv, "Yes"))
		*out = true;
	else if (iscsi_kv_value_is(kv, "No"))
		*out = false;
	else
		return false;
	return true;
}

/* ---- operational negotiation ---- */

enum key_kind { KIND_DIGEST, KIND_DECLARE, KIND_MIN, KIND_MAX, KIND_AND, KIND_OR };

struct key_rule {
	const char *name;
	enum key_kind kind;
	uint32_t lo, hi, rfc_default;
	size_t field;      /* in struct iscsi_params: the result (and the offer) */
	bool is_bool;
};

#define U(m) offsetof(struct iscsi_params, m), false
#define B(m) offsetof(struct iscsi_params, m), true
#define DSL_MAX 16777215u

static const struct key_rule rules[] = {
	{ "HeaderDigest", KIND_DIGEST, 0, 1, 0, B(header_digest) },
	{ "DataDigest", KIND_DIGEST, 0, 1, 0, B(data_digest) },
	/* Declarative: we send ours, the target's goes into max_send_dsl. */
	{ "MaxRecvDataSegmentLength", KIND_DECLARE, 512, DSL_MAX, 8192, U(max_send_dsl) },
	{ "MaxBurstLength", KIND_MIN, 512, DSL_MAX, 262144, U(max_burst) },
	{ "FirstBurstLength", KIND_MIN, 512, DSL_MAX, 65536, U(first_burst) },
	{ "ImmediateData", KIND_AND, 0, 1, 1, B(immediate_data) },
	{ "InitialR2T", KIND_OR, 0, 1, 1, B(initial_r2t) },
	{ "MaxOutstandingR2T", KIND_MIN, 1, 65535, 1, U(max_outstanding_r2t) },
	{ "DataPDUInOrder", KIND_OR, 0, 1, 1, B(data_pdu_in_order) },
	{ "DataSequenceInOrder", KIND_OR, 0, 1, 1, B(data_seq_in_order) },
	{ "ErrorRecoveryLevel", KIND_MIN, 0, 2, 0, U(error_recovery_level) },
	{ "DefaultTime2Wait", KIND_MAX, 0, 3600, 2, U(time2wait) },
	{ "DefaultTime2Retain", KIND_MIN, 0, 3600, 20, U(time2retain) },
	{ "MaxConnections", KIND_MIN, 1, 65535, 1, U(max_connections) },
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

static uint32_t get_field(const struct iscsi_params *p, const struct key_rule *r)
{
	const uint8_t *at = (const uint8_t *)p + r->field;
	if (r->is_bool)
		return *(const bool *)at;
	return *(const uint32_t *)at;
}

static void set_field(struct iscsi_params *p, const struct key_rule *r, uint32_t v)
{
	uint8_t *at = (uint8_t *)p + r->field;
	if (r->is_bool)
		*(bool *)at = v != 0;
	else
		*(uint32_t *)at = v;
}

/* What we offer for a key (MaxRecvDataSegmentLength: our own). */
static uint32_t offered(const struct iscsi_neg *n, const struct key_rule *r)
{
	if (r->kind == KIND_DECLARE)
		return n->offer.max_recv_dsl;
	return get_field(&n->offer, r);
}

void iscsi_params_rfc_defaults(struct iscsi_params *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < NRULES; i++)
		set_field(p, &rules[i], rules[i].rfc_default);
	p->max_recv_dsl = 8192;
}

void iscsi_neg_start(struct iscsi_neg *n, const struct iscsi_params *offer, struct iscsi_text *t)
{
	memset(n, 0, sizeof(*n));
	n->offer = *offer;
	n->result = *offer;
	for (size_t i = 0; i < NRULES; i++) {
		const struct key_rule *r = &rules[i];
		uint32_t v = offered(n, r);
		if (r->kind == KIND_DIGEST)
			iscsi_text_add(t, r->name, v ? "CRC32C,None" : "None");
		else if (r->is_bool)
			iscsi_text_add(t, r->name, v ? "Yes" : "No");
		else
			iscsi_text_add_u32(t, r->name, v);
	}
}

static int fail(struct iscsi_neg *n, const char *key, size_t key_len, const char *what)
{
	snprintf(n->error, sizeof(n->error), "%.*s: %s", (int)key_len, key, what);
	return -1;
}

/* The result of a key whose answer is v (validated already). */
static uint32_t combine(const struct key_rule *r, uint32_t ours, uint32_t v)
{
	switch (r->kind) {
	case KIND_MIN: return ours < v ? ours : v;
	case KIND_MAX: return ours > v ? ours : v;
	case KIND_AND: return ours && v;
	case KIND_OR: return ours || v;
	default: return v;
	}
}

static int take_answer(struct iscsi_neg *n, const struct key_rule *r, const struct iscsi_kv *kv)
{
	uint32_t ours = offered(n, r), v;
	bool b;
	if (iscsi_kv_value_is(kv, "Reject") || iscsi_kv_value_is(kv, "NotUnderstood") || iscsi_kv_value_is(kv, "Irrelevant")) {
		v = r->rfc_default; /* as if the target had said the default */
	} else if (r->kind == KIND_DIGEST) {
		if (iscsi_kv_value_is(kv, "None"))
			v = 0;
		else if (iscsi_kv_value_is(kv, "CRC32C") && ours)
			v = 1;
		else
			return fail(n, kv->key, kv->key_len, "a digest we did not offer");
	} else if (r->is_bool) {
		if (!iscsi_value_bool(kv, &b))
			return fail(n, kv->key, kv->key_len, "neither Yes nor No");
		v = b;
		if (r->kind == KIND_AND && !ours && v)
			return fail(n, kv->key, kv->key_len, "Yes where we offered No (AND)");
		if (r->kind == KIND_OR && ours && !v)
			return fail(n, kv->key, kv->key_len, "No where we offered Yes (OR)");
	} else {
		if (!iscsi_value_u32(kv, &v))
			return fail(n, kv->key, kv->key_len, "not a number");
		if (v < r->lo || v > r->hi)
			return fail(n, kv->key, kv->key_len, "value out of the key's range");
		if (r->kind == KIND_MIN && v > ours)
			return fail(n, kv->key, kv->key_len, "more than we offered (minimum function)");
		if (r->kind == KIND_MAX && v < ours)
			return fail(n, kv->key, kv->key_len, "less than we offered (maximum function)");
	}
	set_field(&n->result, r, r->kind == KIND_DIGEST ? (ours && v) : combine(r, ours, v));
	return 0;
}

static bool in_list(const struct iscsi_kv *kv, const char *const *names)
{
	for (; names && *names; names++)
		if (iscsi_kv_is(kv, *names))
			return true;
	return false;
}

int iscsi_neg_take(struct iscsi_neg *n, const uint8_t *data, size_t len, const char *const *known,
		   struct iscsi_text *reply)
{
	size_t pos = 0;
	struct iscsi_kv kv;
	const char *why = NULL;
	int got;
	while ((got = iscsi_keys_next(data, len, &pos, &kv, &why)) == 1) {
		size_t i;
		for (i = 0; i < NRULES && !iscsi_kv_is(&kv, rules[i].name); i++)
			;
		if (i == NRULES) {
			if (in_list(&kv, known))
				continue;
			/* A key we never heard of: say so (section 6.2). */
			char name[ISCSI_KEY_MAX_NAME + 1];
			memcpy(name, kv.key, kv.key_len);
			name[kv.key_len] = 0;
			iscsi_text_add(reply, name, "NotUnderstood");
			continue;
		}
		if (n->answered & (1u << i))
			return fail(n, kv.key, kv.key_len, "answered twice");
		n->answered |= 1u << i;
		if (take_answer(n, &rules[i], &kv) != 0)
			return -1;
	}
	if (got < 0) {
		snprintf(n->error, sizeof(n->error), "malformed key list: %s", why);
		return -1;
	}
	return 0;
}

int iscsi_neg_finish(struct iscsi_neg *n)
{
	for (size_t i = 0; i < NRULES; i++) {
		const struct key_rule *r = &rules[i];
		if (n->answered & (1u << i))
			continue;
		uint32_t ours = offered(n, r);
		set_field(&n->result, r, r->kind == KIND_DIGEST ? 0 : combine(r, ours, r->rfc_default));
	}
	n->result.max_recv_dsl = n->offer.max_recv_dsl;
	if (n->result.first_burst > n->result.max_burst) {
		snprintf(n->error, sizeof(n->error), "FirstBurstLength %u above MaxBurstLength %u",
			 (unsigned)n->result.first_burst, (unsigned)n->result.max_burst);
		return -1;
	}
	return 0;
}
