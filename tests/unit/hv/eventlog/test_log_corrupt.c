/*
 * hv/log_corrupt.c: deliberate damage to a record log, with the real codec
 * (hv/log_codec.c) to build the logs and read them back. For every kind of
 * damage and logs of many shapes: the batches before the damaged one still
 * read back whole, the damaged one is refused with the error its damage
 * must give, the index returned is that batch, and the damage is exactly
 * what it claims (one bit, a cut, a swap, a version with a valid CRC) and
 * nothing else. Logs too short to damage are left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/crc32c.h"
#include "hv/eventlog/log_codec.h"
#include "hv/eventlog/log_corrupt.h"

/* ---- a log built with the encoder ---- */

#define MAX_LOG_BATCHES 64
#define MAX_BATCH_EVENTS 80

struct test_log {
	uint8_t *buf;
	size_t len;
	size_t nbatches;
	size_t off[MAX_LOG_BATCHES + 1];   /* batch starts, and the end */
	uint32_t nevents[MAX_LOG_BATCHES];
	struct ev *events;                 /* all of them, in order */
	size_t total;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* A valid event at or after count *count. */
static struct ev make_event(uint64_t *rng, uint64_t *count)
{
	struct ev e;
	memset(&e, 0, sizeof(e));
	*count += rnd(rng) % 5000;
	e.at.count = *count;
	e.at.rip = 0x100000 + rnd(rng) % 0x10000;
	switch (rnd(rng) % 5) {
	case 0:
		e.type = EV_TSC;
		e.key = (uint32_t)(rnd(rng) % 3);
		e.value = rnd(rng);
		break;
	case 1:
		e.type = EV_DEVICE;
		e.key = EV_DEVICE_KEY(EV_DEV_RTC, rnd(rng) % 128);
		e.value = rnd(rng) % 256;
		break;
	case 2:
		e.type = EV_INTR;
		e.key = (uint32_t)(32 + rnd(rng) % 200);
		e.at.rcx = rnd(rng) % 100;
		break;
	case 3:
		e.type = EV_HASH;
		e.value = rnd(rng);
		break;
	default:
		e.type = EV_RAND;
		e.key = (uint32_t)(rnd(rng) % 2);
		e.flag = 1;
		e.value = rnd(rng);
		break;
	}
	return e;
}

/* nbatches batches of 1..max_events events each (always at least one). */
static void build_log(struct test_log *t, size_t nbatches, unsigned max_events, uint64_t seed)
{
	assert_true(nbatches <= MAX_LOG_BATCHES);
	assert_true(max_events >= 1 && max_events <= MAX_BATCH_EVENTS);
	memset(t, 0, sizeof(*t));
	uint64_t rng = seed | 1;
	size_t cap = nbatches * (LOG_BATCH_HEADER_SIZE + MAX_BATCH_EVENTS * LOG_EVENT_MAX_SIZE) + 1;
	t->buf = malloc(cap);
	t->events = malloc(nbatches * MAX_BATCH_EVENTS * sizeof(struct ev));
	assert_non_null(t->buf);
	assert_non_null(t->events);
	uint64_t count = 0;
	for (size_t b = 0; b < nbatches; b++) {
		struct log_encoder enc;
		t->off[b] = t->len;
		log_encoder_start(&enc, t->buf + t->len, cap - t->len, b, t->total);
		unsigned n = 1 + (unsigned)(rnd(&rng) % max_events);
		for (unsigned i = 0; i < n; i++) {
			struct ev e = make_event(&rng, &count);
			assert_int_equal(log_encoder_add(&enc, &e), LOG_ADD_OK);
			t->events[t->total++] = e;
		}
		t->nevents[b] = n;
		t->len += log_encoder_finish(&enc);
	}
	t->off[nbatches] = t->len;
	t->nbatches = nbatches;
}

static void free_log(struct test_log *t)
{
	free(t->buf);
	free(t->events);
	memset(t, 0, sizeof(*t));
}

static void assert_ev_same(const struct ev *a, const struct ev *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->flag, b->flag);
	assert_int_equal(a->key, b->key);
	assert_int_equal(a->value, b->value);
	assert_int_equal(a->at.count, b->at.count);
	assert_int_equal(a->at.rip, b->at.rip);
	assert_int_equal(a->at.rcx, b->at.rcx);
}

/* Decodes batch 'b' of the original log on its own, from an exact copy. */
static enum log_error decode_alone(const uint8_t *data, size_t len, struct log_batch_info *info,
				   struct ev *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, data, len);
	char why[200];
	enum log_error err = log_batch_decode(copy, len, info, out, MAX_BATCH_EVENTS, why,
					      sizeof(why));
	free(copy);
	return err;
}

