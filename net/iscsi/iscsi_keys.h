/*
 * iSCSI text keys (RFC 7143 sections 6 and 13): "key=value\0" lists read
 * and written, and the initiator's side of the operational negotiation.
 *
 * The initiator offers every operational key it relies on, defaults
 * included (some targets fail otherwise). A target's answer must be
 * admissible under the key's rule (a value from our list; for a minimum
 * function no more than our offer, for a maximum no less; for an AND key we
 * offered No, No; for an OR key we offered Yes, Yes) and in the key's
 * range, or the login fails with the reason. A key the target does not
 * answer at all, or answers with Reject, NotUnderstood or Irrelevant, is
 * taken as if it had answered the RFC default: the result is the key's
 * function of our offer and that default (a list key then needs None among
 * our offers). Keys the target proposes that we do not know get
 * "key=NotUnderstood" (section 6.2). Pure.
 */
#ifndef FTV_ISCSI_KEYS_H
#define FTV_ISCSI_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISCSI_KEY_MAX_NAME 63
#define ISCSI_KEY_MAX_VALUE 8192 /* binary CHAP values may exceed the 255 of simple ones */

/* One pair, pointing into the list (not NUL-terminated copies). */
struct iscsi_kv {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
};

/*
 * The next pair of buf[len] from *pos: 1 and *kv, 0 at the end, -1 with
 * *why for a malformed list (no '=', an empty or too long key, a key with
 * characters outside RFC 7143 section 6.1's set, a value too long, a last
 * pair without its NUL). Empty strings between pairs are skipped.
 */
int iscsi_keys_next(const uint8_t *buf, size_t len, size_t *pos, struct iscsi_kv *kv, const char **why);

/* Whether a pair's key is 'name'. */
bool iscsi_kv_is(const struct iscsi_kv *kv, const char *name);
/* Whether its value is v. */
bool iscsi_kv_value_is(const struct iscsi_kv *kv, const char *v);

/* A list being written. Adding past cap sets overflow and leaves len. */
struct iscsi_text {
	char *buf;
	size_t cap, len;
	bool overflow;
};

void iscsi_text_init(struct iscsi_text *t, char *buf, size_t cap);
void iscsi_text_add(struct iscsi_text *t, const char *key, const char *value);
void iscsi_text_add_u32(struct iscsi_text *t, const char *key, uint32_t value);

/*
 * Numbers (decimal, or 0x hex) and booleans as section 5.1 writes them.
 * false for anything else (empty, junk after the digits, above 2^32-1).
 */
bool iscsi_value_u32(const struct iscsi_kv *kv, uint32_t *out);
bool iscsi_value_bool(const struct iscsi_kv *kv, bool *out);
/* 0-15 for a hex digit, else -1. */
int iscsi_hex_digit(char c);

/* The operational parameters of a session (section 13). */
struct iscsi_params {
	bool header_digest, data_digest;   /* CRC32C or None */
	uint32_t max_recv_dsl;             /* ours, declared */
	uint32_t max_send_dsl;             /* the target's MaxRecvDataSegmentLength */
	uint32_t max_burst, first_burst;
	bool immediate_data, initial_r2t;
	uint32_t max_outstanding_r2t;
	bool data_pdu_in_order, data_seq_in_order;
	uint32_t error_recovery_level;
	uint32_t time2wait, time2retain;
	uint32_t max_connections;
};

/* The RFC's defaults (what a session without negotiation runs with). */
void iscsi_params_rfc_defaults(struct iscsi_params *p);

/* The initiator's side of one negotiation. */
struct iscsi_neg {
	struct iscsi_params offer;  /* what we send; header/data_digest: we offer CRC32C,None */
	struct iscsi_params result;
	uint32_t answered;          /* bit per key of the table */
	char error[128];            /* set when a call fails */
};

/*
 * Starts a negotiation of 'offer' (whose values must be admissible
 * themselves) and writes every operational key into t.
 */
void iscsi_neg_start(struct iscsi_neg *n, const struct iscsi_params *offer, struct iscsi_text *t);

/*
 * Takes one login response's keys: operational ones are checked and
 * combined, the ones named in 'known' (security keys, TargetAlias...: the
 * caller's business) are skipped, and anything else is answered
 * NotUnderstood in reply. 0, or -1 with n->error.
 */
int iscsi_neg_take(struct iscsi_neg *n, const uint8_t *data, size_t len, const char *const *known,
		   struct iscsi_text *reply);

/* At the end of the operational stage: unanswered keys take their defaults,
 * then the cross-key rules (FirstBurstLength <= MaxBurstLength). 0 or -1. */
int iscsi_neg_finish(struct iscsi_neg *n);

#endif
