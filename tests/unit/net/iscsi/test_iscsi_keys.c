/*
 * net/iscsi/iscsi_keys.c: key=value lists (well-formed, malformed), numbers
 * and booleans, and the operational negotiation: every key offered,
 * answers combined by their rule, answers out of range or not admissible
 * refused with the key's name, silence and Reject taking the RFC default,
 * unknown keys answered NotUnderstood, FirstBurstLength <= MaxBurstLength.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/iscsi/iscsi_keys.h"

/* "a=1|b=2|" with | as NUL. */
static size_t list(uint8_t *out, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		out[i] = s[i] == '|' ? 0 : (uint8_t)s[i];
	return n;
}

static void test_parse_lists(void **state)
{
	(void)state;
	uint8_t b[256];
	size_t n = list(b, "HeaderDigest=None|MaxBurstLength=0x40000||Empty=|");
	size_t pos = 0;
	struct iscsi_kv kv;
	const char *why;
	assert_int_equal(iscsi_keys_next(b, n, &pos, &kv, &why), 1);
	assert_true(iscsi_kv_is(&kv, "HeaderDigest"));
	assert_true(iscsi_kv_value_is(&kv, "None"));
	assert_int_equal(iscsi_keys_next(b, n, &pos, &kv, &why), 1);
	uint32_t v;
	assert_true(iscsi_value_u32(&kv, &v));
	assert_int_equal(v, 0x40000);
	assert_int_equal(iscsi_keys_next(b, n, &pos, &kv, &why), 1);
	assert_int_equal(kv.value_len, 0);
	assert_int_equal(iscsi_keys_next(b, n, &pos, &kv, &why), 0);

	const char *bad[] = { "NoEquals|", "=value|", "Key=unterminated", "Bad Key=1|", "K\x01=1|" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = list(b, bad[i]);
		pos = 0;
		why = NULL;
		assert_int_equal(iscsi_keys_next(b, n, &pos, &kv, &why), -1);
		assert_non_null(why);
	}
	char longkey[80];
	memset(longkey, 'K', 64);
	strcpy(longkey + 64, "=1|");
	n = list(b, longkey);
	pos = 0;
	assert_int_equal(iscsi_keys_next(b, n, &pos, &kv, &why), -1);
}

static void test_values(void **state)
{
	(void)state;
	struct iscsi_kv kv = { "K", 1, NULL, 0 };
	uint32_t v;
	bool b;
	const char *good[] = { "0", "8192", "0xFFFFFFFF", "4294967295" };
	const uint32_t want[] = { 0, 8192, 0xffffffffu, 0xffffffffu };
	for (int i = 0; i < 4; i++) {
		kv.value = good[i];
		kv.value_len = strlen(good[i]);
		assert_true(iscsi_value_u32(&kv, &v));
		assert_int_equal(v, want[i]);
	}
	const char *bad[] = { "", "0x", "12a", "4294967296", "-1", "Yes" };
	for (int i = 0; i < 6; i++) {
		kv.value = bad[i];
		kv.value_len = strlen(bad[i]);
		assert_false(iscsi_value_u32(&kv, &v));
	}
	kv.value = "Yes";
	kv.value_len = 3;
	assert_true(iscsi_value_bool(&kv, &b) && b);
	kv.value = "yes";
	assert_false(iscsi_value_bool(&kv, &b));
}

static void test_text_overflow(void **state)
{
	(void)state;
	char buf[12];
	struct iscsi_text t;
	iscsi_text_init(&t, buf, sizeof(buf));
	iscsi_text_add(&t, "A", "1");
	iscsi_text_add_u32(&t, "B", 22);
	assert_int_equal(t.len, 9);
	assert_memory_equal(buf, "A=1\0B=22\0", 9);
	iscsi_text_add(&t, "CC", "333");
	assert_true(t.overflow);
	assert_int_equal(t.len, 9);
}

/* Our usual offer: digests wanted, no InitialR2T, 64 KiB receive. */
static struct iscsi_params offer(void)
{
	struct iscsi_params p;
	iscsi_params_rfc_defaults(&p);
	p.header_digest = p.data_digest = true;
	p.max_recv_dsl = 65536;
	p.initial_r2t = false;
	return p;
}

static char sent[2048];
static struct iscsi_text sent_text;

static void start(struct iscsi_neg *n, struct iscsi_params o)
{
	iscsi_text_init(&sent_text, sent, sizeof(sent));
	iscsi_neg_start(n, &o, &sent_text);
}

static int answer(struct iscsi_neg *n, const char *keys, struct iscsi_text *reply)
{
	uint8_t b[1024];
	size_t len = list(b, keys);
	static char rbuf[512];
	static struct iscsi_text r;
	if (!reply) {
		iscsi_text_init(&r, rbuf, sizeof(rbuf));
		reply = &r;
	}
	static const char *const known[] = { "TargetAlias", NULL };
	return iscsi_neg_take(n, b, len, known, reply);
}

static bool sent_has(const char *pair)
{
	for (size_t at = 0; at < sent_text.len; at += strlen(sent + at) + 1)
		if (strcmp(sent + at, pair) == 0)
			return true;
	return false;
}

static void test_offer_sends_every_key(void **state)
{
	(void)state;
	struct iscsi_neg n;
	start(&n, offer());
	const char *pairs[] = { "HeaderDigest=CRC32C,None", "DataDigest=CRC32C,None",
				"MaxRecvDataSegmentLength=65536", "MaxBurstLength=262144",
				"FirstBurstLength=65536", "ImmediateData=Yes", "InitialR2T=No",
				"MaxOutstandingR2T=1", "DataPDUInOrder=Yes", "DataSequenceInOrder=Yes",
				"ErrorRecoveryLevel=0", "DefaultTime2Wait=2", "DefaultTime2Retain=20",
				"MaxConnections=1" };
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		assert_true(sent_has(pairs[i]));
	assert_false(sent_text.overflow);
}

