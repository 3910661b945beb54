/*
 * hv/event_log.c as a ring: batches never split across the end of the
 * buffer, laps with batches of varied sizes, release then append, a reader
 * across the laps, rewind refused once the first batch is released, a
 * reader overtaken by a release, finding batches by number, every way of
 * being full (to the byte, because of the bytes skipped at the end of a
 * lap, a batch larger than the ring), dropping the oldest batches, a log
 * cut short, the contiguous view, and long random runs checked against a
 * simple model of the ring.
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
#include "tests/unit/support/random_event.h"

/* A batch big enough for any one event. */
#define MIN_BATCH_CAP (LOG_BATCH_HEADER_SIZE + LOG_EVENT_MAX_SIZE)

/* ---- batches made here ---- */

/* The next batch of a stream: at least one and at most 'n' random events
 * following *last, in at most 'cap' bytes. Its events go to out[] (if not
 * NULL); returns its size. */
static size_t encode_batch(uint8_t *buf, size_t cap, uint64_t seq, uint64_t first, uint64_t *s,
			   struct ev *last, unsigned n, struct ev *out, uint32_t *nout)
{
	struct log_encoder enc;
	log_encoder_start(&enc, buf, cap, seq, first);
	for (unsigned i = 0; i < n; i++) {
		struct ev e = random_next_event(s, last);
		if (log_encoder_add(&enc, &e) != LOG_ADD_OK)
			break;
		if (out)
			out[enc.nevents - 1] = e;
	}
	assert_true(enc.nevents > 0);
	*nout = enc.nevents;
	return log_encoder_finish(&enc);
}

/* A batch of n hash events at one point: its size depends on n only. */
static size_t hash_batch(uint8_t *buf, uint64_t seq, uint64_t first, unsigned n)
{
	struct log_encoder enc;
	log_encoder_start(&enc, buf, EVENT_LOG_BATCH_BYTES, seq, first);
	for (unsigned i = 0; i < n; i++) {
		struct ev e = { .type = EV_HASH, .value = 0x1234 + i, .at = { .count = 7, .rip = 0x100 } };
		assert_int_equal(log_encoder_add(&enc, &e), LOG_ADD_OK);
	}
	return log_encoder_finish(&enc);
}

/* Appends hash_batch(n) as the log's next batch; returns what append says. */
static int append_hash_batch(struct event_log *l, unsigned n, size_t *size)
{
	uint8_t buf[EVENT_LOG_BATCH_BYTES];
	*size = hash_batch(buf, l->seq, l->events, n);
	return event_log_append_batch(l, buf, *size);
}

/* ---- laps ---- */

/* The recorder in a small ring, read and released as it goes (as the
 * backup does): many laps, batches of every size, none split, every event
 * read back once and in order across the ends of the buffer. */
static void laps_with(size_t cap, size_t batch_cap, uint64_t seed)
{
	enum { N = 20000 };
	struct ev *want = malloc(N * sizeof(*want));
	assert_non_null(want);
	struct event_log l;
	assert_int_equal(event_log_init(&l, cap, batch_cap), 0);
	uint64_t s = seed;
	struct ev last = { 0 };
	size_t appended = 0, read = 0;
	while (appended < N) {
		size_t chunk = 1 + rng_next(&s) % 30;
		for (size_t i = 0; i < chunk && appended < N; i++) {
			want[appended] = random_next_event(&s, &last);
			if (event_log_append(&l, &want[appended]) != 0) {
				/* Full: read what is there, release it, and it fits. */
				event_log_flush(&l);
				read += read_all(&l, want, appended);
				event_log_release(&l, event_log_read_seq(&l));
				assert_int_equal(event_log_append(&l, &want[appended]), 0);
			}
			appended++;
		}
		if (rng_next(&s) % 2)
			event_log_flush(&l);
		check_held_batches(&l);
		if (rng_next(&s) % 3 == 0) {
			read += read_all(&l, want, appended);
			assert_string_equal(event_log_error(&l), "");
			uint64_t done = event_log_read_seq(&l);
			event_log_release(&l, done > 0 ? done - rng_next(&s) % 2 : 0);
			check_held_batches(&l);
		}
	}
	event_log_flush(&l);
	read += read_all(&l, want, N);
	assert_int_equal(read, N);
	assert_string_equal(event_log_error(&l), "");
	if (l.head / cap < 50)
		fail_msg("only %llu laps of a %zu-byte ring", (unsigned long long)(l.head / cap), cap);
	/* Positions count every byte of every lap: far more than the ring. */
	assert_true(l.bytes <= l.head);
	free_log(&l);
	free(want);
}