/*
 * Reads buf[0..len) as a stream from its first batch. Batches before
 * 'damaged' must read back as the original log's; the one at 'damaged' must
 * be refused with 'want'. The rest of the buffer from each read is an exact
 * heap copy, so a read past the (possibly shortened) end is caught.
 */
static void read_until_refused(const struct test_log *orig, const uint8_t *buf, size_t len,
			       int damaged, enum log_error want)
{
	struct log_reader r;
	log_reader_init(&r);
	size_t pos = 0, ev_index = 0;
	struct ev out[MAX_BATCH_EVENTS];
	for (int b = 0; b <= damaged; b++) {
		size_t rest = len - pos;
		uint8_t *copy = malloc(rest ? rest : 1);
		assert_non_null(copy);
		memcpy(copy, buf + pos, rest);
		struct log_batch_info info;
		char why[200] = "";
		enum log_error err = log_reader_next(&r, copy, rest, &info, out, MAX_BATCH_EVENTS,
						     why, sizeof(why));
		free(copy);
		if (b < damaged) {
			if (err != LOG_OK)
				fail_msg("batch %d before the damaged %d: %s (%s)", b, damaged,
					 log_error_name(err), why);
			assert_int_equal(info.seq, (uint64_t)b);
			assert_int_equal(info.nevents, orig->nevents[b]);
			assert_int_equal(info.size, orig->off[b + 1] - orig->off[b]);
			for (uint32_t i = 0; i < info.nevents; i++)
				assert_ev_same(&out[i], &orig->events[ev_index + i]);
			ev_index += info.nevents;
			pos += info.size;
			assert_int_equal(pos, orig->off[b + 1]);
		} else {
			if (err != want)
				fail_msg("damaged batch %d: got %s (%s), want %s", b,
					 log_error_name(err), why, log_error_name(want));
			assert_true(why[0] != 0);
		}
	}
}

static const enum log_error expected_error[DAMAGE_KIND_COUNT] = {
	[DAMAGE_FLIP_BIT] = LOG_ERR_CRC,
	[DAMAGE_TRUNCATE] = LOG_ERR_SHORT,
	[DAMAGE_REORDER] = LOG_ERR_SEQUENCE,
	[DAMAGE_VERSION] = LOG_ERR_VERSION,
};

/* The damage is exactly what the kind claims, and nothing else changed. */
static void check_damage_shape(const struct test_log *t, const uint8_t *buf, size_t len,
			       enum log_damage kind, int k)
{
	size_t start = t->off[k], end = t->off[k + 1];
	switch (kind) {
	case DAMAGE_FLIP_BIT: {
		assert_int_equal(len, t->len);
		int bits = 0;
		for (size_t i = 0; i < len; i++) {
			uint8_t x = buf[i] ^ t->buf[i];
			if (!x)
				continue;
			bits += __builtin_popcount(x);
			/* In the payload of batch k, not its header. */
			assert_true(i >= start + LOG_BATCH_HEADER_SIZE && i < end);
		}
		assert_int_equal(bits, 1);
		break;
	}
	case DAMAGE_TRUNCATE:
		/* The log now ends strictly inside batch k. */
		assert_true(len > start && len < end);
		assert_memory_equal(buf, t->buf, len);
		break;
	case DAMAGE_REORDER: {
		size_t next_end = t->off[k + 2];
		assert_int_equal(len, t->len);
		assert_memory_equal(buf, t->buf, start);
		size_t size_k1 = next_end - end;
		/* [k+1][k] where [k][k+1] was. */
		assert_memory_equal(buf + start, t->buf + end, size_k1);
		assert_memory_equal(buf + start + size_k1, t->buf + start, end - start);
		assert_memory_equal(buf + next_end, t->buf + next_end, len - next_end);
		break;
	}
	case DAMAGE_VERSION: {
		assert_int_equal(len, t->len);
		for (size_t i = 0; i < len; i++) {
			if (buf[i] == t->buf[i])
				continue;
			/* Only the version (offset 4..5) and CRC (32..35) of batch k. */
			size_t rel = i - start;
			assert_true(i >= start && i < end);
			assert_true(rel == 4 || rel == 5 || (rel >= 32 && rel < 36));
		}
		const uint8_t *b = buf + start;
		assert_int_equal(b[4] | b[5] << 8, LOG_VERSION + 1);
		/* The CRC is right for the new contents: CRC32C of the batch with
		 * its CRC field read as 0, computed here independently. */
		uint8_t *copy = malloc(end - start);
		assert_non_null(copy);
		memcpy(copy, b, end - start);
		uint32_t stored = (uint32_t)copy[32] | (uint32_t)copy[33] << 8 |
				  (uint32_t)copy[34] << 16 | (uint32_t)copy[35] << 24;
		memset(copy + 32, 0, 4);
		assert_int_equal(crc32c(copy, end - start), stored);
		/* And with the version put back, the CRC no longer matches, so it
		 * really was recomputed for the new version. */
		copy[4] = LOG_VERSION;
		copy[5] = 0;
		assert_true(crc32c(copy, end - start) != stored);
		free(copy);
		break;
	}
	default:
		fail();
	}
}

