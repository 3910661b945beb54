/*
 * hv/log_codec.c: the log's batches and events. Round trips of random
 * events of every type across many batches, the byte layout pinned by a
 * hand-built batch, the size targets, and refusal of every kind of damage:
 * each single-bit flip, each truncation, bad header fields, wrong event
 * counts, non-canonical encodings and batches out of sequence. Batches are
 * decoded from heap buffers of their exact size, so ASan sees any read past
 * the end.
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
#include "hv/lib/le_bytes.h"
#include "hv/eventlog/log_codec.h"
#include "tests/unit/support/random_event.h"

/* ---- helpers ---- */

/* Decodes a copy of batch[0..len) in a heap buffer of exactly len bytes. */
static enum log_error decode_copy(const uint8_t *batch, size_t len, struct log_batch_info *info,
				  struct ev *out, size_t max, char *why, size_t why_size)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, batch, len);
	enum log_error err = log_batch_decode(copy, len, info, out, max, why, why_size);
	free(copy);
	return err;
}

static void expect_error(const uint8_t *batch, size_t len, enum log_error want, const char *word)
{
	struct log_batch_info info;
	char why[200] = "";
	enum log_error err = decode_copy(batch, len, &info, NULL, 0, why, sizeof(why));
	if (err != want)
		fail_msg("got %s (\"%s\"), want %s", log_error_name(err), why, log_error_name(want));
	if (word && !strstr(why, word))
		fail_msg("message \"%s\" lacks \"%s\"", why, word);
}


/* Recomputes the CRC the way the format document says, so a test can
 * change a header field and reach the check behind the CRC. */
static void fix_crc(uint8_t *batch)
{
	size_t payload_len = (size_t)get_le(batch + 28, 4);
	put_le(batch + 32, 0, 4);
	put_le(batch + 32, crc32c(batch, LOG_BATCH_HEADER_SIZE + payload_len), 4);
}

/* A batch written by hand from the documented layout. */
static size_t make_batch(uint8_t *buf, uint64_t seq, uint64_t first, uint32_t nevents,
			 const uint8_t *payload, uint32_t payload_len)
{
	memcpy(buf, "FTVL", 4);
	put_le(buf + 4, 2, 2);
	put_le(buf + 6, 40, 2);
	put_le(buf + 8, seq, 8);
	put_le(buf + 16, first, 8);
	put_le(buf + 24, nevents, 4);
	put_le(buf + 28, payload_len, 4);
	put_le(buf + 36, 0, 4);
	memcpy(buf + 40, payload, payload_len);
	fix_crc(buf);
	return 40 + (size_t)payload_len;
}

/* One event of every type, for the small damaged-batch tests. */
static const struct ev sample_events[] = {
	{ .type = EV_TSC, .key = EV_TSC_RDTSC, .value = 1000000, .at = { 100, 0x1000, 0 } },
	{ .type = EV_RAND, .key = 1, .flag = 1, .value = 0xdeadbeefcafef00dull,
	  .at = { 250, 0x1010, 0 } },
	{ .type = EV_DEVICE, .key = EV_DEVICE_KEY(EV_DEV_RTC, 0x0a), .value = 0x26,
	  .at = { 260, 0x1020, 0 } },
	{ .type = EV_INTR, .key = 0x40, .at = { 200260, 0x1800, 3 } },
	{ .type = EV_HASH, .value = 0x0123456789abcdefull, .at = { 300000, 0x1804, 0 } },
	{ .type = EV_MEMHASH, .value = 0xfedcba9876543210ull, .at = { 300000, 0x1804, 0 } },
	{ .type = EV_STOP, .key = 0, .value = 7, .at = { 300100, 0x1900, 0 } },
};
#define NSAMPLES (sizeof(sample_events) / sizeof(sample_events[0]))

static size_t encode_samples(uint8_t *buf, size_t cap, uint64_t seq, uint64_t first)
{
	struct log_encoder e;
	log_encoder_start(&e, buf, cap, seq, first);
	for (size_t i = 0; i < NSAMPLES; i++)
		assert_int_equal(log_encoder_add(&e, &sample_events[i]), LOG_ADD_OK);
	return log_encoder_finish(&e);
}

/* The encoded size of 'ev' right after 'prev' in a batch. */
static size_t event_size_after(const struct ev *prev, const struct ev *ev)
{
	uint8_t buf[LOG_BATCH_HEADER_SIZE + 2 * LOG_EVENT_MAX_SIZE];
	struct log_encoder e;
	log_encoder_start(&e, buf, sizeof(buf), 0, 0);
	assert_int_equal(log_encoder_add(&e, prev), LOG_ADD_OK);
	size_t before = e.len;
	assert_int_equal(log_encoder_add(&e, ev), LOG_ADD_OK);
	return e.len - before;
}

/* ---- round trips ---- */

/*
 * Thousands of random events of every type through batches of random
 * capacity, read back through a log_reader: every field comes back, at.rcx
 * only for the exact events, and re-encoding each batch gives the same bytes.
 */