static void test_laps_never_split(void **state)
{
	(void)state;
	laps_with(1000, 300, 1);
	laps_with(1000, MIN_BATCH_CAP, 2);
	laps_with(4096, 4096, 3);
	laps_with(777, 700, 4);
	laps_with(MIN_BATCH_CAP, MIN_BATCH_CAP, 5);
}

/* A batch that does not fit before the end of the buffer starts the next
 * lap; the bytes it skipped count as held until the batch before them goes. */
static void test_skip_to_next_lap(void **state)
{
	(void)state;
	struct event_log l;
	assert_int_equal(event_log_init(&l, 100, EVENT_LOG_BATCH_BYTES), 0);
	size_t a, b, c;
	assert_int_equal(append_hash_batch(&l, 1, &a), 0);   /* [0, a) */
	assert_int_equal(append_hash_batch(&l, 0, &c), 0);   /* [a, a + c) */
	assert_int_equal(c, LOG_BATCH_HEADER_SIZE);
	assert_true(a + c < 100 && a + c + a > 100);
	/* Batch 2 would cross the end: next lap, but batch 0 holds its room. */
	assert_int_equal(append_hash_batch(&l, 1, &b), -1);
	assert_int_equal(l.seq, 2);
	event_log_release(&l, 1);
	assert_int_equal(l.tail, a);
	assert_int_equal(append_hash_batch(&l, 1, &b), 0);
	struct event_log_batch got;
	assert_int_equal(event_log_batch(&l, 2, &got), 0);
	assert_int_equal(got.pos, 100);
	assert_ptr_equal(got.data, l.buf);
	/* From batch 1 to the end of batch 2: skipped bytes included. */
	assert_int_equal(event_log_held(&l), 100 + b - a);
	check_held_batches(&l);

	/* An empty log skips too, and holds only the batch. */
	event_log_release(&l, 3);
	assert_int_equal(event_log_held(&l), 0);
	assert_int_equal(append_hash_batch(&l, 4, &b), 0);
	assert_true(100 + a + b > 200);
	assert_int_equal(event_log_batch(&l, 3, &got), 0);
	assert_int_equal(got.pos, 200);
	assert_int_equal(event_log_held(&l), b);
	check_held_batches(&l);
	free_log(&l);
}

/* ---- release ---- */

static void test_release_then_append(void **state)
{
	(void)state;
	struct event_log l;
	assert_int_equal(event_log_init(&l, 1000, EVENT_LOG_BATCH_BYTES), 0);
	size_t size;
	unsigned n = 0;
	while (append_hash_batch(&l, 1 + n % 5, &size) == 0)
		n++;
	assert_true(n >= 10);
	uint64_t full_seq = l.seq, full_held = event_log_held(&l);
	assert_true(full_held <= 1000);
	/* Refused (the largest of these batches): nothing changed. */
	assert_int_equal(append_hash_batch(&l, 5, &size), -1);
	assert_int_equal(l.seq, full_seq);
	assert_int_equal(event_log_held(&l), full_held);

	event_log_release(&l, 3);
	assert_int_equal(l.oldest, 3);
	assert_true(event_log_held(&l) < full_held);
	check_held_batches(&l);
	struct event_log_batch b;
	for (uint64_t s = 0; s < 3; s++)
		assert_int_equal(event_log_batch(&l, s, &b), -1);
	assert_int_equal(append_hash_batch(&l, 1, &size), 0);
	check_held_batches(&l);

	/* Releasing again, or less, changes nothing. */
	uint64_t held = event_log_held(&l);
	event_log_release(&l, 3);
	event_log_release(&l, 1);
	assert_int_equal(l.oldest, 3);
	assert_int_equal(event_log_held(&l), held);
	/* Past the newest batch: everything, and no further. */
	event_log_release(&l, l.seq + 100);
	assert_int_equal(l.oldest, l.seq);
	assert_int_equal(event_log_held(&l), 0);
	assert_int_equal(event_log_oldest_event(&l), l.events);
	check_held_batches(&l);
	/* Then a whole ring of batches again. */
	unsigned more = 0;
	while (append_hash_batch(&l, 1 + more % 5, &size) == 0)
		more++;
	/* The bytes skipped at the end of the lap cost at most two batches. */
	assert_true(more + 2 >= n);
	check_held_batches(&l);
	free_log(&l);
}

