/*
 * hv/eventlog/log_alter.c: every alteration changes exactly the event it
 * names, and the altered log still reads cleanly as a stream (CRCs, batch
 * numbers and event indices that follow on), so that only the replay
 * engine can tell.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/eventlog/log_alter.h"
#include "hv/eventlog/log_codec.h"
#include "tests/unit/support/random_event.h"

#define NEVENTS 40
#define PER_BATCH 8
#define LOG_CAP (NEVENTS * LOG_EVENT_MAX_SIZE + 16 * LOG_BATCH_HEADER_SIZE)

/* A log of 5 batches: per batch TSC, INTR, HASH, RAND, then a TSC and an
 * INTR at one count, a DEVICE read, a hash; counts grow by 10 a slot. */
static void sample(struct ev *events)
{
	for (size_t i = 0; i < NEVENTS; i++) {
		struct ev *e = &events[i];
		memset(e, 0, sizeof(*e));
		e->at.count = 100 + 10 * i - (i % PER_BATCH == 5 ? 10 : 0);
		e->at.rip = 0x1000 + i;
		switch (i % PER_BATCH) {
		case 0:
		case 4:
			e->type = EV_TSC;
			e->value = 5000 + 100 * i;
			break;
		case 1:
		case 5:
			e->type = EV_INTR;
			e->key = 0x40;
			e->at.rcx = i;
			break;
		case 2:
		case 7:
			e->type = EV_HASH;
			e->value = 0xabc0 + i;
			e->at.rcx = 7;
			break;
		case 3:
			e->type = EV_RAND;
			e->flag = 1;
			e->value = 0x1234 + i;
			break;
		case 6:
			e->type = EV_DEVICE;
			e->key = EV_DEVICE_KEY(EV_DEV_RTC, 0);
			e->value = i;
			break;
		}
	}
}

static size_t encode(const struct ev *events, size_t n, uint8_t *out)
{
	size_t len = 0;
	for (size_t first = 0, seq = 0; first < n; first += PER_BATCH, seq++) {
		struct log_encoder e;
		log_encoder_start(&e, out + len, LOG_CAP - len, seq, first);
		for (size_t i = first; i < n && i < first + PER_BATCH; i++)
			assert_int_equal(log_encoder_add(&e, &events[i]), LOG_ADD_OK);
		len += log_encoder_finish(&e);
	}
	return len;
}

/* Reads the whole log as the replay engine's reader does; returns the events. */
static size_t read_stream(const uint8_t *log, size_t len, struct ev *out, size_t max)
{
	struct log_reader r;
	log_reader_init(&r);
	size_t pos = 0, n = 0;
	while (pos < len) {
		struct log_batch_info info;
		char why[200];
		enum log_error err = log_reader_next(&r, log + pos, len - pos, &info, out + n, max - n,
						     why, sizeof(why));
		if (err != LOG_OK)
			fail_msg("altered log refused: %s", why);
		n += info.nevents;
		pos += info.size;
	}
	return n;
}

struct altered {
	struct ev want[NEVENTS + 1], got[NEVENTS + 1];
	size_t nwant, ngot;
	struct log_alter_result res;
};

static void run_alter(struct altered *a, enum log_alteration kind, uint64_t from)
{
	static uint8_t log[LOG_CAP], out[LOG_CAP + 64];
	sample(a->want);
	a->nwant = NEVENTS;
	size_t len = encode(a->want, NEVENTS, log), out_len = 0;
	char why[200] = "";
	if (log_alter(log, len, out, sizeof(out), &out_len, kind, from, &a->res, why, sizeof(why)))
		fail_msg("log_alter: %s", why);
	a->ngot = read_stream(out, out_len, a->got, NEVENTS + 1);
}

static void expect_events(const struct altered *a)
{
	assert_int_equal(a->ngot, a->nwant);
	for (size_t i = 0; i < a->nwant; i++)
		assert_ev_equal(&a->want[i], &a->got[i], i);
}

static void test_tsc_value_changes(void **state)
{
	(void)state;
	struct altered a;
	run_alter(&a, ALTER_TSC, 9); /* event 8 is a TSC read; 12 is the next one */
	assert_int_equal(a.res.index, 12);
	assert_int_equal(a.res.after.value, a.res.before.value + 1);
	a.want[12].value++;
	expect_events(&a);
}

static void test_interrupt_moves_one_count(void **state)
{
	(void)state;
	struct altered a;
	/* Event 13 (INTR) shares its count with 12: moving it would break the
	 * order, so the next interrupt that can move is 17. */
	run_alter(&a, ALTER_INTR, 12);
	assert_int_equal(a.res.index, 17);
	a.want[17].at.count--;
	expect_events(&a);
	/* The first event of a batch moves as far as the batch before allows. */
	run_alter(&a, ALTER_INTR, 0);
	assert_int_equal(a.res.index, 1);
}

static void test_drop_removes_an_input(void **state)
{
	(void)state;
	struct altered a;
	run_alter(&a, ALTER_DROP, 17); /* 17 INTR, 18 HASH, 19 RAND */
	assert_int_equal(a.res.index, 19);
	assert_int_equal(a.res.before.type, EV_RAND);
	memmove(&a.want[19], &a.want[20], (NEVENTS - 20) * sizeof(a.want[0]));
	a.nwant--;
	expect_events(&a);
}

static void test_extra_repeats_an_input(void **state)
{
	(void)state;
	struct altered a;
	run_alter(&a, ALTER_EXTRA, 22); /* 22 DEVICE */
	assert_int_equal(a.res.index, 22);
	memmove(&a.want[23], &a.want[22], (NEVENTS - 22) * sizeof(a.want[0]));
	a.nwant++;
	expect_events(&a);
}

static void test_hash_value_changes(void **state)
{
	(void)state;
	struct altered a;
	run_alter(&a, ALTER_HASH, 0);
	assert_int_equal(a.res.index, 2);
	a.want[2].value ^= 1;
	expect_events(&a);
	run_alter(&a, ALTER_HASH, NEVENTS - 1);
	assert_int_equal(a.res.index, NEVENTS - 1);
}

static void test_refusals(void **state)
{
	(void)state;
	static uint8_t log[LOG_CAP], out[LOG_CAP + 64];
	struct ev events[NEVENTS];
	struct log_alter_result res;
	char why[200];
	size_t out_len;
	sample(events);
	size_t len = encode(events, NEVENTS, log);

	assert_int_equal(log_alter(log, len, out, sizeof(out), &out_len, ALTER_TSC, NEVENTS, &res,
				   why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no event to alter"));
	assert_int_equal(log_alter(log, len, out, len / 2, &out_len, ALTER_HASH, 0, &res, why,
				   sizeof(why)), -1);
	assert_non_null(strstr(why, "no room"));
	log[len / 2] ^= 1;
	assert_int_equal(log_alter(log, len, out, sizeof(out), &out_len, ALTER_HASH, 0, &res, why,
				   sizeof(why)), -1);
	assert_non_null(strstr(why, "does not decode"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsc_value_changes),
		cmocka_unit_test(test_interrupt_moves_one_count),
		cmocka_unit_test(test_drop_removes_an_input),
		cmocka_unit_test(test_extra_repeats_an_input),
		cmocka_unit_test(test_hash_value_changes),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