static void roundtrip_seed(uint64_t seed, size_t nevents)
{
	uint64_t s = seed;
	struct ev *events = calloc(nevents, sizeof(*events));
	struct ev *decoded = calloc(nevents, sizeof(*decoded));
	size_t stream_cap = nevents * LOG_EVENT_MAX_SIZE + 4096 * LOG_BATCH_HEADER_SIZE;
	uint8_t *stream = malloc(stream_cap);
	assert_non_null(events);
	assert_non_null(decoded);
	assert_non_null(stream);

	uint64_t count = rng_next(&s) % 1000, rip = 0xffffffff81000000ull;
	for (size_t i = 0; i < nevents; i++) {
		unsigned type = 1 + (unsigned)(rng_next(&s) % (EV_TYPE_COUNT - 1));
		events[i] = random_event(&s, type, count, rip);
		count = events[i].at.count;
		rip = events[i].at.rip;
		/* The engine hands over whole execution points: rcx is set for
		 * every type but only kept for the exact events. */
		if (!ev_point_is_exact(type))
			events[i].at.rcx = rng_next(&s);
	}

	/* Encode: each batch gets a random capacity, from one event up. */
	size_t len = 0, next = 0, nbatches = 0;
	while (next < nevents) {
		size_t cap = LOG_BATCH_HEADER_SIZE + LOG_EVENT_MAX_SIZE + rng_next(&s) % 2000;
		assert_true(len + cap <= stream_cap);
		struct log_encoder e;
		log_encoder_start(&e, stream + len, cap, nbatches, next);
		while (next < nevents) {
			int rc = log_encoder_add(&e, &events[next]);
			if (rc == LOG_ADD_FULL)
				break;
			assert_int_equal(rc, LOG_ADD_OK);
			next++;
		}
		assert_true(e.nevents > 0);
		size_t size = log_encoder_finish(&e);
		assert_true(size <= cap);
		len += size;
		nbatches++;
	}

	struct log_reader r;
	log_reader_init(&r);
	size_t pos = 0, got = 0, batches_read = 0;
	char why[200];
	while (pos < len) {
		struct log_batch_info info;
		uint8_t *copy = malloc(len - pos);
		assert_non_null(copy);
		memcpy(copy, stream + pos, len - pos);
		enum log_error err = log_reader_next(&r, copy, len - pos, &info, decoded + got,
						     nevents - got, why, sizeof(why));
		if (err != LOG_OK)
			fail_msg("batch %zu: %s: %s", batches_read, log_error_name(err), why);

		/* Canonical: the decoded events encode to the very same bytes. */
		uint8_t *again = malloc(info.size);
		assert_non_null(again);
		struct log_encoder e;
		log_encoder_start(&e, again, info.size, info.seq, info.first_event);
		for (uint32_t i = 0; i < info.nevents; i++)
			assert_int_equal(log_encoder_add(&e, &decoded[got + i]), LOG_ADD_OK);
		assert_int_equal(log_encoder_finish(&e), info.size);
		assert_memory_equal(again, copy, info.size);
		free(again);
		free(copy);

		assert_int_equal(info.first_event, got);
		got += info.nevents;
		pos += info.size;
		batches_read++;
	}
	assert_int_equal(got, nevents);
	assert_int_equal(batches_read, nbatches);
	assert_true(nbatches > 20);
	for (size_t i = 0; i < nevents; i++) {
		struct ev want = events[i];
		if (!ev_point_is_exact(want.type))
			want.at.rcx = 0;
		assert_ev_equal(&want, &decoded[i], i);
	}
	free(stream);
	free(decoded);
	free(events);
}

static void test_roundtrip_random(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 8; seed++)
		roundtrip_seed(seed * 0x9e3779b97f4a7c15ull, 5000);
}

/* Extreme values of every field, each alone in a batch: counts and rips at
 * both ends of 64 bits, and the event that takes LOG_EVENT_MAX_SIZE. */