/* ---- reading after a release ---- */

static void fill_batches(struct event_log *l, struct ev *want, size_t n, uint64_t seed)
{
	uint64_t s = seed;
	struct ev last = { 0 };
	for (size_t i = 0; i < n; i++) {
		want[i] = random_next_event(&s, &last);
		assert_int_equal(event_log_append(l, &want[i]), 0);
	}
	event_log_flush(l);
}

static void test_rewind_after_release(void **state)
{
	(void)state;
	enum { N = 400 };
	struct ev want[N];
	struct event_log l;
	assert_int_equal(event_log_init(&l, 1 << 16, 200), 0);
	fill_batches(&l, want, N, 21);
	assert_true(l.seq > 10);
	event_log_release(&l, 0);
	assert_int_equal(event_log_rewind(&l), 0);
	assert_int_equal(read_all(&l, want, N), N);

	event_log_release(&l, 1);
	uint64_t first = event_log_oldest_event(&l);
	assert_true(first > 0);
	assert_int_equal(event_log_rewind(&l), -1);
	const char *why = event_log_error(&l);
	char expect[96];
	snprintf(expect, sizeof(expect), "batches before 1 (events before %llu) were released",
		 (unsigned long long)first);
	if (!strstr(why, "no longer starts at batch 0") || !strstr(why, expect))
		fail_msg("rewind after a release says: %s", why);
	/* Nothing reads, and it stays so. */
	assert_null(event_log_peek(&l));
	event_log_pop(&l);
	assert_int_equal(event_log_read_index(&l), 0);
	assert_int_equal(event_log_rewind(&l), -1);
	assert_null(event_log_peek(&l));

	/* A new log can be read from the start again. */
	event_log_clear(&l);
	fill_batches(&l, want, N, 22);
	assert_int_equal(event_log_rewind(&l), 0);
	assert_int_equal(read_all(&l, want, N), N);
	free_log(&l);
}

/* Released under the reader's feet: the events it decoded still come,
 * then it stops and says which batch it lost. */
static void test_reader_overtaken_by_release(void **state)
{
	(void)state;
	enum { N = 400 };
	struct ev want[N];
	struct event_log l;
	assert_int_equal(event_log_init(&l, 1 << 16, 200), 0);
	fill_batches(&l, want, N, 23);
	assert_non_null(event_log_peek(&l));
	assert_int_equal(event_log_read_seq(&l), 1);
	struct event_log_batch b;
	struct log_batch_info info;
	assert_int_equal(event_log_batch(&l, 0, &b), 0);
	assert_int_equal(log_batch_decode(b.data, b.size, &info, NULL, 0, NULL, 0), LOG_OK);
	event_log_release(&l, 3);
	assert_int_equal(read_all(&l, want, N), info.nevents);
	assert_string_equal(event_log_error(&l),
			    "batch 1 was released before it was read (the log now starts at batch 3)");
	free_log(&l);
}

/* ---- finding batches ---- */