static void damage_and_check(const struct test_log *t, enum log_damage kind)
{
	uint8_t *buf = malloc(t->len);
	assert_non_null(buf);
	memcpy(buf, t->buf, t->len);
	size_t len = t->len;
	int k = log_damage(buf, &len, kind);
	/* A middle batch: one before it and one after it at least. */
	if (k < 1 || (size_t)k + 2 > t->nbatches)
		fail_msg("%s on %zu batches damaged batch %d", log_damage_name(kind), t->nbatches,
			 k);
	check_damage_shape(t, buf, len, kind, k);
	read_until_refused(t, buf, len, k, expected_error[kind]);
	free(buf);
}

/* ---- tests ---- */

static void test_undamaged_log_reads(void **state)
{
	(void)state;
	struct test_log t;
	build_log(&t, 10, 30, 11);
	/* Sanity for the rest: all of it reads back, then the end. */
	read_until_refused(&t, t.buf, t.len, 10, LOG_ERR_SHORT);
	free_log(&t);
}

static void test_each_damage(void **state)
{
	(void)state;
	const size_t sizes[] = { 3, 4, 5, 6, 7, 8, 13, 24, 64 };
	const unsigned max_events[] = { 1, 2, 7, 40, 80 };
	uint64_t seed = 100;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (size_t m = 0; m < sizeof(max_events) / sizeof(max_events[0]); m++)
			for (int rep = 0; rep < 3; rep++) {
				struct test_log t;
				build_log(&t, sizes[s], max_events[m], seed++);
				for (int kind = 0; kind < DAMAGE_KIND_COUNT; kind++)
					damage_and_check(&t, (enum log_damage)kind);
				free_log(&t);
			}
}

/* The damaged batch is a middle one: damage lands well inside the log. */
static void test_damaged_index(void **state)
{
	(void)state;
	for (size_t n = 3; n <= 20; n++) {
		struct test_log t;
		build_log(&t, n, 5, n);
		for (int kind = 0; kind < DAMAGE_KIND_COUNT; kind++) {
			uint8_t *buf = malloc(t.len);
			assert_non_null(buf);
			memcpy(buf, t.buf, t.len);
			size_t len = t.len;
			int k = log_damage(buf, &len, (enum log_damage)kind);
			int mid = (int)(n - 1) / 2;
			assert_true(k >= 1 && (size_t)k + 2 <= n);
			assert_true(k >= mid && k <= mid + 1);
			free(buf);
		}
		free_log(&t);
	}
}

/* After a swap both batches are intact on their own: nothing but the order
 * is wrong. */
static void test_reorder_is_a_swap(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct test_log t;
		build_log(&t, 3 + seed % 9, 20, seed * 7);
		uint8_t *buf = malloc(t.len);
		assert_non_null(buf);
		memcpy(buf, t.buf, t.len);
		size_t len = t.len;
		int k = log_damage(buf, &len, DAMAGE_REORDER);
		assert_true(k >= 1);
		size_t start = t.off[k];
		struct log_batch_info first, second;
		struct ev evs[MAX_BATCH_EVENTS];
		assert_int_equal(decode_alone(buf + start, len - start, &first, evs), LOG_OK);
		assert_int_equal(first.seq, (uint64_t)k + 1);
		assert_int_equal(first.nevents, t.nevents[k + 1]);
		size_t idx = 0;
		for (int b = 0; b <= k; b++)
			idx += t.nevents[b];
		for (uint32_t i = 0; i < first.nevents; i++)
			assert_ev_same(&evs[i], &t.events[idx + i]);

		assert_int_equal(decode_alone(buf + start + first.size, len - start - first.size,
					      &second, evs),
				 LOG_OK);
		assert_int_equal(second.seq, (uint64_t)k);
		assert_int_equal(second.nevents, t.nevents[k]);
		idx -= t.nevents[k];
		for (uint32_t i = 0; i < second.nevents; i++)
			assert_ev_same(&evs[i], &t.events[idx + i]);
		assert_int_equal(start + first.size + second.size, t.off[k + 2]);
		free(buf);
		free_log(&t);
	}
}