static void test_roundtrip_extremes(void **state)
{
	(void)state;
	const struct ev cases[] = {
		{ .type = EV_TSC, .key = EV_TSC_MSR, .value = UINT64_MAX,
		  .at = { UINT64_MAX, UINT64_MAX, 0 } },
		{ .type = EV_TSC, .key = EV_TSC_RDTSCP, .value = 0, .at = { 0, 0, 0 } },
		{ .type = EV_RAND, .key = 0, .flag = 0, .value = 0, .at = { 1, 1, 0 } },
		{ .type = EV_RAND, .key = 0, .flag = 1, .value = (1ull << 49) - 1, .at = { 1, 1, 0 } },
		{ .type = EV_RAND, .key = 1, .flag = 0, .value = 1ull << 49, .at = { 1, 1, 0 } },
		{ .type = EV_RAND, .key = 1, .flag = 1, .value = UINT64_MAX, .at = { 1, 1, 0 } },
		{ .type = EV_DEVICE, .key = UINT32_MAX, .value = UINT64_MAX,
		  .at = { UINT64_MAX, 1ull << 63, 0 } },
		{ .type = EV_INTR, .key = 255, .at = { UINT64_MAX, UINT64_MAX, UINT64_MAX } },
		{ .type = EV_INTR, .key = 0, .at = { 0, 0, 0 } },
		{ .type = EV_HASH, .value = UINT64_MAX, .at = { 5, 0x8000000000000000ull, 0 } },
		{ .type = EV_MEMHASH, .value = 0, .at = { 5, 0x7fffffffffffffffull, 0 } },
		{ .type = EV_STOP, .key = UINT32_MAX, .value = UINT64_MAX,
		  .at = { UINT64_MAX, 0x8000000000000000ull, UINT64_MAX } },
	};
	size_t largest = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[LOG_BATCH_HEADER_SIZE + LOG_EVENT_MAX_SIZE];
		struct log_encoder e;
		log_encoder_start(&e, buf, sizeof(buf), 0, 0);
		assert_int_equal(log_encoder_add(&e, &cases[i]), LOG_ADD_OK);
		size_t size = log_encoder_finish(&e);
		if (size - LOG_BATCH_HEADER_SIZE > largest)
			largest = size - LOG_BATCH_HEADER_SIZE;

		struct log_batch_info info;
		struct ev out;
		char why[200];
		enum log_error err = decode_copy(buf, size, &info, &out, 1, why, sizeof(why));
		if (err != LOG_OK)
			fail_msg("case %zu: %s", i, why);
		assert_ev_equal(&cases[i], &out, i);
		assert_int_equal(info.first_count, cases[i].at.count);
		assert_int_equal(info.last_count, cases[i].at.count);
	}
	assert_int_equal(largest, LOG_EVENT_MAX_SIZE);
}

/* The layout of log_codec.h, byte for byte: a hand-built batch decodes, and
 * the encoder writes exactly it. */
static void test_golden_bytes(void **state)
{
	(void)state;
	/* INTR vector 0x40 at count 200000 rip 0x1000 rcx 0, then TSC rdtscp
	 * 5000 at count 201000 rip 0xff0 (rip delta -16). */
	static const uint8_t payload[] = {
		0x04, 0xc0, 0x9a, 0x0c, 0x80, 0x40, 0x00, 0x40,
		0x09, 0xe8, 0x07, 0x1f, 0x90, 0x4e,
	};
	const struct ev want[2] = {
		{ .type = EV_INTR, .key = 0x40, .at = { 200000, 0x1000, 0 } },
		{ .type = EV_TSC, .key = EV_TSC_RDTSCP, .value = 5000, .at = { 201000, 0xff0, 0 } },
	};
	uint8_t hand[LOG_BATCH_HEADER_SIZE + sizeof(payload)];
	size_t size = make_batch(hand, 7, 1234, 2, payload, sizeof(payload));

	struct log_batch_info info;
	struct ev out[2];
	char why[200];
	enum log_error err = decode_copy(hand, size, &info, out, 2, why, sizeof(why));
	if (err != LOG_OK)
		fail_msg("%s", why);
	assert_int_equal(info.seq, 7);
	assert_int_equal(info.first_event, 1234);
	assert_int_equal(info.nevents, 2);
	assert_int_equal(info.payload_len, sizeof(payload));
	assert_int_equal(info.size, size);
	assert_int_equal(info.first_count, 200000);
	assert_int_equal(info.last_count, 201000);
	assert_ev_equal(&want[0], &out[0], 0);
	assert_ev_equal(&want[1], &out[1], 1);

	uint8_t enc[256];
	struct log_encoder e;
	log_encoder_start(&e, enc, sizeof(enc), 7, 1234);
	assert_int_equal(log_encoder_add(&e, &want[0]), LOG_ADD_OK);
	assert_int_equal(log_encoder_add(&e, &want[1]), LOG_ADD_OK);
	assert_int_equal(log_encoder_finish(&e), size);
	assert_memory_equal(enc, hand, size);
}

/* An empty batch is valid (nothing to record yet, but the stream moves on). */
static void test_empty_batch(void **state)
{
	(void)state;
	uint8_t buf[LOG_BATCH_HEADER_SIZE];
	struct log_encoder e;
	log_encoder_start(&e, buf, sizeof(buf), 0, 0);
	assert_int_equal(log_encoder_finish(&e), LOG_BATCH_HEADER_SIZE);

	struct log_reader r;
	struct log_batch_info info;
	log_reader_init(&r);
	assert_int_equal(log_reader_next(&r, buf, sizeof(buf), &info, NULL, 0, NULL, 0), LOG_OK);
	assert_int_equal(info.nevents, 0);
	assert_int_equal(info.size, LOG_BATCH_HEADER_SIZE);
	assert_int_equal(r.next_seq, 1);
	assert_int_equal(r.next_event, 0);
}