static void test_full_answer(void **state)
{
	(void)state;
	struct iscsi_neg n;
	start(&n, offer());
	assert_int_equal(answer(&n, "HeaderDigest=CRC32C|DataDigest=None|MaxRecvDataSegmentLength=262144|"
				"MaxBurstLength=131072|FirstBurstLength=16384|ImmediateData=No|InitialR2T=Yes|"
				"MaxOutstandingR2T=1|DataPDUInOrder=Yes|DataSequenceInOrder=Yes|"
				"ErrorRecoveryLevel=0|DefaultTime2Wait=5|DefaultTime2Retain=0|MaxConnections=1|"
				"TargetAlias=disk|", NULL), 0);
	assert_int_equal(iscsi_neg_finish(&n), 0);
	assert_true(n.result.header_digest);
	assert_false(n.result.data_digest);
	assert_int_equal(n.result.max_send_dsl, 262144);
	assert_int_equal(n.result.max_recv_dsl, 65536);
	assert_int_equal(n.result.max_burst, 131072);
	assert_int_equal(n.result.first_burst, 16384);
	assert_false(n.result.immediate_data);
	assert_true(n.result.initial_r2t);
	assert_int_equal(n.result.time2wait, 5);
	assert_int_equal(n.result.time2retain, 0);
}

static void test_silence_takes_defaults(void **state)
{
	(void)state;
	struct iscsi_neg n;
	struct iscsi_params o = offer();
	o.max_burst = 1048576;
	o.first_burst = 8192;
	start(&n, o);
	assert_int_equal(answer(&n, "MaxBurstLength=Reject|", NULL), 0);
	assert_int_equal(iscsi_neg_finish(&n), 0);
	assert_int_equal(n.result.max_send_dsl, 8192);    /* declarative default */
	assert_int_equal(n.result.max_burst, 262144);     /* min(ours, default) */
	assert_int_equal(n.result.first_burst, 8192);     /* min(ours, 65536) */
	assert_true(n.result.initial_r2t);                /* No OR default Yes */
	assert_true(n.result.immediate_data);             /* Yes AND default Yes */
	assert_false(n.result.header_digest);             /* None */
	assert_int_equal(n.result.max_connections, 1);
}

static void test_inadmissible_answers(void **state)
{
	(void)state;
	static const struct { const char *keys, *name; bool ours_imm_no; } cases[] = {
		{ "MaxBurstLength=100|", "MaxBurstLength", false },        /* below 512 */
		{ "MaxBurstLength=16777216|", "MaxBurstLength", false },   /* above 2^24-1 */
		{ "MaxBurstLength=524288|", "MaxBurstLength", false },     /* above our offer */
		{ "MaxRecvDataSegmentLength=511|", "MaxRecvDataSegmentLength", false },
		{ "ErrorRecoveryLevel=1|", "ErrorRecoveryLevel", false },
		{ "DefaultTime2Wait=1|", "DefaultTime2Wait", false },      /* below ours (max) */
		{ "DataPDUInOrder=No|", "DataPDUInOrder", false },         /* OR of our Yes */
		{ "ImmediateData=Yes|", "ImmediateData", true },           /* AND of our No */
		{ "ImmediateData=Maybe|", "ImmediateData", false },
		{ "HeaderDigest=MD5|", "HeaderDigest", false },
		{ "MaxConnections=abc|", "MaxConnections", false },
		{ "MaxConnections=1|MaxConnections=1|", "MaxConnections", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct iscsi_neg n;
		struct iscsi_params o = offer();
		o.immediate_data = !cases[i].ours_imm_no;
		start(&n, o);
		assert_int_equal(answer(&n, cases[i].keys, NULL), -1);
		assert_non_null(strstr(n.error, cases[i].name));
	}
	/* A digest we did not offer. */
	struct iscsi_neg n;
	struct iscsi_params o = offer();
	o.header_digest = false;
	start(&n, o);
	assert_int_equal(answer(&n, "HeaderDigest=CRC32C|", NULL), -1);
	/* Malformed lists. */
	start(&n, offer());
	assert_int_equal(answer(&n, "MaxBurstLength=512", NULL), -1);
	assert_non_null(strstr(n.error, "malformed"));
}

static void test_first_burst_above_max(void **state)
{
	(void)state;
	struct iscsi_neg n;
	start(&n, offer());
	assert_int_equal(answer(&n, "MaxBurstLength=4096|", NULL), 0);
	assert_int_equal(iscsi_neg_finish(&n), -1);
	assert_non_null(strstr(n.error, "FirstBurstLength"));
}

static void test_unknown_keys_not_understood(void **state)
{
	(void)state;
	struct iscsi_neg n;
	start(&n, offer());
	char rbuf[256];
	struct iscsi_text r;
	iscsi_text_init(&r, rbuf, sizeof(rbuf));
	assert_int_equal(answer(&n, "X-com.example.Foo=1|TargetAlias=x|MaxBurstLength=512|", &r), 0);
	assert_int_equal(r.len, strlen("X-com.example.Foo=NotUnderstood") + 1);
	assert_string_equal(rbuf, "X-com.example.Foo=NotUnderstood");
	assert_int_equal(n.result.max_burst, 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_lists),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_text_overflow),
		cmocka_unit_test(test_offer_sends_every_key),
		cmocka_unit_test(test_full_answer),
		cmocka_unit_test(test_silence_takes_defaults),
		cmocka_unit_test(test_inadmissible_answers),
		cmocka_unit_test(test_first_burst_above_max),
		cmocka_unit_test(test_unknown_keys_not_understood),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