static void test_find_by_seq(void **state)
{
	(void)state;
	enum { N = 30000 };
	struct ev *want = malloc(N * sizeof(*want));
	assert_non_null(want);
	struct event_log l;
	/* A small ring: many laps, and the index of starts wraps many times. */
	assert_int_equal(event_log_init(&l, 2000, 256), 0);
	l.drop_when_full = 1;
	fill_batches(&l, want, N, 31);
	assert_true(l.oldest > 10 * l.starts_cap);
	assert_int_equal(check_held_batches(&l), N - event_log_oldest_event(&l));
	/* Every held batch is found by its number, and holds its events. */
	struct ev out[256];
	for (uint64_t s = l.oldest; s < l.seq; s++) {
		struct event_log_batch b;
		struct log_batch_info info;
		assert_int_equal(event_log_batch(&l, s, &b), 0);
		assert_int_equal(log_batch_decode(b.data, b.size, &info, out, 256, NULL, 0), LOG_OK);
		assert_int_equal(info.seq, s);
		for (uint32_t i = 0; i < info.nevents; i++)
			assert_ev_equal(&want[info.first_event + i], &out[i], info.first_event + i);
	}
	/* Not held: released, or not written yet. */
	struct event_log_batch b;
	assert_int_equal(event_log_batch(&l, 0, &b), -1);
	assert_int_equal(event_log_batch(&l, l.oldest - 1, &b), -1);
	assert_int_equal(event_log_batch(&l, l.seq, &b), -1);
	assert_int_equal(event_log_batch(&l, UINT64_MAX, &b), -1);
	free_log(&l);
	free(want);
}

/* ---- full ---- */

/* Batches that fill the ring exactly: the last byte is used, one more
 * batch is refused, and nothing changes. */
static void test_full_to_the_last_byte(void **state)
{
	(void)state;
	uint8_t buf[EVENT_LOG_BATCH_BYTES];
	size_t sizes[4];
	size_t cap = 0;
	for (unsigned i = 0; i < 4; i++) {
		sizes[i] = hash_batch(buf, 0, 0, i + 1);
		cap += sizes[i];
	}
	struct event_log l;
	assert_int_equal(event_log_init(&l, cap, EVENT_LOG_BATCH_BYTES), 0);
	size_t size;
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(append_hash_batch(&l, i + 1, &size), 0);
		assert_int_equal(size, sizes[i]);
	}
	assert_int_equal(event_log_held(&l), cap);
	assert_int_equal(append_hash_batch(&l, 0, &size), -1);
	assert_int_equal(l.seq, 4);
	assert_int_equal(event_log_held(&l), cap);
	/* Releasing the first makes room for exactly that many bytes. */
	event_log_release(&l, 1);
	assert_int_equal(append_hash_batch(&l, 2, &size), -1);
	assert_int_equal(append_hash_batch(&l, 1, &size), 0);
	assert_int_equal(event_log_held(&l), cap);
	check_held_batches(&l);
	free_log(&l);
}

/* A batch larger than the ring never goes in, and dropping does not try. */
static void test_batch_larger_than_ring(void **state)
{
	(void)state;
	struct event_log l;
	size_t size;
	uint8_t buf[EVENT_LOG_BATCH_BYTES];
	size_t big = hash_batch(buf, 0, 0, 10);
	assert_int_equal(event_log_init(&l, big - 1, EVENT_LOG_BATCH_BYTES), 0);
	l.drop_when_full = 1;
	assert_int_equal(append_hash_batch(&l, 1, &size), 0);
	assert_int_equal(append_hash_batch(&l, 10, &size), -1);
	assert_int_equal(l.seq, 1);
	assert_int_equal(l.dropped, 0);
	/* The recorder, too: an event that would make the open batch larger
	 * than the ring is refused. */
	event_log_clear(&l);
	struct ev e = { .type = EV_HASH, .at = { .count = 1, .rip = 2 } };
	unsigned taken = 0;
	while (event_log_append(&l, &e) == 0)
		taken++;
	assert_true(taken >= 8);
	assert_int_equal(l.seq, 0);
	assert_int_equal(l.dropped, 0);
	event_log_flush(&l);
	assert_int_equal(l.seq, 1);
	check_held_batches(&l);
	free_log(&l);
}

