/*
 * hv/event_log.c: the record log in memory, with the real codec
 * (hv/log_codec.c, hv/crc32c.c). Round trips across many small batches with
 * every field kept, appends after flushes, a log that fills up (everything
 * accepted stays readable, nothing else appears), the end of the log, a
 * damaged byte anywhere (reading stops before the damaged batch, with a
 * reason, and none of its events come out), a log cut short, clear,
 * rewind, the read index, and invalid events reaching panic(), which is
 * stubbed (panic_stub.c) to record the message and jump back into the test.
 * The ring itself (laps, release, finding batches, dropping) is tested in
 * test_event_log_ring.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/eventlog/event_log.h"
#include "hv/eventlog/log_codec.h"
#include "tests/unit/support/event_log_check.h"
#include "tests/unit/support/panic_stub.h"
#include "tests/unit/support/random_event.h"

/* event_log_init is tested with an impossible size: let malloc say no
 * instead of ASan stopping the run. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* Batch positions, found through the log's own index; returns their
 * number. The logs here release nothing, so positions are offsets in buf. */
static size_t batch_starts(const struct event_log *l, size_t *off, uint32_t *nevents, size_t max)
{
	size_t n = 0;
	check_held_batches(l);
	for (uint64_t s = l->oldest; s < l->seq; s++) {
		struct event_log_batch b;
		struct log_batch_info info;
		assert_int_equal(event_log_batch(l, s, &b), 0);
		assert_int_equal(log_batch_decode(b.data, b.size, &info, NULL, 0, NULL, 0), LOG_OK);
		assert_true(n < max);
		off[n] = (size_t)b.pos;
		nevents[n] = info.nevents;
		n++;
	}
	return n;
}

/* ---- tests ---- */

static void test_roundtrip_many_batches(void **state)
{
	(void)state;
	enum { N = 6000 };
	struct ev *want = malloc(N * sizeof(*want));
	assert_non_null(want);
	struct event_log l;
	assert_int_equal(event_log_init(&l, 1 << 20, 256), 0);
	uint64_t s = 42;
	struct ev last = { 0 };
	for (size_t i = 0; i < N; i++) {
		want[i] = random_next_event(&s, &last);
		assert_int_equal(event_log_append(&l, &want[i]), 0);
	}
	event_log_flush(&l);
	/* Small batches: many of them. */
	size_t off[4096];
	uint32_t nev[4096];
	size_t nb = batch_starts(&l, off, nev, 4096);
	assert_true(nb > 100);
	uint64_t total = 0;
	for (size_t b = 0; b < nb; b++) {
		assert_true(nev[b] > 0);
		total += nev[b];
	}
	assert_int_equal(total, N);

	for (int pass = 0; pass < 2; pass++) {
		event_log_rewind(&l);
		assert_int_equal(event_log_read_index(&l), 0);
		assert_int_equal(read_all(&l, want, N), N);
		assert_int_equal(event_log_read_index(&l), N);
		assert_string_equal(event_log_error(&l), "");
	}

	/* Part of the way, then from the start again. */
	event_log_rewind(&l);
	for (int i = 0; i < 777; i++) {
		assert_non_null(event_log_peek(&l));
		event_log_pop(&l);
	}
	assert_int_equal(event_log_read_index(&l), 777);
	assert_ev_equal(&want[777], event_log_peek(&l), 777);
	event_log_rewind(&l);
	assert_int_equal(event_log_read_index(&l), 0);
	assert_ev_equal(&want[0], event_log_peek(&l), 0);
	assert_int_equal(read_all(&l, want, N), N);

	event_log_clear(&l);
	free_log(&l);
	free(want);
}