/* 'max' bounds what is stored; the rest is still validated. */
static void test_out_max(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t size = encode_samples(buf, sizeof(buf), 0, 0);
	struct log_batch_info info;
	struct ev *out = malloc(2 * sizeof(*out));
	assert_non_null(out);
	assert_int_equal(decode_copy(buf, size, &info, out, 2, NULL, 0), LOG_OK);
	assert_int_equal(info.nevents, NSAMPLES);
	assert_ev_equal(&sample_events[0], &out[0], 0);
	assert_ev_equal(&sample_events[1], &out[1], 1);
	assert_int_equal(info.last_count, sample_events[NSAMPLES - 1].at.count);
	free(out);
}

/* ---- the encoder ---- */

/* When the buffer is full the encoder says so and keeps the batch intact;
 * the event then opens the next batch, and the stream reads back. */
static void test_encoder_full(void **state)
{
	(void)state;
	uint8_t stream[1024];
	size_t cap = LOG_BATCH_HEADER_SIZE + 40;
	struct log_encoder e;
	log_encoder_start(&e, stream, cap, 0, 0);

	struct ev ev = { .type = EV_HASH, .value = 1, .at = { 10, 0x1000, 0 } };
	int added = 0;
	while (log_encoder_add(&e, &ev) == LOG_ADD_OK) {
		added++;
		ev.at.count += 10;
	}
	/* A hash event takes 12 bytes first (absolute rip), then 11: three
	 * fit in 40. */
	assert_int_equal(added, 3);
	assert_int_equal(e.nevents, 3);
	size_t len_full = e.len;
	assert_int_equal(log_encoder_add(&e, &ev), LOG_ADD_FULL);
	assert_int_equal(e.len, len_full);
	size_t first = log_encoder_finish(&e);
	assert_int_equal(first, len_full);
	assert_true(first <= cap);

	log_encoder_start(&e, stream + first, cap, 1, 3);
	assert_int_equal(log_encoder_add(&e, &ev), LOG_ADD_OK);
	size_t second = log_encoder_finish(&e);

	struct log_reader r;
	struct log_batch_info info;
	struct ev out[4];
	log_reader_init(&r);
	assert_int_equal(log_reader_next(&r, stream, first + second, &info, out, 4, NULL, 0),
			 LOG_OK);
	assert_int_equal(info.nevents, 3);
	assert_int_equal(log_reader_next(&r, stream + first, second, &info, out + 3, 1, NULL, 0),
			 LOG_OK);
	assert_int_equal(info.nevents, 1);
	/* The second batch restarts its delta base: the count is absolute. */
	assert_int_equal(out[3].at.count, 40);
	assert_int_equal(r.next_event, 4);
}

/* A buffer too small for a header holds nothing and writes nothing. */
static void test_encoder_tiny_buffer(void **state)
{
	(void)state;
	uint8_t buf[LOG_BATCH_HEADER_SIZE - 1];
	memset(buf, 0xa5, sizeof(buf));
	struct log_encoder e;
	log_encoder_start(&e, buf, sizeof(buf), 0, 0);
	struct ev ev = { .type = EV_INTR, .key = 0x20 };
	assert_int_equal(log_encoder_add(&e, &ev), LOG_ADD_FULL);
	assert_int_equal(log_encoder_finish(&e), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);
}

static void expect_invalid(const struct ev *prev, const struct ev *ev, const char *word)
{
	uint8_t buf[256];
	struct log_encoder e;
	log_encoder_start(&e, buf, sizeof(buf), 0, 0);
	if (prev)
		assert_int_equal(log_encoder_add(&e, prev), LOG_ADD_OK);
	size_t len = e.len;
	uint32_t n = e.nevents;
	const char *why = log_encoder_check(&e, ev);
	assert_non_null(why);
	if (!strstr(why, word))
		fail_msg("reason \"%s\" lacks \"%s\"", why, word);
	assert_int_equal(log_encoder_add(&e, ev), LOG_ADD_INVALID);
	assert_int_equal(e.len, len);
	assert_int_equal(e.nevents, n);
}