/* drop_when_full: the oldest batches go, one by one, just as many as the
 * new one needs; the newest ones stay and read as they were written. */
static void test_drop_oldest(void **state)
{
	(void)state;
	enum { N = 500 };
	uint64_t pos[N];
	struct event_log l;
	assert_int_equal(event_log_init(&l, 1000, EVENT_LOG_BATCH_BYTES), 0);
	l.drop_when_full = 1;
	size_t size;
	for (unsigned i = 0; i < N; i++) {
		uint64_t before = l.oldest;
		assert_int_equal(append_hash_batch(&l, 1 + i % 7, &size), 0);
		assert_int_equal(l.dropped, l.oldest);
		struct event_log_batch newest;
		assert_int_equal(event_log_batch(&l, i, &newest), 0);
		pos[i] = newest.pos;
		/* Just enough went: keeping one more would not have fitted. */
		if (l.oldest > before)
			assert_true(newest.pos + newest.size - pos[l.oldest - 1] > l.cap);
		check_held_batches(&l);
	}
	assert_true(l.dropped > 100);
	/* The owner's releases are not drops. */
	uint64_t dropped = l.dropped;
	event_log_release(&l, l.oldest + 2);
	assert_int_equal(l.dropped, dropped);
	free_log(&l);
}

/* The recorder with drop_when_full never refuses an event; the batches
 * it keeps hold the newest events, exactly. */
static void test_recorder_drops_instead_of_refusing(void **state)
{
	(void)state;
	enum { N = 50000 };
	struct ev *want = malloc(N * sizeof(*want));
	assert_non_null(want);
	struct event_log l;
	assert_int_equal(event_log_init(&l, 3000, 500), 0);
	l.drop_when_full = 1;
	uint64_t s = 41;
	struct ev last = { 0 };
	for (size_t i = 0; i < N; i++) {
		want[i] = random_next_event(&s, &last);
		assert_int_equal(event_log_append(&l, &want[i]), 0);
		if (rng_next(&s) % 50 == 0) {
			event_log_flush(&l);
			check_held_batches(&l);
		}
	}
	event_log_flush(&l);
	assert_int_equal(l.appended, N);
	assert_int_equal(l.events, N);
	assert_int_equal(check_held_batches(&l), N - event_log_oldest_event(&l));
	assert_int_equal(l.dropped, l.oldest);
	assert_int_equal(event_log_rewind(&l), -1);
	free_log(&l);
	free(want);
}

/* ---- cut short, and in one piece ---- */

static void test_truncate(void **state)
{
	(void)state;
	enum { N = 500 };
	struct ev want[N];
	struct event_log l;
	assert_int_equal(event_log_init(&l, 1 << 16, 200), 0);
	fill_batches(&l, want, N, 51);
	uint64_t seq = l.seq, head = l.head;
	assert_true(seq > 10);
	struct event_log_batch b5;
	struct log_batch_info info5;
	assert_int_equal(event_log_batch(&l, 5, &b5), 0);
	assert_int_equal(log_batch_decode(b5.data, b5.size, &info5, NULL, 0, NULL, 0), LOG_OK);

	/* Past the end: nothing changes. */
	event_log_truncate(&l, head + 10);
	assert_int_equal(l.seq, seq);
	assert_int_equal(l.head, head);

	/* Inside batch 5: batches 0-4 read, batch 5 is refused as truncated. */
	event_log_truncate(&l, b5.pos + b5.size / 2);
	assert_int_equal(l.seq, 6);
	assert_int_equal(l.head, b5.pos + b5.size / 2);
	assert_int_equal(event_log_rewind(&l), 0);
	assert_int_equal(read_all(&l, want, N), info5.first_event);
	assert_non_null(strstr(event_log_error(&l), "batch 5: have"));

	/* At a batch's start: the batches before it are whole. */
	event_log_truncate(&l, b5.pos);
	assert_int_equal(l.seq, 5);
	assert_int_equal(l.head, b5.pos);
	check_held_batches(&l);
	assert_int_equal(event_log_rewind(&l), 0);
	read_all(&l, want, N);
	assert_string_equal(event_log_error(&l), "");

	/* Before the oldest held batch: nothing is left. */
	event_log_release(&l, 2);
	event_log_truncate(&l, 0);
	assert_int_equal(l.seq, l.oldest);
	assert_int_equal(event_log_held(&l), 0);
	check_held_batches(&l);
	free_log(&l);
}