/* Only flushed batches are read; more appends after a flush carry on. */
static void test_append_after_flush(void **state)
{
	(void)state;
	enum { N = 900 };
	struct ev want[N];
	struct event_log l;
	assert_int_equal(event_log_init(&l, 1 << 18, 300), 0);
	uint64_t s = 7;
	struct ev last = { 0 };
	size_t appended = 0, read = 0;
	while (appended < N) {
		size_t chunk = 1 + rng_next(&s) % 40;
		for (size_t i = 0; i < chunk && appended < N; i++) {
			want[appended] = random_next_event(&s, &last);
			assert_int_equal(event_log_append(&l, &want[appended]), 0);
			appended++;
		}
		if (rng_next(&s) % 3 == 0) {
			/* Not flushed: what the closed batches hold, never more. */
			read += read_all(&l, want, appended);
			assert_true(read <= appended);
			assert_string_equal(event_log_error(&l), "");
		}
		event_log_flush(&l);
		event_log_flush(&l); /* a second flush adds nothing */
		read += read_all(&l, want, appended);
		assert_int_equal(read, appended);
		assert_null(event_log_peek(&l));
		assert_string_equal(event_log_error(&l), "");
	}
	event_log_rewind(&l);
	assert_int_equal(read_all(&l, want, N), N);
	free_log(&l);
}

/* A log that fills up: appends are refused, and every event that was
 * accepted (and only those, in order) reads back after a flush. */
static void test_full_log(void **state)
{
	(void)state;
	enum { MAXEV = 4000 };
	struct ev *tried = malloc(MAXEV * sizeof(*tried));
	struct ev *kept = malloc(MAXEV * sizeof(*kept));
	assert_non_null(tried);
	assert_non_null(kept);
	uint64_t s = 99;
	for (size_t cap = 1; cap < 3000; cap += 1 + rng_next(&s) % 61) {
		/* Batches always big enough for the largest event. */
		size_t batch_cap = LOG_BATCH_HEADER_SIZE + LOG_EVENT_MAX_SIZE + rng_next(&s) % 400;
		struct event_log l;
		assert_int_equal(event_log_init(&l, cap, batch_cap), 0);
		struct ev last = { 0 };
		size_t nkept = 0, refusals = 0;
		for (size_t i = 0; i < MAXEV && refusals < 50; i++) {
			tried[i] = random_next_event(&s, &last);
			if (event_log_append(&l, &tried[i]) == 0)
				kept[nkept++] = tried[i];
			else
				refusals++;
		}
		assert_true(refusals > 0);
		assert_true(event_log_held(&l) <= cap);
		event_log_flush(&l);
		check_held_batches(&l);
		event_log_rewind(&l);
		size_t got = read_all(&l, kept, nkept);
		if (got != nkept || event_log_error(&l)[0])
			fail_msg("log of %zu bytes, batches of %zu: %zu events accepted, %zu read "
				 "back (%s)",
				 cap, batch_cap, nkept, got, event_log_error(&l));
		/* Still full: nothing more goes in, what is there stays. */
		for (int i = 0; i < 5; i++) {
			struct ev e = random_next_event(&s, &last);
			e.type = EV_HASH; /* the largest fixed-size kind */
			e.key = 0;
			e.flag = 0;
			e.at.rcx = 0;
			e.value = UINT64_MAX;
			e.at.count = last.at.count + (1ull << 40);
			e.at.rip = ~e.at.rip;
			if (event_log_append(&l, &e) == 0)
				kept[nkept++] = e;
			event_log_flush(&l);
		}
		event_log_rewind(&l);
		assert_int_equal(read_all(&l, kept, nkept), nkept);
		assert_string_equal(event_log_error(&l), "");
		free_log(&l);
	}
	free(tried);
	free(kept);
}

/* Events of 12 bytes each in logs and batches of many sizes: the log takes
 * exactly as many as fit, to the byte, then says -1. */
