/*
 * hv/synth_log.c: the channel benchmark's synthetic log, through the real
 * codec (hv/log_codec.c, hv/crc32c.c). The same seed gives the same
 * events; every event is accepted where it stands and survives encoding
 * into 4 KiB batches and decoding with the stream checks; counts never go
 * backwards and the TSC only grows; a hash every SYNTH_HASH_INTERVAL
 * events; the mix and the encoded size per event look like the test
 * guest's log; the STOP may end the log anywhere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/eventlog/log_codec.h"
#include "hv/bench/synth_log.h"

#define BATCH_BYTES 4096     /* as the hypervisor's log uses */
#define MANY 200000

static void assert_same_event(const struct ev *a, const struct ev *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->flag, b->flag);
	assert_int_equal(a->key, b->key);
	assert_true(a->value == b->value);
	assert_true(a->at.count == b->at.count);
	assert_true(a->at.rip == b->at.rip);
	assert_true(a->at.rcx == b->at.rcx);
}

/* ---- tests ---- */

static void test_same_seed_same_events(void **state)
{
	(void)state;
	struct synth_log a, b, c;
	struct ev ea, eb, ec;
	int differ = 0;
	synth_log_init(&a, 7);
	synth_log_init(&b, 7);
	synth_log_init(&c, 8);
	for (int i = 0; i < 10000; i++) {
		synth_log_next(&a, &ea);
		synth_log_next(&b, &eb);
		synth_log_next(&c, &ec);
		assert_same_event(&ea, &eb);
		differ |= memcmp(&ea, &ec, sizeof(ea)) != 0;
	}
	assert_true(differ);
}

/* Encoded batch by batch as event_log.c does, then decoded as the backup
 * does (log_reader: sequence, event index, counts across batches). */
static void test_round_trip_through_the_codec(void **state)
{
	(void)state;
	uint8_t *batch = malloc(BATCH_BYTES);
	struct ev *sent = malloc(MANY * sizeof(*sent)), *got = malloc(BATCH_BYTES * sizeof(*got));
	assert_non_null(batch);
	assert_non_null(sent);
	assert_non_null(got);
	struct synth_log gen;
	struct log_encoder enc;
	struct log_reader reader;
	synth_log_init(&gen, 1);
	log_reader_init(&reader);
	uint64_t seq = 0, first = 0, bytes = 0;
	log_encoder_start(&enc, batch, BATCH_BYTES, seq, first);
	for (uint64_t i = 0; i <= MANY; i++) {
		int last = i == MANY;
		if (!last) {
			synth_log_next(&gen, &sent[i]);
			assert_null(log_encoder_check(&enc, &sent[i]));
			if (log_encoder_add(&enc, &sent[i]) == LOG_ADD_OK)
				continue;
		}
		size_t size = log_encoder_finish(&enc);
		struct log_batch_info info;
		assert_int_equal(log_reader_next(&reader, batch, size, &info, got, BATCH_BYTES, NULL, 0),
				 LOG_OK);
		assert_true(info.first_event == first);
		for (uint32_t k = 0; k < info.nevents; k++)
			assert_same_event(&got[k], &sent[first + k]);
		first += info.nevents;
		bytes += size;
		log_encoder_start(&enc, batch, BATCH_BYTES, ++seq, first);
		if (!last)
			assert_int_equal(log_encoder_add(&enc, &sent[i]), LOG_ADD_OK);
	}
	assert_true(first == MANY);
	/* Like the test guest's log (8.5 bytes per event, headers included). */
	assert_in_range(bytes * 10 / MANY, 60, 110);
	free(batch);
	free(sent);
	free(got);
}

static void test_counts_and_tsc_only_grow(void **state)
{
	(void)state;
	struct synth_log gen;
	struct ev e;
	uint64_t count = 0, tsc = 0;
	synth_log_init(&gen, 3);
	for (int i = 0; i < MANY; i++) {
		synth_log_next(&gen, &e);
		assert_true(e.at.count >= count);
		count = e.at.count;
		if (e.type == EV_TSC) {
			assert_true(e.value > tsc);
			tsc = e.value;
		}
		if (e.type != EV_INTR)
			assert_true(e.at.rcx == 0);
	}
}

static void test_hash_every_interval(void **state)
{
	(void)state;
	struct synth_log gen;
	struct ev e;
	synth_log_init(&gen, 4);
	for (int i = 0; i < 10 * SYNTH_HASH_INTERVAL; i++) {
		synth_log_next(&gen, &e);
		assert_int_equal(e.type == EV_HASH, i % SYNTH_HASH_INTERVAL == SYNTH_HASH_INTERVAL - 1);
	}
}

/* An interrupt starts each tick, its handler's TSC read follows; about
 * one tick in four adds a TSC read, an RDRAND and an APIC read. */
static void test_event_mix(void **state)
{
	(void)state;
	struct synth_log gen;
	struct ev e, prev = { 0 };
	uint64_t n[EV_TYPE_COUNT] = { 0 };
	synth_log_init(&gen, 5);
	for (int i = 0; i < MANY; i++) {
		synth_log_next(&gen, &e);
		n[e.type]++;
		if (prev.type == EV_INTR && e.type != EV_HASH)
			assert_int_equal(e.type, EV_TSC);
		if (e.type == EV_INTR)
			assert_int_equal(e.key, 0x40);
		if (e.type != EV_HASH)
			prev = e;
	}
	assert_in_range(n[EV_INTR] * 100 / MANY, 30, 42);
	assert_in_range(n[EV_TSC] * 100 / MANY, 40, 52);
	assert_in_range(n[EV_RAND] * 100 / MANY, 6, 12);
	assert_in_range(n[EV_DEVICE] * 100 / MANY, 6, 12);
	assert_int_equal(n[EV_HASH], MANY / SYNTH_HASH_INTERVAL);
	assert_int_equal(n[EV_STOP] + n[EV_MEMHASH] + n[EV_NONE], 0);
}

static void test_stop_ends_the_log_anywhere(void **state)
{
	(void)state;
	uint8_t batch[BATCH_BYTES];
	struct synth_log gen;
	struct log_encoder enc;
	struct ev e, stop;
	synth_log_init(&gen, 6);
	for (int n = 0; n < 12; n++) {
		log_encoder_start(&enc, batch, sizeof(batch), 0, 0);
		for (int i = 0; i < n; i++) {
			synth_log_next(&gen, &e);
			assert_int_equal(log_encoder_add(&enc, &e), LOG_ADD_OK);
		}
		synth_log_stop(&gen, &stop);
		assert_int_equal(stop.type, EV_STOP);
		assert_int_equal(stop.key, 0);
		assert_true(stop.value == 0);
		assert_true(stop.at.count == gen.at.count);
		assert_int_equal(log_encoder_add(&enc, &stop), LOG_ADD_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_events),
		cmocka_unit_test(test_round_trip_through_the_codec),
		cmocka_unit_test(test_counts_and_tsc_only_grow),
		cmocka_unit_test(test_hash_every_interval),
		cmocka_unit_test(test_event_mix),
		cmocka_unit_test(test_stop_ends_the_log_anywhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