static void test_contiguous(void **state)
{
	(void)state;
	struct event_log l;
	assert_int_equal(event_log_init(&l, 500, EVENT_LOG_BATCH_BYTES), 0);
	size_t len, size;
	assert_ptr_equal(event_log_contiguous(&l, &len), l.buf);
	assert_int_equal(len, 0);
	while (append_hash_batch(&l, 3, &size) == 0)
		;
	assert_ptr_equal(event_log_contiguous(&l, &len), l.buf);
	assert_int_equal(len, l.head);
	/* Across the end of the buffer: not one piece. */
	event_log_release(&l, 2);
	assert_int_equal(append_hash_batch(&l, 3, &size), 0);
	assert_true(l.head > l.cap);
	assert_null(event_log_contiguous(&l, &len));
	assert_int_equal(len, 0);
	/* Once the batches before the lap are gone, one piece again. */
	event_log_release(&l, l.seq - 1);
	uint8_t *p = event_log_contiguous(&l, &len);
	assert_ptr_equal(p, l.buf + l.tail % l.cap);
	assert_int_equal(len, size);
	free_log(&l);
}

/* ---- random runs against a model ---- */

/* The ring as the simplest list: every batch appended (by number), with
 * where it went; the events of all of them. */
struct model_batch {
	uint64_t pos;
	size_t size;
	uint64_t first_event;
	uint8_t *bytes;          /* NULL once released */
};

struct model {
	size_t cap;
	struct model_batch *b;
	size_t b_cap;
	uint64_t seq, oldest, head;
	struct ev *events;
	size_t events_cap;
	uint64_t nevents;
};

static void model_clear(struct model *m)
{
	for (uint64_t s = m->oldest; s < m->seq; s++)
		free(m->b[s].bytes);
	m->seq = 0;
	m->oldest = 0;
	m->head = 0;
	m->nevents = 0;
}

/* Back to back, or from the next multiple of cap if the batch would
 * cross it; it fits if the held batches and it span at most cap bytes. */
static int model_append(struct model *m, const uint8_t *batch, size_t size, const struct ev *ev,
			uint32_t nevents)
{
	uint64_t at = m->head;
	if (at % m->cap + size > m->cap)
		at += m->cap - at % m->cap;
	uint64_t first = m->oldest < m->seq ? m->b[m->oldest].pos : at;
	if (size > m->cap || at + size - first > m->cap)
		return -1;
	assert_true(m->seq < m->b_cap);
	assert_true(m->nevents + nevents <= m->events_cap);
	struct model_batch *b = &m->b[m->seq++];
	b->pos = at;
	b->size = size;
	b->first_event = m->nevents;
	b->bytes = malloc(size);
	assert_non_null(b->bytes);
	memcpy(b->bytes, batch, size);
	memcpy(m->events + m->nevents, ev, nevents * sizeof(*ev));
	m->nevents += nevents;
	m->head = at + size;
	return 0;
}

static void model_release(struct model *m, uint64_t seq)
{
	for (; m->oldest < seq && m->oldest < m->seq; m->oldest++) {
		free(m->b[m->oldest].bytes);
		m->b[m->oldest].bytes = NULL;
	}
}