static void test_full_to_the_byte(void **state)
{
	(void)state;
	enum { EV_BYTES = 12 }; /* tag, count, rip and rcx varints of 1 byte, 8 value bytes */
	const size_t batch_caps[] = { 100, 128, 200, 4096 };
	for (size_t cap = 40; cap < 700; cap++)
		for (size_t bc = 0; bc < sizeof(batch_caps) / sizeof(batch_caps[0]); bc++) {
			size_t batch_cap = batch_caps[bc];
			/* How many fit: whole batches, then what the rest of the log holds. */
			size_t per_batch = (batch_cap - LOG_BATCH_HEADER_SIZE) / EV_BYTES;
			size_t expect = 0, used = 0;
			for (;;) {
				size_t room = cap - used;
				if (room > batch_cap)
					room = batch_cap;
				if (room < LOG_BATCH_HEADER_SIZE + EV_BYTES)
					break;
				size_t j = (room - LOG_BATCH_HEADER_SIZE) / EV_BYTES;
				if (j > per_batch)
					j = per_batch;
				expect += j;
				used += LOG_BATCH_HEADER_SIZE + j * EV_BYTES;
				if (j < per_batch)
					break;
			}
			struct event_log l;
			assert_int_equal(event_log_init(&l, cap, batch_cap), 0);
			struct ev want[64];
			size_t n = 0;
			for (;;) {
				struct ev e;
				memset(&e, 0, sizeof(e));
				e.type = EV_HASH;
				e.at.count = 5;
				e.at.rip = 0x10;
				e.value = 0x0123456789abcdefull + n;
				if (event_log_append(&l, &e) != 0)
					break;
				assert_true(n < 64);
				want[n++] = e;
			}
			if (n != expect)
				fail_msg("log of %zu bytes, batches of %zu: %zu events taken, %zu fit", cap,
					 batch_cap, n, expect);
			event_log_flush(&l);
			check_held_batches(&l);
			event_log_rewind(&l);
			assert_int_equal(read_all(&l, want, n), n);
			assert_string_equal(event_log_error(&l), "");
			free_log(&l);
		}
}

static void test_end_of_log(void **state)
{
	(void)state;
	struct event_log l;
	assert_int_equal(event_log_init(&l, 4096, 256), 0);
	/* Empty. */
	assert_null(event_log_peek(&l));
	assert_string_equal(event_log_error(&l), "");
	event_log_pop(&l);
	assert_int_equal(event_log_read_index(&l), 0);
	/* Appended but not flushed: still nothing to read. */
	struct ev e;
	memset(&e, 0, sizeof(e));
	e.type = EV_TSC;
	e.key = EV_TSC_RDTSCP;
	e.value = 123456789;
	e.at.count = 10;
	e.at.rip = 0x4000;
	assert_int_equal(event_log_append(&l, &e), 0);
	assert_null(event_log_peek(&l));
	assert_string_equal(event_log_error(&l), "");
	event_log_flush(&l);
	const struct ev *got = event_log_peek(&l);
	assert_non_null(got);
	assert_ev_equal(&e, got, 0);
	event_log_pop(&l);
	assert_int_equal(event_log_read_index(&l), 1);
	for (int i = 0; i < 3; i++) {
		assert_null(event_log_peek(&l));
		assert_string_equal(event_log_error(&l), "");
		event_log_pop(&l);
		assert_int_equal(event_log_read_index(&l), 1);
	}
	free_log(&l);
}

/* One damaged byte, anywhere in the log: the batches before it read back,
 * nothing of its batch does, and the error says why. */
static void test_damaged_byte(void **state)
{
	(void)state;
	enum { N = 700 };
	struct ev want[N];
	struct event_log l;
	assert_int_equal(event_log_init(&l, 1 << 16, 256), 0);
	uint64_t s = 5;
	struct ev last = { 0 };
	for (size_t i = 0; i < N; i++) {
		want[i] = random_next_event(&s, &last);
		assert_int_equal(event_log_append(&l, &want[i]), 0);
	}
	event_log_flush(&l);
	size_t off[512];
	uint32_t nev[512];
	size_t nb = batch_starts(&l, off, nev, 512);
	assert_true(nb >= 10);
	size_t len;
	uint8_t *bytes = event_log_contiguous(&l, &len);
	assert_non_null(bytes);
	assert_int_equal(len, l.head);
	uint8_t *good = malloc(len);
	assert_non_null(good);
	memcpy(good, bytes, len);

	/* The byte in the middle of the log, then every byte with a few masks. */
	size_t positions = len + 1;
	for (size_t p = 0; p < positions; p++) {
		size_t pos = p == 0 ? len / 2 : p - 1;
		const uint8_t masks[] = { 0x01, 0x80, 0xff, 0x5a };
		uint8_t mask = masks[p % 4];
		size_t b = 0;
		while (b + 1 < nb && off[b + 1] <= pos)
			b++;
		size_t before = 0;
		for (size_t i = 0; i < b; i++)
			before += nev[i];

		bytes[pos] ^= mask;
		event_log_rewind(&l);
		size_t got = read_all(&l, want, N);
		if (got != before)
			fail_msg("byte %zu (batch %zu) ^ 0x%02x: %zu events read, %zu before the batch",
				 pos, b, mask, got, before);
		const char *why = event_log_error(&l);
		if (!why[0])
			fail_msg("byte %zu (batch %zu) ^ 0x%02x: reading stopped without a reason",
				 pos, b, mask);
		assert_non_null(strstr(why, "batch"));
		/* It stays stopped. */
		assert_null(event_log_peek(&l));
		event_log_pop(&l);
		assert_int_equal(event_log_read_index(&l), before);
		assert_string_equal(event_log_error(&l), why);
		bytes[pos] ^= mask;
	}
	assert_memory_equal(bytes, good, len);
	/* Repaired and rewound: all of it again, and no error. */
	event_log_rewind(&l);
	assert_int_equal(read_all(&l, want, N), N);
	assert_string_equal(event_log_error(&l), "");

	/* A log cut short inside its last batch stops there too. */
	event_log_truncate(&l, off[nb - 1] + (len - off[nb - 1]) / 2);
	assert_int_equal(l.seq, nb);
	event_log_rewind(&l);
	assert_int_equal(read_all(&l, want, N), N - nev[nb - 1]);
	assert_non_null(strstr(event_log_error(&l), "have"));
	free(good);
	free_log(&l);
}