static void test_encoder_refuses_invalid(void **state)
{
	(void)state;
	const struct ev prev = { .type = EV_TSC, .value = 1, .at = { 1000, 0x1000, 0 } };
	struct ev ev;

	ev = (struct ev){ .type = EV_INTR, .key = 300, .at = { 2000, 0, 0 } };
	expect_invalid(NULL, &ev, "vector");
	ev = (struct ev){ .type = EV_INTR, .key = 0x40, .at = { 999, 0x1000, 0 } };
	expect_invalid(&prev, &ev, "backwards");
	ev = (struct ev){ .type = EV_NONE };
	expect_invalid(NULL, &ev, "unknown");
	ev = (struct ev){ .type = EV_TYPE_COUNT };
	expect_invalid(NULL, &ev, "unknown");
	ev = (struct ev){ .type = 0xff };
	expect_invalid(NULL, &ev, "unknown");
	ev = (struct ev){ .type = EV_TSC, .key = 3 };
	expect_invalid(NULL, &ev, "source");
	ev = (struct ev){ .type = EV_TSC, .flag = 1 };
	expect_invalid(NULL, &ev, "flag");
	ev = (struct ev){ .type = EV_RAND, .key = 2 };
	expect_invalid(NULL, &ev, "rdseed");
	ev = (struct ev){ .type = EV_RAND, .flag = 2 };
	expect_invalid(NULL, &ev, "CF");
	ev = (struct ev){ .type = EV_DEVICE, .flag = 1 };
	expect_invalid(NULL, &ev, "flag");
	ev = (struct ev){ .type = EV_STOP, .flag = 1 };
	expect_invalid(NULL, &ev, "flag");
	ev = (struct ev){ .type = EV_INTR, .value = 1 };
	expect_invalid(NULL, &ev, "value");
	ev = (struct ev){ .type = EV_HASH, .key = 1 };
	expect_invalid(NULL, &ev, "key");
	ev = (struct ev){ .type = EV_MEMHASH, .flag = 1 };
	expect_invalid(NULL, &ev, "flag");

	/* The same count as the event before is fine (two inputs at one point). */
	uint8_t buf[256];
	struct log_encoder e;
	log_encoder_start(&e, buf, sizeof(buf), 0, 0);
	assert_int_equal(log_encoder_add(&e, &prev), LOG_ADD_OK);
	ev = (struct ev){ .type = EV_INTR, .key = 0x40, .at = { 1000, 0x1000, 0 } };
	assert_null(log_encoder_check(&e, &ev));
	assert_int_equal(log_encoder_add(&e, &ev), LOG_ADD_OK);
}

/* ---- sizes ---- */

static void test_size_targets(void **state)
{
	(void)state;
	const struct ev prev = { .type = EV_TSC, .value = 123456789000ull,
				 .at = { 50000000, 0xffffffff81234567ull, 0 } };
	const struct ev intr = { .type = EV_INTR, .key = 0x40,
				 .at = { 50200000, 0xffffffff81234567ull + 3000, 2 } };
	const struct ev tsc = { .type = EV_TSC, .value = 123456789000ull + 5000,
				.at = { 50001000, 0xffffffff81234567ull + 40, 0 } };
	const struct ev rand = { .type = EV_RAND, .flag = 1, .value = 0x8f3a9c55e01b7d24ull,
				 .at = { 50000400, 0xffffffff81234567ull + 100, 0 } };
	const struct ev rand32 = { .type = EV_RAND, .flag = 1, .value = 0x9c55e01bull,
				   .at = { 50000400, 0xffffffff81234567ull + 100, 0 } };
	const struct ev hash = { .type = EV_HASH, .value = 0x0123456789abcdefull,
				 .at = { 60000000, 0xffffffff81234567ull + 200, 0 } };
	const struct ev dev = { .type = EV_DEVICE, .key = EV_DEVICE_KEY(EV_DEV_RTC, 0x0a),
				.value = 0x26, .at = { 50000400, 0xffffffff81234567ull + 100, 0 } };

	size_t s_intr = event_size_after(&prev, &intr);
	size_t s_tsc = event_size_after(&prev, &tsc);
	size_t s_rand = event_size_after(&prev, &rand);
	size_t s_rand32 = event_size_after(&prev, &rand32);
	size_t s_hash = event_size_after(&prev, &hash);
	size_t s_dev = event_size_after(&prev, &dev);
	print_message("encoded sizes: interrupt %zu, tsc %zu, rand64 %zu, rand32 %zu, hash %zu, "
		      "rtc read %zu bytes\n",
		      s_intr, s_tsc, s_rand, s_rand32, s_hash, s_dev);
	assert_true(s_intr <= 16);
	assert_true(s_tsc <= 8);
	assert_true(s_rand <= 1 + 3 + 2 + 8);
	assert_true(s_hash <= 1 + 4 + 2 + 1 + 8);
}

/* ---- damage ---- */