static void check_model(const struct event_log *l, const struct model *m)
{
	assert_int_equal(l->seq, m->seq);
	assert_int_equal(l->oldest, m->oldest);
	assert_int_equal(l->events, m->nevents);
	uint64_t held = m->oldest < m->seq ? m->head - m->b[m->oldest].pos : 0;
	assert_int_equal(event_log_held(l), held);
	assert_int_equal(event_log_oldest_event(l),
			 m->oldest < m->seq ? m->b[m->oldest].first_event : m->nevents);
	for (uint64_t s = m->oldest; s < m->seq; s++) {
		struct event_log_batch b;
		assert_int_equal(event_log_batch(l, s, &b), 0);
		assert_int_equal(b.pos, m->b[s].pos);
		assert_int_equal(b.size, m->b[s].size);
		assert_memory_equal(b.data, m->b[s].bytes, b.size);
	}
	check_held_batches(l);
}

/* What the random runs went through, so a test can see each way was taken. */
struct run_stats {
	uint64_t refused, rewinds_refused, laps;
};

/* The receive path (append_batch) of a backup: batches of random sizes
 * come in, the reader reads some, the batches it is done with are
 * released, and now and then a rewind (refused once the first batch is
 * gone: then a new log) or a clear. */
static void random_receiver(size_t cap, uint64_t seed, struct run_stats *st)
{
	enum { OPS = 12000, MAX_BATCHES = OPS, MAX_EVENTS = OPS * 40 };
	struct model m = { .cap = cap, .b_cap = MAX_BATCHES, .events_cap = MAX_EVENTS };
	m.b = calloc(MAX_BATCHES, sizeof(*m.b));
	m.events = malloc(MAX_EVENTS * sizeof(*m.events));
	assert_non_null(m.b);
	assert_non_null(m.events);
	struct event_log l;
	assert_int_equal(event_log_init(&l, cap, EVENT_LOG_BATCH_BYTES), 0);
	uint64_t s = seed;
	struct ev last = { 0 };
	uint8_t buf[EVENT_LOG_BATCH_BYTES];
	struct ev ev[EVENT_LOG_BATCH_BYTES / LOG_EVENT_MIN_SIZE];
	for (int op = 0; op < OPS; op++) {
		unsigned what = (unsigned)(rng_next(&s) % 100);
		if (what < 50) {
			size_t bcap = MIN_BATCH_CAP + rng_next(&s) % 600;
			uint32_t n;
			size_t size = encode_batch(buf, bcap, m.seq, m.nevents, &s, &last,
						   1 + (unsigned)(rng_next(&s) % 40), ev, &n);
			int want = model_append(&m, buf, size, ev, n);
			assert_int_equal(event_log_append_batch(&l, buf, size), want);
			st->refused += want != 0;
		} else if (what < 75) {
			/* Read a few events: each is the model's. */
			for (int k = (int)(rng_next(&s) % 200); k > 0; k--) {
				const struct ev *e = event_log_peek(&l);
				uint64_t i = event_log_read_index(&l);
				if (!e) {
					assert_int_equal(i, m.nevents);
					break;
				}
				assert_ev_equal(&m.events[i], e, i);
				event_log_pop(&l);
			}
			assert_string_equal(event_log_error(&l), "");
		} else if (what < 98) {
			/* Release what the reader is done with, or less. */
			uint64_t done = event_log_read_seq(&l);
			uint64_t to = done - rng_next(&s) % (done - m.oldest + 1);
			if (done == m.seq && rng_next(&s) % 4 == 0)
				to = m.seq + rng_next(&s) % 5; /* past the end: clamped */
			event_log_release(&l, to);
			model_release(&m, to);
		} else if (what < 99) {
			int want = m.oldest == 0 ? 0 : -1;
			assert_int_equal(event_log_rewind(&l), want);
			if (want != 0) {
				st->rewinds_refused++;
				assert_null(event_log_peek(&l));
				assert_non_null(strstr(event_log_error(&l), "were released"));
				st->laps += l.head / cap;
				event_log_clear(&l);
				model_clear(&m);
				last = (struct ev){ 0 };
			}
		} else {
			st->laps += l.head / cap;
			event_log_clear(&l);
			model_clear(&m);
			last = (struct ev){ 0 };
		}
		check_model(&l, &m);
	}
	st->laps += l.head / cap;
	model_clear(&m);
	free(m.b);
	free(m.events);
	free_log(&l);
}

