/*
 * libFuzzer target for iSCSI text keys (net/iscsi/iscsi_keys.c and the
 * binary values of iscsi_chap.c): the input is a target's key list.
 *
 * Checked: every pair the parser hands out lies inside the input, has a
 * key of legal length and characters and a NUL after its value; a refusal
 * has a reason; the negotiation either fails with a reason or yields
 * parameters within the RFC's ranges, admissible against our offer
 * (minimum functions no larger, FirstBurstLength <= MaxBurstLength, no
 * digest we did not offer); binary values decode within their room.
 */
#include <stdint.h>
#include <string.h>

#include "net/iscsi/iscsi_chap.h"
#include "net/iscsi/iscsi_keys.h"
#include "tests/fuzz/fuzz_check.h"

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_iscsi_keys", what);
}

static void walk(const uint8_t *d, size_t n)
{
	size_t pos = 0;
	struct iscsi_kv kv;
	const char *why = NULL;
	int got;
	while ((got = iscsi_keys_next(d, n, &pos, &kv, &why)) == 1) {
		const uint8_t *k = (const uint8_t *)kv.key, *v = (const uint8_t *)kv.value;
		check(k >= d && v + kv.value_len < d + n, "pair outside the input");
		check(v[kv.value_len] == 0 && k[kv.key_len] == '=', "pair not delimited");
		check(kv.key_len >= 1 && kv.key_len <= ISCSI_KEY_MAX_NAME, "key length");
		check(memchr(kv.key, 0, kv.key_len) == NULL, "NUL inside a key");
		check(pos <= n, "position past the end");
		uint8_t bin[64];
		long b = iscsi_value_binary(&kv, bin, sizeof(bin));
		check(b <= (long)sizeof(bin), "binary value beyond its room");
	}
	if (got < 0)
		check(why && why[0], "refused without a reason");
}

static void negotiate(const uint8_t *d, size_t n, uint8_t steer)
{
	struct iscsi_params o;
	iscsi_params_rfc_defaults(&o);
	o.header_digest = steer & 1;
	o.data_digest = steer & 2;
	o.initial_r2t = steer & 4;
	o.immediate_data = steer & 8;
	o.max_recv_dsl = 65536;
	char sent[1024], reply[2048];
	struct iscsi_text ts, tr;
	iscsi_text_init(&ts, sent, sizeof(sent));
	iscsi_text_init(&tr, reply, sizeof(reply));
	struct iscsi_neg neg;
	iscsi_neg_start(&neg, &o, &ts);
	check(!ts.overflow, "offer overflows");
	static const char *const known[] = { "TargetAlias", NULL };
	if (iscsi_neg_take(&neg, d, n, known, &tr) != 0 || iscsi_neg_finish(&neg) != 0) {
		check(neg.error[0] != 0, "negotiation failed without a reason");
		return;
	}
	const struct iscsi_params *r = &neg.result;
	check(r->max_send_dsl >= 512 && r->max_send_dsl <= 0xffffff, "MaxRecvDataSegmentLength range");
	check(r->max_burst >= 512 && r->max_burst <= o.max_burst, "MaxBurstLength");
	check(r->first_burst >= 512 && r->first_burst <= r->max_burst, "FirstBurstLength");
	check(r->max_outstanding_r2t >= 1 && r->max_outstanding_r2t <= o.max_outstanding_r2t, "MaxOutstandingR2T");
	check(r->error_recovery_level == 0 && r->max_connections == 1, "ERL / MaxConnections");
	check(r->time2wait >= o.time2wait && r->time2wait <= 3600, "DefaultTime2Wait");
	check(r->time2retain <= o.time2retain, "DefaultTime2Retain");
	check(!r->header_digest || o.header_digest, "header digest not offered");
	check(!r->data_digest || o.data_digest, "data digest not offered");
	check(!r->immediate_data || o.immediate_data, "ImmediateData (AND)");
	check(r->initial_r2t || !o.initial_r2t, "InitialR2T (OR)");
	check(r->data_pdu_in_order && r->data_seq_in_order, "in-order keys (OR)");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	walk(data + 1, size - 1);
	negotiate(data + 1, size - 1, data[0]);
	return 0;
}