/* Every single-bit flip anywhere in a small batch is refused. */
static void test_every_bit_flip(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t size = encode_samples(buf, sizeof(buf), 3, 100);
	assert_int_equal(decode_copy(buf, size, &(struct log_batch_info){ 0 }, NULL, 0, NULL, 0),
			 LOG_OK);
	for (size_t bit = 0; bit < size * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		struct log_batch_info info;
		char why[200] = "";
		enum log_error err = decode_copy(buf, size, &info, NULL, 0, why, sizeof(why));
		if (err == LOG_OK)
			fail_msg("flipping bit %zu (byte %zu) went unnoticed", bit, bit / 8);
		assert_true(strlen(why) > 0);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

/* Every truncation is "wait for more", never a crash and never OK. */
static void test_truncation(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t size = encode_samples(buf, sizeof(buf), 0, 0);
	for (size_t len = 0; len < size; len++)
		expect_error(buf, len, LOG_ERR_SHORT, len < LOG_BATCH_HEADER_SIZE ? "header" : "have");
	expect_error(buf, size, LOG_OK, NULL);
}

static void test_bad_magic(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t size = encode_samples(buf, sizeof(buf), 0, 0);
	buf[3] = 'X';
	expect_error(buf, size, LOG_ERR_MAGIC, "FTVL");
	/* Garbage is refused without waiting for a whole header. */
	expect_error(buf, 4, LOG_ERR_MAGIC, "FTVL");
	expect_error((const uint8_t *)"xy", 2, LOG_ERR_MAGIC, "FTVL");
	expect_error((const uint8_t *)"FT", 2, LOG_ERR_SHORT, "header");
}

static void test_bad_version(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t size = encode_samples(buf, sizeof(buf), 5, 0);
	put_le(buf + 4, 1, 2);
	fix_crc(buf);
	expect_error(buf, size, LOG_ERR_VERSION, "version 1, this reader supports only version 2");
	put_le(buf + 4, 0, 2);
	fix_crc(buf);
	expect_error(buf, size, LOG_ERR_VERSION, "batch 5");
}

static void test_bad_header_fields(void **state)
{
	(void)state;
	uint8_t orig[512], buf[512];
	size_t size = encode_samples(orig, sizeof(orig), 0, 0);

	memcpy(buf, orig, size);
	put_le(buf + 36, 1, 4);
	fix_crc(buf);
	expect_error(buf, size, LOG_ERR_HEADER, "reserved");

	memcpy(buf, orig, size);
	put_le(buf + 6, 48, 2);
	fix_crc(buf);
	expect_error(buf, size, LOG_ERR_HEADER, "header size 48");

	/* A hostile length is refused from the header alone: no waiting for
	 * gigabytes. */
	memcpy(buf, orig, size);
	put_le(buf + 28, 0xffffffffu, 4);
	expect_error(buf, LOG_BATCH_HEADER_SIZE, LOG_ERR_HEADER, "exceeds");
	put_le(buf + 28, LOG_BATCH_MAX_PAYLOAD + 1, 4);
	expect_error(buf, LOG_BATCH_HEADER_SIZE, LOG_ERR_HEADER, "exceeds");
	put_le(buf + 28, LOG_BATCH_MAX_PAYLOAD, 4);
	expect_error(buf, LOG_BATCH_HEADER_SIZE, LOG_ERR_SHORT, "have");

	memcpy(buf, orig, size);
	put_le(buf + 24, 0xffffffffu, 4);
	fix_crc(buf);
	expect_error(buf, size, LOG_ERR_HEADER, "cannot fit");
}

/* The event count must match the payload exactly. */
static void test_wrong_event_count(void **state)
{
	(void)state;
	uint8_t orig[512], buf[512];
	size_t size = encode_samples(orig, sizeof(orig), 0, 0);

	memcpy(buf, orig, size);
	put_le(buf + 24, NSAMPLES + 1, 4);
	fix_crc(buf);
	expect_error(buf, size, LOG_ERR_EVENT, "event 7");

	memcpy(buf, orig, size);
	put_le(buf + 24, NSAMPLES - 1, 4);
	fix_crc(buf);
	expect_error(buf, size, LOG_ERR_EVENT, "left after");

	memcpy(buf, orig, size);
	put_le(buf + 24, 0, 4);
	fix_crc(buf);
	expect_error(buf, size, LOG_ERR_EVENT, "left after its 0 events");
}

static void test_trailing_garbage(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t size = encode_samples(buf, sizeof(buf), 0, 0);
	buf[size] = 0x00;
	put_le(buf + 28, get_le(buf + 28, 4) + 1, 4);
	fix_crc(buf);
	expect_error(buf, size + 1, LOG_ERR_EVENT, "1 bytes left");
}

static void test_crc_mismatch(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t size = encode_samples(buf, sizeof(buf), 9, 0);
	buf[size - 1] ^= 0x01;
	expect_error(buf, size, LOG_ERR_CRC, "batch 9: CRC32C mismatch (stored 0x");
}

/* Payloads the encoder would never write, each in a correctly checksummed
 * batch of one event. */
static void test_noncanonical_events(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		uint8_t payload[24];
		uint32_t len;
		const char *word;
	} cases[] = {
		{ "type 0", { 0x00, 0x01, 0x00 }, 3, "type 0" },
		{ "stray tag bit on INTR", { 0x0c, 0x01, 0x00, 0x00, 0x40 }, 5, "flag bits" },
		{ "TSC source 3", { 0x19, 0x01, 0x00, 0x00 }, 4, "source 3" },
		{ "stray RAND tag bit", { 0x42, 0x01, 0x00, 0x00 }, 4, "flag bits" },
		{ "overlong count", { 0x04, 0x81, 0x00, 0x00, 0x00, 0x40 }, 6, "overlong" },
		{ "overlong zero", { 0x04, 0x80, 0x00, 0x00, 0x00, 0x40 }, 6, "overlong" },
		{ "11-byte varint",
		  { 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x01, 0x00,
		    0x00, 0x40 },
		  15, "longer than 10" },
		{ "varint above 64 bits",
		  { 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00,
		    0x40 },
		  14, "above 64 bits" },
		{ "payload ends in varint", { 0x04, 0x80, 0x80 }, 3, "ends inside a varint" },
		{ "payload ends before vector", { 0x04, 0x01, 0x00, 0x00 }, 4, "ends inside" },
		{ "payload ends in hash", { 0x05, 0x01, 0x00, 1, 2, 3, 4, 5, 6, 7 }, 10,
		  "ends inside a value" },
		{ "small RAND value raw", { 0x22, 0x01, 0x00, 1, 0, 0, 0, 0, 0, 0, 0 }, 11,
		  "stored raw" },
		{ "large RAND value as varint",
		  { 0x02, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, 11,
		  "as a varint" },
		{ "device key above 32 bits", { 0x03, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00 },
		  9, "32 bits" },
		{ "stop key above 32 bits",
		  { 0x07, 0x01, 0x00, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00 }, 10, "32 bits" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[LOG_BATCH_HEADER_SIZE + 24];
		size_t size = make_batch(buf, 0, 0, 1, cases[i].payload, cases[i].len);
		struct log_batch_info info;
		char why[200] = "";
		enum log_error err = decode_copy(buf, size, &info, NULL, 0, why, sizeof(why));
		if (err != LOG_ERR_EVENT || !strstr(why, cases[i].word))
			fail_msg("%s: got %s \"%s\", want bad event \"%s\"", cases[i].what,
				 log_error_name(err), why, cases[i].word);
		if (!strstr(why, "batch 0 event 0: "))
			fail_msg("%s: \"%s\" does not name the event", cases[i].what, why);
	}
}

/* Two events whose count delta carries past 2^64. */
static void test_count_overflow(void **state)
{
	(void)state;
	static const uint8_t payload[] = {
		/* hash at count 2^64 - 1, rcx 0 */
		0x05, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00,
		0, 0, 0, 0, 0, 0, 0, 0,
		/* hash at count + 1 */
		0x05, 0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	uint8_t buf[LOG_BATCH_HEADER_SIZE + sizeof(payload)];
	size_t size = make_batch(buf, 0, 0, 2, payload, sizeof(payload));
	expect_error(buf, size, LOG_ERR_EVENT, "event 1: count overflows");
}

/* ---- the reader ---- */

static size_t encode_at(uint8_t *buf, uint64_t seq, uint64_t first, uint64_t count)
{
	struct log_encoder e;
	log_encoder_start(&e, buf, 256, seq, first);
	for (int i = 0; i < 3; i++) {
		struct ev ev = { .type = EV_INTR, .key = 0x40,
				 .at = { count + 10 * (uint64_t)i, 0x1000, 0 } };
		assert_int_equal(log_encoder_add(&e, &ev), LOG_ADD_OK);
	}
	return log_encoder_finish(&e);
}

static void expect_reader(struct log_reader *r, const uint8_t *batch, size_t len,
			  enum log_error want, const char *word)
{
	struct log_batch_info info;
	char why[200] = "";
	struct log_reader before = *r;
	enum log_error err = log_reader_next(r, batch, len, &info, NULL, 0, why, sizeof(why));
	if (err != want)
		fail_msg("got %s (\"%s\"), want %s", log_error_name(err), why, log_error_name(want));
	if (word && !strstr(why, word))
		fail_msg("message \"%s\" lacks \"%s\"", why, word);
	if (err != LOG_OK)
		assert_memory_equal(r, &before, sizeof(before));
}

static void test_reader_sequence(void **state)
{
	(void)state;
	uint8_t b0[256], b1[256], b2[256], bad_first[256], back[256];
	size_t s0 = encode_at(b0, 0, 0, 1000);
	size_t s1 = encode_at(b1, 1, 3, 2000);
	size_t s2 = encode_at(b2, 2, 6, 3000);
	size_t sbad = encode_at(bad_first, 1, 4, 2000);
	size_t sback = encode_at(back, 1, 3, 1015);
	struct log_reader r;

	/* In order. */
	log_reader_init(&r);
	expect_reader(&r, b0, s0, LOG_OK, NULL);
	expect_reader(&r, b1, s1, LOG_OK, NULL);
	expect_reader(&r, b2, s2, LOG_OK, NULL);
	assert_int_equal(r.next_seq, 3);
	assert_int_equal(r.next_event, 9);
	assert_int_equal(r.last_count, 3020);

	/* Reordered: 0, 2, then the reader still takes 1. */
	log_reader_init(&r);
	expect_reader(&r, b0, s0, LOG_OK, NULL);
	expect_reader(&r, b2, s2, LOG_ERR_SEQUENCE, "batch 2 arrived where batch 1 was expected");
	expect_reader(&r, b1, s1, LOG_OK, NULL);

	/* Repeated. */
	log_reader_init(&r);
	expect_reader(&r, b0, s0, LOG_OK, NULL);
	expect_reader(&r, b0, s0, LOG_ERR_SEQUENCE, "batch 0 arrived where batch 1");

	/* Skipped: the stream must start at batch 0. */
	log_reader_init(&r);
	expect_reader(&r, b1, s1, LOG_ERR_SEQUENCE, "batch 1 arrived where batch 0");

	/* Right sequence number, wrong first event. */
	log_reader_init(&r);
	expect_reader(&r, b0, s0, LOG_OK, NULL);
	expect_reader(&r, bad_first, sbad, LOG_ERR_SEQUENCE, "starts at event 4, expected event 3");

	/* Counts going backwards across a batch boundary. */
	log_reader_init(&r);
	expect_reader(&r, b0, s0, LOG_OK, NULL);
	expect_reader(&r, back, sback, LOG_ERR_EVENT, "count 1015 goes backwards from 1020");

	/* A damaged batch leaves the reader where it was. */
	log_reader_init(&r);
	expect_reader(&r, b0, s0, LOG_OK, NULL);
	b1[s1 - 1] ^= 0x80;
	expect_reader(&r, b1, s1, LOG_ERR_CRC, "batch 1");
	b1[s1 - 1] ^= 0x80;
	expect_reader(&r, b1, s1 - 1, LOG_ERR_SHORT, NULL);
	expect_reader(&r, b1, s1, LOG_OK, NULL);
}

/* ---- names ---- */

static void test_describe(void **state)
{
	(void)state;
	char buf[160];
	struct ev ev = { .type = EV_INTR, .key = 0x40, .at = { 200000, 0x100abc, 0 } };
	ev_describe(&ev, 1234, buf, sizeof(buf));
	assert_string_equal(buf, "#1234 INTR vector 0x40 at count 200000 rip 0x100abc rcx 0x0");

	ev = (struct ev){ .type = EV_TSC, .key = EV_TSC_RDTSCP, .value = 0x1234, .at = { 5, 0x10, 0 } };
	ev_describe(&ev, 0, buf, sizeof(buf));
	assert_string_equal(buf, "#0 TSC rdtscp value 0x1234 at count 5 rip 0x10");

	ev = (struct ev){ .type = EV_RAND, .key = 1, .flag = 1, .value = 0xab, .at = { 5, 0x10, 0 } };
	ev_describe(&ev, 1, buf, sizeof(buf));
	assert_string_equal(buf, "#1 RAND rdseed value 0xab CF 1 at count 5 rip 0x10");

	ev = (struct ev){ .type = EV_DEVICE, .key = EV_DEVICE_KEY(EV_DEV_RTC, 0x0a), .value = 0x26,
			  .at = { 5, 0x10, 0 } };
	ev_describe(&ev, 2, buf, sizeof(buf));
	assert_string_equal(buf, "#2 DEVICE rtc (2) reg 0xa value 0x26 at count 5 rip 0x10");

	ev = (struct ev){ .type = EV_MEMHASH, .value = 0xfeed, .at = { 5, 0x10, 0 } };
	ev_describe(&ev, 3, buf, sizeof(buf));
	assert_string_equal(buf, "#3 MEMHASH value 0xfeed at count 5 rip 0x10 rcx 0x0");

	ev = (struct ev){ .type = EV_STOP, .key = 1, .value = 2, .at = { 5, 0x10, 0 } };
	ev_describe(&ev, 4, buf, sizeof(buf));
	assert_string_equal(buf, "#4 STOP code 1 value 0x2 at count 5 rip 0x10 rcx 0x0");

	ev = (struct ev){ .type = 42, .key = 1, .value = 2 };
	ev_describe(&ev, 5, buf, sizeof(buf));
	assert_string_equal(buf, "#5 UNKNOWN type 42 key 0x1 flag 0 value 0x2 at count 0 rip 0x0");

	/* Truncates safely. */
	char small[8];
	int n = ev_describe(&ev, 5, small, sizeof(small));
	assert_true(n > (int)sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);

	assert_string_equal(ev_type_name(EV_HASH), "HASH");
	assert_string_equal(ev_type_name(EV_TYPE_COUNT), "UNKNOWN");
	assert_string_equal(log_error_name(LOG_ERR_CRC), "CRC mismatch");
	assert_string_equal(log_error_name((enum log_error)99), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_roundtrip_extremes),
		cmocka_unit_test(test_golden_bytes),
		cmocka_unit_test(test_empty_batch),
		cmocka_unit_test(test_out_max),
		cmocka_unit_test(test_encoder_full),
		cmocka_unit_test(test_encoder_tiny_buffer),
		cmocka_unit_test(test_encoder_refuses_invalid),
		cmocka_unit_test(test_size_targets),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_bad_header_fields),
		cmocka_unit_test(test_wrong_event_count),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_crc_mismatch),
		cmocka_unit_test(test_noncanonical_events),
		cmocka_unit_test(test_count_overflow),
		cmocka_unit_test(test_reader_sequence),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests_name("log_codec", tests, NULL, NULL);
}