/* Fewer than three batches: -1, and neither the bytes nor the length move. */
static void test_too_few_batches(void **state)
{
	(void)state;
	for (size_t n = 0; n < 3; n++) {
		struct test_log t;
		if (n)
			build_log(&t, n, 10, 50 + n);
		else {
			memset(&t, 0, sizeof(t));
			t.buf = malloc(1);
			assert_non_null(t.buf);
			t.buf[0] = 0xAA;
		}
		for (int kind = 0; kind < DAMAGE_KIND_COUNT; kind++) {
			size_t cap = t.len ? t.len : 1;
			uint8_t *buf = malloc(cap);
			assert_non_null(buf);
			memcpy(buf, t.buf, cap);
			size_t len = t.len;
			assert_int_equal(log_damage(buf, &len, (enum log_damage)kind), -1);
			assert_int_equal(len, t.len);
			assert_memory_equal(buf, t.buf, cap);
			free(buf);
		}
		free_log(&t);
	}

	/* Two good batches followed by bytes that are not a batch: still two. */
	struct test_log t;
	build_log(&t, 3, 10, 77);
	uint8_t *buf = malloc(t.len);
	assert_non_null(buf);
	memcpy(buf, t.buf, t.len);
	buf[t.off[2]] ^= 0xff; /* the third batch's magic */
	uint8_t *before = malloc(t.len);
	assert_non_null(before);
	memcpy(before, buf, t.len);
	for (int kind = 0; kind < DAMAGE_KIND_COUNT; kind++) {
		size_t len = t.len;
		assert_int_equal(log_damage(buf, &len, (enum log_damage)kind), -1);
		assert_int_equal(len, t.len);
		assert_memory_equal(buf, before, t.len);
	}
	free(before);
	free(buf);
	free_log(&t);
}

static void test_unknown_kind(void **state)
{
	(void)state;
	struct test_log t;
	build_log(&t, 6, 10, 99);
	uint8_t *buf = malloc(t.len);
	assert_non_null(buf);
	memcpy(buf, t.buf, t.len);
	size_t len = t.len;
	assert_int_equal(log_damage(buf, &len, DAMAGE_KIND_COUNT), -1);
	assert_int_equal(log_damage(buf, &len, (enum log_damage)77), -1);
	assert_int_equal(len, t.len);
	assert_memory_equal(buf, t.buf, t.len);
	free(buf);
	free_log(&t);
}

static void test_names(void **state)
{
	(void)state;
	for (int a = 0; a < DAMAGE_KIND_COUNT; a++) {
		const char *na = log_damage_name((enum log_damage)a);
		assert_non_null(na);
		assert_true(strlen(na) > 1);
		assert_string_not_equal(na, "?");
		for (int b = a + 1; b < DAMAGE_KIND_COUNT; b++)
			assert_string_not_equal(na, log_damage_name((enum log_damage)b));
	}
	assert_string_equal(log_damage_name(DAMAGE_KIND_COUNT), "?");
	assert_string_equal(log_damage_name((enum log_damage)-1), "?");
	assert_non_null(strstr(log_damage_name(DAMAGE_TRUNCATE), "truncat"));
	assert_non_null(strstr(log_damage_name(DAMAGE_VERSION), "version"));
}

/* Damage twice in a row (as the self-check does, restoring in between):
 * the same batch and the same bytes each time. */
static void test_repeatable(void **state)
{
	(void)state;
	struct test_log t;
	build_log(&t, 9, 12, 1234);
	for (int kind = 0; kind < DAMAGE_KIND_COUNT; kind++) {
		uint8_t *a = malloc(t.len), *b = malloc(t.len);
		assert_non_null(a);
		assert_non_null(b);
		memcpy(a, t.buf, t.len);
		memcpy(b, t.buf, t.len);
		size_t la = t.len, lb = t.len;
		assert_int_equal(log_damage(a, &la, (enum log_damage)kind),
				 log_damage(b, &lb, (enum log_damage)kind));
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		free(a);
		free(b);
	}
	free_log(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_undamaged_log_reads),
		cmocka_unit_test(test_each_damage),
		cmocka_unit_test(test_damaged_index),
		cmocka_unit_test(test_reorder_is_a_swap),
		cmocka_unit_test(test_too_few_batches),
		cmocka_unit_test(test_unknown_kind),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_repeatable),
	};
	return cmocka_run_group_tests_name("log_corrupt", tests, NULL, NULL);
}