static void test_clear(void **state)
{
	(void)state;
	enum { N = 300 };
	struct ev want[N];
	struct event_log l;
	assert_int_equal(event_log_init(&l, 1 << 16, 256), 0);
	uint64_t s = 11;
	struct ev last = { 0 };
	for (size_t i = 0; i < N; i++) {
		want[i] = random_next_event(&s, &last);
		assert_int_equal(event_log_append(&l, &want[i]), 0);
	}
	event_log_flush(&l);
	/* Damage it and read into the damage, so there is an error to clear. */
	l.buf[l.head / 2] ^= 0x40;
	event_log_rewind(&l);
	size_t got = read_all(&l, want, N);
	assert_true(got < N);
	assert_true(event_log_error(&l)[0] != 0);

	event_log_release(&l, 2);
	event_log_clear(&l);
	assert_int_equal(l.head, 0);
	assert_int_equal(event_log_held(&l), 0);
	assert_int_equal(l.seq, 0);
	assert_int_equal(l.oldest, 0);
	assert_int_equal(l.bytes, 0);
	assert_null(event_log_peek(&l));
	assert_string_equal(event_log_error(&l), "");
	assert_int_equal(event_log_read_index(&l), 0);

	/* A new log from event 0 and batch 0: readable from the start, with
	 * nothing of the old one. An unflushed batch is dropped by clear too. */
	last = (struct ev){ 0 };
	for (size_t i = 0; i < 20; i++) {
		struct ev e = random_next_event(&s, &last);
		assert_int_equal(event_log_append(&l, &e), 0);
	}
	event_log_clear(&l);
	last = (struct ev){ 0 };
	for (size_t i = 0; i < N; i++) {
		want[i] = random_next_event(&s, &last);
		assert_int_equal(event_log_append(&l, &want[i]), 0);
	}
	event_log_flush(&l);
	assert_int_equal(read_all(&l, want, N), N);
	assert_string_equal(event_log_error(&l), "");
	assert_int_equal(event_log_read_index(&l), N);
	free_log(&l);
}

static void test_read_index(void **state)
{
	(void)state;
	struct event_log l;
	assert_int_equal(event_log_init(&l, 1 << 14, 128), 0);
	uint64_t s = 3;
	struct ev last = { 0 };
	struct ev want[200];
	for (size_t i = 0; i < 200; i++) {
		want[i] = random_next_event(&s, &last);
		assert_int_equal(event_log_append(&l, &want[i]), 0);
	}
	event_log_flush(&l);
	/* Peeks never count; each pop counts one, across batch ends. */
	for (uint64_t i = 0; i < 200; i++) {
		for (int k = 0; k < 3; k++) {
			const struct ev *e = event_log_peek(&l);
			assert_non_null(e);
			assert_ev_equal(&want[i], e, i);
			assert_int_equal(event_log_read_index(&l), i);
		}
		event_log_pop(&l);
		assert_int_equal(event_log_read_index(&l), i + 1);
	}
	assert_null(event_log_peek(&l));
	event_log_pop(&l);
	assert_int_equal(event_log_read_index(&l), 200);
	/* Popping without peeking first still goes one by one. */
	event_log_rewind(&l);
	assert_non_null(event_log_peek(&l));
	for (uint64_t i = 0; i < 50; i++) {
		event_log_pop(&l);
		assert_int_equal(event_log_read_index(&l), i + 1);
		assert_non_null(event_log_peek(&l));
	}
	assert_ev_equal(&want[50], event_log_peek(&l), 50);
	free_log(&l);
}