static void test_random_receiver(void **state)
{
	(void)state;
	const size_t caps[] = { 300, 1000, 4000, 8192 };
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct run_stats st = { 0 };
		random_receiver(caps[i], 61 + i, &st);
		/* Each way was taken: full, a refused rewind, laps. */
		if (!st.refused || !st.rewinds_refused || st.laps < 5)
			fail_msg("ring of %zu bytes: %llu refused, %llu rewinds refused, %llu laps",
				 caps[i], (unsigned long long)st.refused,
				 (unsigned long long)st.rewinds_refused, (unsigned long long)st.laps);
	}
}

/* The record path of a primary: events appended, batches flushed early
 * now and then, acknowledged batches released, and drops when full; the
 * batches held are always exactly the newest ones written. */
static void random_recorder(size_t cap, size_t batch_cap, uint64_t seed)
{
	enum { N = 40000 };
	struct ev *want = malloc(N * sizeof(*want));
	assert_non_null(want);
	struct event_log l;
	assert_int_equal(event_log_init(&l, cap, batch_cap), 0);
	l.drop_when_full = 1;
	uint64_t s = seed, released = 0;
	struct ev last = { 0 };
	for (size_t i = 0; i < N; i++) {
		want[i] = random_next_event(&s, &last);
		assert_int_equal(event_log_append(&l, &want[i]), 0);
		unsigned what = (unsigned)(rng_next(&s) % 100);
		if (what < 3)
			event_log_flush(&l);
		else if (what < 5 && l.seq > l.oldest) {
			/* Acknowledged: released by the owner. */
			uint64_t to = l.oldest + 1 + rng_next(&s) % (l.seq - l.oldest);
			released += to - l.oldest;
			event_log_release(&l, to);
		}
		if (what < 5) {
			uint64_t held_events = check_held_batches(&l);
			assert_int_equal(event_log_oldest_event(&l) + held_events, l.events);
			assert_int_equal(l.oldest, l.dropped + released);
		}
	}
	event_log_flush(&l);
	assert_int_equal(l.events, N);
	assert_int_equal(check_held_batches(&l), N - event_log_oldest_event(&l));
	assert_true(l.dropped > 0);
	/* The held batches hold the newest events. */
	enum { MAX_EVENTS = EVENT_LOG_BATCH_BYTES / LOG_EVENT_MIN_SIZE };
	struct ev out[MAX_EVENTS];
	for (uint64_t q = l.oldest; q < l.seq; q++) {
		struct event_log_batch b;
		struct log_batch_info info;
		assert_int_equal(event_log_batch(&l, q, &b), 0);
		assert_int_equal(log_batch_decode(b.data, b.size, &info, out, MAX_EVENTS, NULL, 0),
				 LOG_OK);
		for (uint32_t k = 0; k < info.nevents; k++)
			assert_ev_equal(&want[info.first_event + k], &out[k], info.first_event + k);
	}
	free_log(&l);
	free(want);
}

static void test_random_recorder(void **state)
{
	(void)state;
	random_recorder(2000, 300, 71);
	random_recorder(5000, 4096, 72);
	random_recorder(MIN_BATCH_CAP, MIN_BATCH_CAP, 73);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_laps_never_split),
		cmocka_unit_test(test_skip_to_next_lap),
		cmocka_unit_test(test_release_then_append),
		cmocka_unit_test(test_rewind_after_release),
		cmocka_unit_test(test_reader_overtaken_by_release),
		cmocka_unit_test(test_find_by_seq),
		cmocka_unit_test(test_full_to_the_last_byte),
		cmocka_unit_test(test_batch_larger_than_ring),
		cmocka_unit_test(test_drop_oldest),
		cmocka_unit_test(test_recorder_drops_instead_of_refusing),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_contiguous),
		cmocka_unit_test(test_random_receiver),
		cmocka_unit_test(test_random_recorder),
	};
	return cmocka_run_group_tests_name("event_log_ring", tests, NULL, NULL);
}