/* Appends an invalid event with panic() armed; returns 1 if it panicked. */
static int append_expecting_panic(struct event_log *l, const struct ev *e)
{
	panic_message[0] = 0;
	panic_armed = 1;
	if (setjmp(panic_jump)) {
		assert_int_equal(panic_armed, 0);
		return 1;
	}
	event_log_append(l, e);
	panic_armed = 0;
	return 0;
}

static void test_invalid_event_panics(void **state)
{
	(void)state;
	struct event_log l;
	assert_int_equal(event_log_init(&l, 1 << 14, 256), 0);
	struct ev ok;
	memset(&ok, 0, sizeof(ok));
	ok.type = EV_INTR;
	ok.key = 0x40;
	ok.at.count = 100;
	ok.at.rip = 0x2000;
	assert_int_equal(event_log_append(&l, &ok), 0);

	int calls = panic_calls;
	struct ev bad = ok;
	bad.key = 300;
	assert_true(append_expecting_panic(&l, &bad));
	assert_int_equal(panic_calls, calls + 1);
	assert_non_null(strstr(panic_message, "invalid"));
	assert_non_null(strstr(panic_message, "vector"));

	struct ev none = ok;
	none.type = EV_NONE;
	none.key = 0;
	assert_true(append_expecting_panic(&l, &none));
	assert_non_null(strstr(panic_message, "type"));

	struct ev unknown = ok;
	unknown.type = EV_TYPE_COUNT;
	assert_true(append_expecting_panic(&l, &unknown));

	struct ev backwards = ok;
	backwards.at.count = 99;
	assert_true(append_expecting_panic(&l, &backwards));
	assert_non_null(strstr(panic_message, "backwards"));

	struct ev flagged = ok;
	flagged.type = EV_HASH;
	flagged.key = 0;
	flagged.flag = 1;
	assert_true(append_expecting_panic(&l, &flagged));

	/* None of them went in: the log holds the good events only. */
	struct ev ok2 = ok;
	ok2.at.count = 200;
	ok2.key = 0x41;
	assert_int_equal(event_log_append(&l, &ok2), 0);
	event_log_flush(&l);
	const struct ev want[2] = { ok, ok2 };
	assert_int_equal(read_all(&l, want, 2), 2);
	assert_string_equal(event_log_error(&l), "");
	assert_int_equal(panic_calls, calls + 5);
	free_log(&l);
}

static void test_init(void **state)
{
	(void)state;
	struct event_log l;
	memset(&l, 0x5a, sizeof(l));
	assert_int_equal(event_log_init(&l, 4096, 512), 0);
	assert_non_null(l.buf);
	assert_non_null(l.starts);
	assert_int_equal(event_log_held(&l), 0);
	assert_int_equal(l.seq, 0);
	assert_int_equal(event_log_read_index(&l), 0);
	assert_string_equal(event_log_error(&l), "");
	assert_null(event_log_peek(&l));
	free_log(&l);

	/* No heap for it: -1 and nothing left allocated (ASan checks leaks). */
	memset(&l, 0x5a, sizeof(l));
	assert_int_equal(event_log_init(&l, SIZE_MAX / 2, 512), -1);
	assert_null(l.buf);
	assert_null(l.starts);
	assert_null(l.batch);
	assert_null(l.decoded);
	assert_int_equal(l.cap, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_many_batches),
		cmocka_unit_test(test_append_after_flush),
		cmocka_unit_test(test_full_log),
		cmocka_unit_test(test_full_to_the_byte),
		cmocka_unit_test(test_end_of_log),
		cmocka_unit_test(test_damaged_byte),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_read_index),
		cmocka_unit_test(test_invalid_event_panics),
		cmocka_unit_test(test_init),
	};
	return cmocka_run_group_tests_name("event_log", tests, NULL, NULL);
}
