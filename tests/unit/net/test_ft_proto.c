/*
 * net/ft_proto.c: the logging channel's message header, the HELLO / ACK
 * payloads and the heartbeat datagram byte for byte; stream reassembly with
 * every delivery pattern TCP may produce (a byte at a time, random chunks,
 * many messages at once, a buffer that takes only part of a delivery);
 * the size limits; bad headers and the stickiness of the error; and the
 * buffer's bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/ft_proto.h"

#define FULL_CAP (FT_MSG_HEADER_SIZE + FT_MSG_MAX_PAYLOAD)

/* ---------------------------------------------------------------- */
/* helpers                                                           */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*, fixed seeds: every run sees the same chunkings */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* The payload byte i of message 'tag': distinct across messages and offsets. */
static uint8_t pattern(uint32_t tag, uint32_t i)
{
	return (uint8_t)(tag * 131u + i * 7u + (i >> 8) * 13u + (i >> 16));
}

/* Writes a raw 12-byte header with every field under the test's control. */
static void raw_header(uint8_t *out, uint32_t magic, uint8_t version, uint8_t type,
		       uint16_t reserved, uint32_t len)
{
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(magic >> (8 * i));
	out[4] = version;
	out[5] = type;
	out[6] = (uint8_t)reserved;
	out[7] = (uint8_t)(reserved >> 8);
	for (int i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(len >> (8 * i));
}

#define GOOD_MAGIC 0x48435446u /* "FTCH" */

struct expect {
	enum ft_msg_type type;
	uint32_t len;
};

/* Encodes the messages into one stream; returns its length. */
static size_t build_stream(uint8_t *out, size_t cap, const struct expect *e, size_t n)
{
	size_t pos = 0;
	for (size_t k = 0; k < n; k++) {
		assert_true(pos + FT_MSG_HEADER_SIZE + e[k].len <= cap);
		ft_msg_header(out + pos, e[k].type, e[k].len);
		pos += FT_MSG_HEADER_SIZE;
		for (uint32_t i = 0; i < e[k].len; i++)
			out[pos + i] = pattern((uint32_t)k, i);
		pos += e[k].len;
	}
	return pos;
}

/* Checks one message handed out against what was sent, at once (the
 * payload is only promised until the next ft_rx_* call). */
static void check_msg(const struct ft_rx *rx, const struct ft_msg *m, const struct expect *e,
		      size_t k)
{
	assert_int_equal(m->type, e[k].type);
	assert_int_equal(m->len, e[k].len);
	assert_non_null(m->payload);
	assert_true(m->payload >= rx->buf);
	assert_true(m->payload + m->len <= rx->buf + rx->cap);
	for (uint32_t i = 0; i < m->len; i++)
		if (m->payload[i] != pattern((uint32_t)k, i))
			fail_msg("message %zu: payload byte %u is %#x, sent %#x", k, i, m->payload[i],
				 pattern((uint32_t)k, i));
}

/* Takes out every complete message; returns how many. */
static size_t drain(struct ft_rx *rx, const struct expect *e, size_t n, size_t *next)
{
	struct ft_msg m;
	enum ft_rx_result r;
	size_t got = 0;
	while ((r = ft_rx_next(rx, &m)) == FT_RX_MSG) {
		assert_true(*next < n);
		check_msg(rx, &m, e, *next);
		(*next)++;
		got++;
	}
	assert_int_equal(r, FT_RX_NONE);
	return got;
}

enum chunking { ONE_BYTE, RANDOM_SMALL, RANDOM_LARGE, WHOLE };

/*
 * Delivers the stream as TCP might, feeding each delivery like the channel
 * does: what the buffer takes, then every complete message, until the
 * delivery is used up. Checks that feed takes exactly min(offered, room).
 */
static void deliver(struct ft_rx *rx, const uint8_t *stream, size_t total, enum chunking how,
		    const struct expect *e, size_t n)
{
	size_t pos = 0, next = 0;
	while (pos < total) {
		size_t want;
		switch (how) {
		case ONE_BYTE: want = 1; break;
		case RANDOM_SMALL: want = 1 + rng() % 40; break;
		case RANDOM_LARGE: want = 1 + rng() % 20000; break;
		default: want = total; break;
		}
		if (want > total - pos)
			want = total - pos;
		size_t off = 0;
		while (off < want) {
			size_t room = ft_rx_room(rx);
			size_t took = ft_rx_feed(rx, stream + pos + off, want - off);
			assert_int_equal(took, want - off < room ? want - off : room);
			off += took;
			size_t got = drain(rx, e, n, &next);
			/* A full buffer must always hold a complete message. */
			if (took == 0)
				assert_true(got > 0);
		}
		pos += want;
	}
	assert_int_equal(next, n);
	assert_int_equal(ft_rx_room(rx), rx->cap);
}

/* A mix of types and sizes around the interesting boundaries. */
static const struct expect mix[] = {
	{ FT_MSG_HELLO, FT_HELLO_SIZE }, { FT_MSG_WELCOME, FT_ACK_SIZE }, { FT_MSG_BATCH, 0 },
	{ FT_MSG_BATCH, 1 },           { FT_MSG_ACK, 0 },               { FT_MSG_BATCH, 11 },
	{ FT_MSG_BATCH, 12 },          { FT_MSG_BATCH, 13 },            { FT_MSG_REFUSE, 40 },
	{ FT_MSG_BATCH, 4096 },        { FT_MSG_ACK, FT_ACK_SIZE },     { FT_MSG_BATCH, 4095 },
	{ FT_MSG_BATCH, 1023 },        { FT_MSG_BATCH, 1024 },          { FT_MSG_BATCH, 1025 },
	{ FT_MSG_HELLO, 0 },           { FT_MSG_BATCH, 65535 },         { FT_MSG_BATCH, 65536 },
	{ FT_MSG_BATCH, 70001 },       { FT_MSG_WELCOME, 0 },           { FT_MSG_BATCH, 3 },
	{ FT_MSG_BATCH, 0 },           { FT_MSG_ACK, FT_ACK_SIZE },     { FT_MSG_BATCH, 12345 },
};
#define MIX_N (sizeof(mix) / sizeof(mix[0]))
#define MIX_MAX 70001u

static uint8_t *mix_stream(size_t *total)
{
	size_t cap = 0;
	for (size_t k = 0; k < MIX_N; k++)
		cap += FT_MSG_HEADER_SIZE + mix[k].len;
	uint8_t *s = malloc(cap);
	assert_non_null(s);
	*total = build_stream(s, cap, mix, MIX_N);
	assert_int_equal(*total, cap);
	return s;
}

/* Reassembles the mix with a buffer of 'cap' bytes, chunked 'how'. */
static void run_mix(size_t cap, enum chunking how, uint64_t seed)
{
	size_t total;
	uint8_t *s = mix_stream(&total);
	uint8_t *buf = malloc(cap); /* exactly cap: ASan sees any overrun */
	assert_non_null(buf);
	struct ft_rx rx;
	ft_rx_init(&rx, buf, cap);
	assert_int_equal(ft_rx_room(&rx), cap);
	rng_state = seed;
	deliver(&rx, s, total, how, mix, MIX_N);
	free(buf);
	free(s);
}

/* ---------------------------------------------------------------- */
/* encodings                                                         */

static void test_header_layout(void **state)
{
	(void)state;
	uint8_t h[FT_MSG_HEADER_SIZE + 4];
	memset(h, 0xee, sizeof(h));
	ft_msg_header(h, FT_MSG_BATCH, 0x01020304u);
	static const uint8_t want[FT_MSG_HEADER_SIZE] = { 'F', 'T', 'C', 'H', FT_PROTO_VERSION,
							  FT_MSG_BATCH, 0, 0, 0x04, 0x03, 0x02, 0x01 };
	assert_memory_equal(h, want, FT_MSG_HEADER_SIZE);
	for (size_t i = FT_MSG_HEADER_SIZE; i < sizeof(h); i++)
		assert_int_equal(h[i], 0xee); /* writes exactly 12 bytes */

	for (unsigned t = FT_MSG_HELLO; t <= FT_MSG_ACK; t++) {
		ft_msg_header(h, (enum ft_msg_type)t, 0);
		assert_int_equal(h[5], t);
		assert_int_equal(rd32(h + 8), 0);
		assert_int_equal(h[6] | h[7], 0);
	}
	ft_msg_header(h, FT_MSG_ACK, 0xffffffffu);
	assert_int_equal(rd32(h + 8), 0xffffffffu);
	assert_int_equal(FT_PROTO_VERSION, 2);
	assert_int_equal(FT_MSG_HEADER_SIZE, 12);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(ft_msg_type_name(FT_MSG_HELLO), "HELLO");
	assert_string_equal(ft_msg_type_name(FT_MSG_WELCOME), "WELCOME");
	assert_string_equal(ft_msg_type_name(FT_MSG_REFUSE), "REFUSE");
	assert_string_equal(ft_msg_type_name(FT_MSG_BATCH), "BATCH");
	assert_string_equal(ft_msg_type_name(FT_MSG_ACK), "ACK");
	assert_string_equal(ft_msg_type_name(0), "unknown");
	assert_string_equal(ft_msg_type_name(6), "unknown");
	assert_string_equal(ft_msg_type_name(0xffffffffu), "unknown");
}

static void test_hello_round_trip(void **state)
{
	(void)state;
	struct ft_hello h = { 0x11223344u, 0x55667788u, 0x0102030405060708ull,
			      0xf0e0d0c0b0a09080ull, 0x1a2b3c4d5e6f7081ull, 0x9988776655443322ull };
	uint8_t buf[FT_HELLO_SIZE + 1];
	buf[FT_HELLO_SIZE] = 0x5a;
	ft_hello_encode(&h, buf);
	assert_int_equal(buf[FT_HELLO_SIZE], 0x5a);
	assert_int_equal(rd32(buf), 0x11223344u);
	assert_int_equal(rd32(buf + 4), 0x55667788u);
	assert_int_equal(rd64(buf + 8), 0x0102030405060708ull);
	assert_int_equal(rd64(buf + 16), 0xf0e0d0c0b0a09080ull);
	assert_int_equal(rd64(buf + 24), 0x1a2b3c4d5e6f7081ull);
	assert_int_equal(rd64(buf + 32), 0x9988776655443322ull);
	assert_int_equal(buf[0], 0x44);
	assert_int_equal(buf[8], 0x08);

	struct ft_hello d;
	memset(&d, 0, sizeof(d));
	assert_int_equal(ft_hello_decode(buf, FT_HELLO_SIZE, &d), 0);
	assert_int_equal(d.proto_version, h.proto_version);
	assert_int_equal(d.counter, h.counter);
	assert_int_equal(d.guest_hash, h.guest_hash);
	assert_int_equal(d.ram_size, h.ram_size);
	assert_int_equal(d.run_id, h.run_id);
	assert_int_equal(d.cpu_model, h.cpu_model);

	assert_int_equal(ft_hello_decode(buf, 0, &d), -1);
	assert_int_equal(ft_hello_decode(buf, FT_HELLO_SIZE - 1, &d), -1);
	assert_int_equal(ft_hello_decode(buf, FT_HELLO_SIZE + 1, &d), -1);
	assert_int_equal(ft_hello_decode(buf, FT_ACK_SIZE, &d), -1);
	assert_int_equal(FT_HELLO_SIZE, 40);
}

static void test_ack_round_trip(void **state)
{
	(void)state;
	struct ft_ack a = { 0x8877665544332211ull, 0x0000000100000002ull };
	uint8_t buf[FT_ACK_SIZE + 1];
	buf[FT_ACK_SIZE] = 0xa5;
	ft_ack_encode(&a, buf);
	assert_int_equal(buf[FT_ACK_SIZE], 0xa5);
	assert_int_equal(rd64(buf), a.run_id);
	assert_int_equal(rd64(buf + 8), a.next_seq);
	assert_int_equal(buf[0], 0x11);

	struct ft_ack d;
	memset(&d, 0, sizeof(d));
	assert_int_equal(ft_ack_decode(buf, FT_ACK_SIZE, &d), 0);
	assert_int_equal(d.run_id, a.run_id);
	assert_int_equal(d.next_seq, a.next_seq);

	assert_int_equal(ft_ack_decode(buf, 0, &d), -1);
	assert_int_equal(ft_ack_decode(buf, FT_ACK_SIZE - 1, &d), -1);
	assert_int_equal(ft_ack_decode(buf, FT_ACK_SIZE + 1, &d), -1);
	assert_int_equal(ft_ack_decode(buf, FT_HELLO_SIZE, &d), -1);
	assert_int_equal(FT_ACK_SIZE, 16);
}

static void test_heartbeat_round_trip(void **state)
{
	(void)state;
	struct ft_heartbeat hb = { 1, 0xdeadbeefu, 0x01020304u, 0x1122334455667788ull,
				   0x99aabbccddeeff00ull, 0x0f1e2d3c4b5a6978ull };
	uint8_t buf[FT_HEARTBEAT_SIZE + 1];
	buf[FT_HEARTBEAT_SIZE] = 0x3c;
	ft_heartbeat_encode(&hb, buf);
	assert_int_equal(buf[FT_HEARTBEAT_SIZE], 0x3c);
	assert_memory_equal(buf, "FTHB", 4);
	assert_int_equal(buf[4], FT_PROTO_VERSION);
	assert_int_equal(buf[5], 1);
	assert_int_equal(buf[6] | buf[7], 0);
	assert_int_equal(rd32(buf + 8), hb.seq);
	assert_int_equal(rd32(buf + 12), hb.uptime_ms);
	assert_int_equal(rd64(buf + 16), hb.events);
	assert_int_equal(rd64(buf + 24), hb.count);
	assert_int_equal(rd64(buf + 32), hb.run_id);

	struct ft_heartbeat d;
	memset(&d, 0, sizeof(d));
	assert_int_equal(ft_heartbeat_decode(buf, FT_HEARTBEAT_SIZE, &d), 0);
	assert_int_equal(d.role, hb.role);
	assert_int_equal(d.seq, hb.seq);
	assert_int_equal(d.uptime_ms, hb.uptime_ms);
	assert_int_equal(d.events, hb.events);
	assert_int_equal(d.count, hb.count);
	assert_int_equal(d.run_id, hb.run_id);

	/* every role of enum ft_role (none, primary, backup) */
	for (uint8_t role = 0; role <= 2; role++) {
		hb.role = role;
		ft_heartbeat_encode(&hb, buf);
		assert_int_equal(ft_heartbeat_decode(buf, FT_HEARTBEAT_SIZE, &d), 0);
		assert_int_equal(d.role, role);
	}
	assert_int_equal(FT_HEARTBEAT_SIZE, 40);
}

static void test_heartbeat_refused(void **state)
{
	(void)state;
	struct ft_heartbeat hb = { 2, 7, 8, 9, 10, 11 }, d;
	uint8_t good[FT_HEARTBEAT_SIZE + 1], bad[FT_HEARTBEAT_SIZE + 1];
	memset(good, 0, sizeof(good));
	ft_heartbeat_encode(&hb, good);
	assert_int_equal(ft_heartbeat_decode(good, FT_HEARTBEAT_SIZE, &d), 0);

	/* lengths */
	assert_int_equal(ft_heartbeat_decode(good, 0, &d), -1);
	assert_int_equal(ft_heartbeat_decode(good, FT_HEARTBEAT_SIZE - 1, &d), -1);
	assert_int_equal(ft_heartbeat_decode(good, FT_HEARTBEAT_SIZE + 1, &d), -1);
	/* a logging-channel header is not a heartbeat */
	uint8_t hdr[FT_HEARTBEAT_SIZE];
	memcpy(hdr, good, sizeof(hdr));
	ft_msg_header(hdr, FT_MSG_ACK, 0);
	assert_int_equal(ft_heartbeat_decode(hdr, FT_HEARTBEAT_SIZE, &d), -1);

	/* magic: any bit of any of its bytes */
	for (int i = 0; i < 4; i++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(bad, good, sizeof(bad));
			bad[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(ft_heartbeat_decode(bad, FT_HEARTBEAT_SIZE, &d), -1);
		}
	/* version */
	static const uint8_t versions[] = { 0, FT_PROTO_VERSION - 1, FT_PROTO_VERSION + 1, 0x81, 0xff };
	for (size_t i = 0; i < sizeof(versions); i++) {
		memcpy(bad, good, sizeof(bad));
		bad[4] = versions[i];
		assert_int_equal(ft_heartbeat_decode(bad, FT_HEARTBEAT_SIZE, &d), -1);
	}
	/* role beyond enum ft_role */
	static const uint8_t roles[] = { 3, 4, 0x80, 0xff };
	for (size_t i = 0; i < sizeof(roles); i++) {
		memcpy(bad, good, sizeof(bad));
		bad[5] = roles[i];
		assert_int_equal(ft_heartbeat_decode(bad, FT_HEARTBEAT_SIZE, &d), -1);
	}
	/* reserved: any bit of either byte */
	for (int i = 6; i < 8; i++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(bad, good, sizeof(bad));
			bad[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(ft_heartbeat_decode(bad, FT_HEARTBEAT_SIZE, &d), -1);
		}
	/* the free fields take any value */
	memcpy(bad, good, sizeof(bad));
	memset(bad + 8, 0xff, FT_HEARTBEAT_SIZE - 8);
	assert_int_equal(ft_heartbeat_decode(bad, FT_HEARTBEAT_SIZE, &d), 0);
	assert_int_equal(d.seq, 0xffffffffu);
	assert_int_equal(d.uptime_ms, 0xffffffffu);
	assert_int_equal(d.events, UINT64_MAX);
	assert_int_equal(d.count, UINT64_MAX);
}

/* ---------------------------------------------------------------- */
/* reassembly                                                        */

static void test_one_byte_at_a_time(void **state)
{
	(void)state;
	run_mix(FULL_CAP, ONE_BYTE, 1);
	/* the tightest buffer that holds the largest message */
	run_mix(FT_MSG_HEADER_SIZE + MIX_MAX, ONE_BYTE, 1);
}

static void test_random_chunks(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		run_mix(FULL_CAP, RANDOM_SMALL, seed * 0x9e3779b97f4a7c15ull);
		run_mix(FULL_CAP, RANDOM_LARGE, seed * 0x9e3779b97f4a7c15ull);
	}
}

/* A buffer too small for a whole delivery: feed takes part, the rest waits. */
static void test_random_chunks_tight_buffer(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		run_mix(FT_MSG_HEADER_SIZE + MIX_MAX, RANDOM_LARGE, seed * 0xbf58476d1ce4e5b9ull);
		run_mix(FT_MSG_HEADER_SIZE + MIX_MAX + 1, RANDOM_LARGE, seed * 0x94d049bb133111ebull);
		run_mix(FT_MSG_HEADER_SIZE + MIX_MAX + 17, RANDOM_SMALL, seed);
	}
	run_mix(FT_MSG_HEADER_SIZE + MIX_MAX, WHOLE, 0);
}

static void test_whole_stream_in_one_chunk(void **state)
{
	(void)state;
	run_mix(FULL_CAP, WHOLE, 0);
}

/* Many small messages in a single delivery, all taken out in order. */
static void test_many_in_one_chunk(void **state)
{
	(void)state;
	struct expect e[50];
	for (size_t k = 0; k < 50; k++) {
		e[k].type = (enum ft_msg_type)(FT_MSG_HELLO + k % 5);
		e[k].len = (uint32_t)(k % 7);
	}
	uint8_t stream[50 * (FT_MSG_HEADER_SIZE + 6)];
	size_t total = build_stream(stream, sizeof(stream), e, 50);
	uint8_t *buf = malloc(total);
	assert_non_null(buf);
	struct ft_rx rx;
	ft_rx_init(&rx, buf, total);
	assert_int_equal(ft_rx_feed(&rx, stream, total), total);
	assert_int_equal(ft_rx_room(&rx), 0);
	size_t next = 0;
	assert_int_equal(drain(&rx, e, 50, &next), 50);
	assert_int_equal(ft_rx_room(&rx), total);

	/* the same with the last message cut short: it waits for its tail */
	ft_rx_reset(&rx);
	assert_int_equal(ft_rx_feed(&rx, stream, total - 1), total - 1);
	next = 0;
	assert_int_equal(drain(&rx, e, 50, &next), 49);
	assert_int_equal(ft_rx_feed(&rx, stream + total - 1, 1), 1);
	assert_int_equal(drain(&rx, e, 50, &next), 1);
	assert_int_equal(next, 50);
	free(buf);
}

static void test_zero_length_payloads(void **state)
{
	(void)state;
	uint8_t buf[64], stream[3 * FT_MSG_HEADER_SIZE];
	struct ft_rx rx;
	struct ft_msg m;
	ft_rx_init(&rx, buf, sizeof(buf));

	/* a bare header is a whole message */
	ft_msg_header(stream, FT_MSG_ACK, 0);
	assert_int_equal(ft_rx_feed(&rx, stream, FT_MSG_HEADER_SIZE - 1), FT_MSG_HEADER_SIZE - 1);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);
	assert_int_equal(ft_rx_feed(&rx, stream + FT_MSG_HEADER_SIZE - 1, 1), 1);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
	assert_int_equal(m.type, FT_MSG_ACK);
	assert_int_equal(m.len, 0);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);
	assert_int_equal(ft_rx_room(&rx), sizeof(buf));

	/* three in a row in one delivery */
	ft_msg_header(stream, FT_MSG_HELLO, 0);
	ft_msg_header(stream + 12, FT_MSG_REFUSE, 0);
	ft_msg_header(stream + 24, FT_MSG_BATCH, 0);
	assert_int_equal(ft_rx_feed(&rx, stream, sizeof(stream)), sizeof(stream));
	static const enum ft_msg_type types[] = { FT_MSG_HELLO, FT_MSG_REFUSE, FT_MSG_BATCH };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
		assert_int_equal(m.type, types[i]);
		assert_int_equal(m.len, 0);
	}
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);

	/* a buffer of exactly one header carries zero-length messages forever */
	uint8_t tiny[FT_MSG_HEADER_SIZE];
	ft_rx_init(&rx, tiny, sizeof(tiny));
	for (int i = 0; i < 5; i++) {
		ft_msg_header(stream, FT_MSG_WELCOME, 0);
		assert_int_equal(ft_rx_feed(&rx, stream, sizeof(stream)), FT_MSG_HEADER_SIZE);
		assert_int_equal(ft_rx_room(&rx), 0);
		assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
		assert_int_equal(m.type, FT_MSG_WELCOME);
		assert_int_equal(m.len, 0);
		assert_int_equal(ft_rx_room(&rx), FT_MSG_HEADER_SIZE);
	}
	/* one payload byte more than fits is refused at once, not waited for */
	ft_msg_header(stream, FT_MSG_WELCOME, 1);
	assert_int_equal(ft_rx_feed(&rx, stream, FT_MSG_HEADER_SIZE), FT_MSG_HEADER_SIZE);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_ERROR);
}

static void test_max_payload(void **state)
{
	(void)state;
	uint8_t *buf = malloc(FULL_CAP);
	uint8_t *payload = malloc(FT_MSG_MAX_PAYLOAD + 1);
	assert_non_null(buf);
	assert_non_null(payload);
	for (uint32_t i = 0; i <= FT_MSG_MAX_PAYLOAD; i++)
		payload[i] = pattern(77, i);
	struct ft_rx rx;
	struct ft_msg m;
	uint8_t hdr[FT_MSG_HEADER_SIZE];
	ft_rx_init(&rx, buf, FULL_CAP);

	/* exactly the largest payload: fills the buffer to the last byte */
	ft_msg_header(hdr, FT_MSG_BATCH, FT_MSG_MAX_PAYLOAD);
	assert_int_equal(ft_rx_feed(&rx, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);
	uint32_t off = 0;
	while (off < FT_MSG_MAX_PAYLOAD - 1) {
		uint32_t n = FT_MSG_MAX_PAYLOAD - 1 - off < 65536 ? FT_MSG_MAX_PAYLOAD - 1 - off : 65536;
		assert_int_equal(ft_rx_feed(&rx, payload + off, n), n);
		off += n;
		assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);
	}
	assert_int_equal(ft_rx_room(&rx), 1);
	/* offered more than the last byte: takes the one byte */
	assert_int_equal(ft_rx_feed(&rx, payload + off, 2), 1);
	assert_int_equal(ft_rx_room(&rx), 0);
	assert_int_equal(ft_rx_feed(&rx, payload, 100), 0);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
	assert_int_equal(m.type, FT_MSG_BATCH);
	assert_int_equal(m.len, FT_MSG_MAX_PAYLOAD);
	assert_ptr_equal(m.payload, buf + FT_MSG_HEADER_SIZE);
	assert_memory_equal(m.payload, payload, FT_MSG_MAX_PAYLOAD);
	assert_int_equal(ft_rx_room(&rx), FULL_CAP);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);

	/* one byte more: refused as soon as the header is in, naming the type */
	ft_msg_header(hdr, FT_MSG_BATCH, FT_MSG_MAX_PAYLOAD + 1);
	assert_int_equal(ft_rx_feed(&rx, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_ERROR);
	assert_non_null(strstr(rx.error, "too large"));
	assert_non_null(strstr(rx.error, "BATCH"));

	/* the largest length field there is */
	ft_rx_reset(&rx);
	ft_msg_header(hdr, FT_MSG_ACK, 0xffffffffu);
	assert_int_equal(ft_rx_feed(&rx, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_ERROR);
	assert_non_null(strstr(rx.error, "too large"));

	/* a buffer bigger than the protocol allows still refuses MAX + 1 */
	free(buf);
	buf = malloc(FULL_CAP + 64);
	assert_non_null(buf);
	ft_rx_init(&rx, buf, FULL_CAP + 64);
	ft_msg_header(hdr, FT_MSG_BATCH, FT_MSG_MAX_PAYLOAD + 1);
	assert_int_equal(ft_rx_feed(&rx, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_ERROR);
	assert_non_null(strstr(rx.error, "too large"));
	free(buf);
	free(payload);
}

/* A buffer smaller than the protocol's maximum: messages that cannot fit are
 * an error at once (waiting for them would stall the stream for ever). */
static void test_small_capacity_limit(void **state)
{
	(void)state;
	enum { CAP = FT_MSG_HEADER_SIZE + 100 };
	uint8_t *buf = malloc(CAP);
	uint8_t stream[FT_MSG_HEADER_SIZE + 101];
	assert_non_null(buf);
	struct ft_rx rx;
	struct ft_msg m;
	ft_rx_init(&rx, buf, CAP);

	ft_msg_header(stream, FT_MSG_REFUSE, 100);
	memset(stream + FT_MSG_HEADER_SIZE, 'x', 100);
	assert_int_equal(ft_rx_feed(&rx, stream, FT_MSG_HEADER_SIZE + 100), CAP);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
	assert_int_equal(m.len, 100);
	assert_int_equal(m.payload[99], 'x');

	ft_msg_header(stream, FT_MSG_REFUSE, 101);
	assert_int_equal(ft_rx_feed(&rx, stream, FT_MSG_HEADER_SIZE), FT_MSG_HEADER_SIZE);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_ERROR);
	assert_non_null(strstr(rx.error, "too large"));
	free(buf);
}

/* ---------------------------------------------------------------- */
/* bad headers                                                       */

struct bad_case {
	uint32_t magic;
	uint8_t version, type;
	uint16_t reserved;
	const char *word; /* the error must say this */
};

static const struct bad_case bad_cases[] = {
	{ 0x48435447u, FT_PROTO_VERSION, FT_MSG_BATCH, 0, "magic" },
	{ 0x48435546u, FT_PROTO_VERSION, FT_MSG_BATCH, 0, "magic" },
	{ 0x48445446u, FT_PROTO_VERSION, FT_MSG_BATCH, 0, "magic" },
	{ 0xc8435446u, FT_PROTO_VERSION, FT_MSG_BATCH, 0, "magic" },
	{ 0x42485446u, FT_PROTO_VERSION, FT_MSG_BATCH, 0, "magic" }, /* a heartbeat's */
	{ 0, 0, 0, 0, "magic" },
	{ GOOD_MAGIC, 0, FT_MSG_BATCH, 0, "version" },
	{ GOOD_MAGIC, 1, FT_MSG_BATCH, 0, "version 1" },  /* the protocol before run ids */
	{ GOOD_MAGIC, 3, FT_MSG_BATCH, 0, "version 3" },
	{ GOOD_MAGIC, 0xff, FT_MSG_ACK, 0, "version 255" },
	{ GOOD_MAGIC, FT_PROTO_VERSION, 0, 0, "type 0" },
	{ GOOD_MAGIC, FT_PROTO_VERSION, 6, 0, "type 6" },
	{ GOOD_MAGIC, FT_PROTO_VERSION, 0x80, 0, "type 128" },
	{ GOOD_MAGIC, FT_PROTO_VERSION, 0xff, 0, "type 255" },
	{ GOOD_MAGIC, FT_PROTO_VERSION, FT_MSG_BATCH, 1, "reserved" },
	{ GOOD_MAGIC, FT_PROTO_VERSION, FT_MSG_BATCH, 0x0100, "reserved" },
	{ GOOD_MAGIC, FT_PROTO_VERSION, FT_MSG_HELLO, 0x8000, "reserved" },
	{ GOOD_MAGIC, FT_PROTO_VERSION, FT_MSG_ACK, 0xffff, "reserved" },
};

static void test_bad_headers(void **state)
{
	(void)state;
	uint8_t buf[256], stream[64];
	struct ft_rx rx;
	struct ft_msg m;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		ft_rx_init(&rx, buf, sizeof(buf));
		/* a good message in front still comes out */
		ft_msg_header(stream, FT_MSG_ACK, 3);
		memcpy(stream + FT_MSG_HEADER_SIZE, "abc", 3);
		raw_header(stream + 15, c->magic, c->version, c->type, c->reserved, 0);
		assert_int_equal(ft_rx_feed(&rx, stream, 15 + FT_MSG_HEADER_SIZE),
				 15 + FT_MSG_HEADER_SIZE);
		assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
		assert_int_equal(m.type, FT_MSG_ACK);
		assert_int_equal(m.len, 3);
		assert_memory_equal(m.payload, "abc", 3);
		assert_int_equal(ft_rx_next(&rx, &m), FT_RX_ERROR);
		if (!strstr(rx.error, c->word))
			fail_msg("case %zu: error \"%s\" does not say \"%s\"", i, rx.error, c->word);
		assert_true(strlen(rx.error) < sizeof(rx.error));
	}
}

/* The error ends the stream until a reset; the reset gives a clean start. */
static void test_error_is_sticky(void **state)
{
	(void)state;
	uint8_t buf[128], bad[FT_MSG_HEADER_SIZE], good[FT_MSG_HEADER_SIZE + 4];
	struct ft_rx rx;
	struct ft_msg m;
	ft_rx_init(&rx, buf, sizeof(buf));
	raw_header(bad, GOOD_MAGIC, 1, 9, 0, 0);
	ft_msg_header(good, FT_MSG_BATCH, 4);
	memcpy(good + FT_MSG_HEADER_SIZE, "wxyz", 4);

	assert_int_equal(ft_rx_feed(&rx, bad, sizeof(bad)), sizeof(bad));
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_ERROR);
	char first[sizeof(rx.error)];
	strcpy(first, rx.error);
	assert_true(first[0] != 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ft_rx_feed(&rx, good, sizeof(good)), 0);
		assert_int_equal(ft_rx_next(&rx, &m), FT_RX_ERROR);
		assert_string_equal(rx.error, first);
	}

	ft_rx_reset(&rx);
	assert_int_equal(rx.error[0], 0);
	assert_int_equal(ft_rx_room(&rx), sizeof(buf));
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);
	assert_int_equal(ft_rx_feed(&rx, good, sizeof(good)), sizeof(good));
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
	assert_int_equal(m.type, FT_MSG_BATCH);
	assert_int_equal(m.len, 4);
	assert_memory_equal(m.payload, "wxyz", 4);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);

	/* too large is sticky too */
	uint8_t big[FT_MSG_HEADER_SIZE];
	ft_msg_header(big, FT_MSG_BATCH, sizeof(buf));
	assert_int_equal(ft_rx_feed(&rx, big, sizeof(big)), sizeof(big));
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_ERROR);
	assert_int_equal(ft_rx_feed(&rx, good, sizeof(good)), 0);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_ERROR);
	ft_rx_reset(&rx);
	assert_int_equal(ft_rx_feed(&rx, good, sizeof(good)), sizeof(good));
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
}

/* A bad header is only judged once all 12 bytes are in. */
static void test_partial_header_waits(void **state)
{
	(void)state;
	uint8_t buf[64], hdr[FT_MSG_HEADER_SIZE];
	struct ft_rx rx;
	struct ft_msg m;
	ft_rx_init(&rx, buf, sizeof(buf));
	ft_msg_header(hdr, FT_MSG_HELLO, 5);
	for (int i = 0; i < FT_MSG_HEADER_SIZE; i++) {
		assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);
		assert_int_equal(ft_rx_room(&rx), sizeof(buf) - (size_t)i);
		assert_int_equal(ft_rx_feed(&rx, hdr + i, 1), 1);
	}
	/* header in, payload not: still waiting, no error */
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);
	assert_int_equal(rx.error[0], 0);

	/* a reset drops a half-received message */
	ft_rx_reset(&rx);
	assert_int_equal(ft_rx_room(&rx), sizeof(buf));
	ft_msg_header(hdr, FT_MSG_ACK, 0);
	assert_int_equal(ft_rx_feed(&rx, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
	assert_int_equal(m.type, FT_MSG_ACK);
	assert_int_equal(m.len, 0);
}

/* ---------------------------------------------------------------- */
/* bounds and the payload's lifetime                                 */

static void test_room_and_feed_bounds(void **state)
{
	(void)state;
	enum { CAP = FT_MSG_HEADER_SIZE + 32, GUARD = 64 };
	uint8_t mem[CAP + GUARD], junk[200], msg[FT_MSG_HEADER_SIZE + 20];
	memset(mem, 0xa5, sizeof(mem));
	memset(junk, 0x3c, sizeof(junk));
	struct ft_rx rx;
	struct ft_msg m;
	ft_rx_init(&rx, mem, CAP);
	assert_int_equal(ft_rx_room(&rx), CAP);

	/* a valid message then garbage: more offered than there is room */
	ft_msg_header(msg, FT_MSG_BATCH, 20);
	memset(msg + FT_MSG_HEADER_SIZE, 0x11, 20);
	assert_int_equal(ft_rx_feed(&rx, msg, sizeof(msg)), sizeof(msg));
	assert_int_equal(ft_rx_room(&rx), CAP - sizeof(msg));
	assert_int_equal(ft_rx_feed(&rx, junk, sizeof(junk)), CAP - sizeof(msg));
	assert_int_equal(ft_rx_room(&rx), 0);
	assert_int_equal(ft_rx_feed(&rx, junk, sizeof(junk)), 0);
	assert_int_equal(ft_rx_feed(&rx, junk, 1), 0);
	assert_int_equal(ft_rx_room(&rx), 0);
	for (int i = 0; i < GUARD; i++)
		assert_int_equal(mem[CAP + i], 0xa5);

	/* the message out frees its bytes at once for room's count */
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
	assert_int_equal(m.len, 20);
	assert_int_equal(m.payload[0], 0x11);
	assert_int_equal(m.payload[19], 0x11);
	assert_int_equal(ft_rx_room(&rx), sizeof(msg));
	assert_int_equal(ft_rx_feed(&rx, junk, sizeof(junk)), sizeof(msg));
	assert_int_equal(ft_rx_room(&rx), 0);
	for (int i = 0; i < GUARD; i++)
		assert_int_equal(mem[CAP + i], 0xa5);
	/* all of it is junk now */
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_ERROR);
	assert_int_equal(ft_rx_feed(&rx, junk, sizeof(junk)), 0);

	/* feeding nothing takes nothing */
	ft_rx_reset(&rx);
	assert_int_equal(ft_rx_feed(&rx, junk, 0), 0);
	assert_int_equal(ft_rx_room(&rx), CAP);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);
}

/* The documented contract: a message's payload is there, whole and inside the
 * buffer, when ft_rx_next returns it, even with more bytes queued behind it
 * and the buffer full. The next message must come out intact as well. */
static void test_payload_lifetime(void **state)
{
	(void)state;
	enum { CAP = 2 * (FT_MSG_HEADER_SIZE + 8) + 5 };
	uint8_t *buf = malloc(CAP);
	assert_non_null(buf);
	uint8_t stream[3 * (FT_MSG_HEADER_SIZE + 8)];
	struct expect e[3] = { { FT_MSG_BATCH, 8 }, { FT_MSG_ACK, 8 }, { FT_MSG_REFUSE, 8 } };
	size_t total = build_stream(stream, sizeof(stream), e, 3);
	struct ft_rx rx;
	struct ft_msg m;
	ft_rx_init(&rx, buf, CAP);
	size_t fed = ft_rx_feed(&rx, stream, total);
	assert_int_equal(fed, CAP);

	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
	check_msg(&rx, &m, e, 0);
	/* room is a query: counting the released bytes must not move them */
	assert_int_equal(ft_rx_room(&rx), FT_MSG_HEADER_SIZE + 8);
	/* the feed after a message may reuse its bytes: take no payload across it */
	fed += ft_rx_feed(&rx, stream + fed, total - fed);
	assert_int_equal(fed, total);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
	check_msg(&rx, &m, e, 1);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_MSG);
	check_msg(&rx, &m, e, 2);
	assert_int_equal(ft_rx_next(&rx, &m), FT_RX_NONE);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_layout),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_hello_round_trip),
		cmocka_unit_test(test_ack_round_trip),
		cmocka_unit_test(test_heartbeat_round_trip),
		cmocka_unit_test(test_heartbeat_refused),
		cmocka_unit_test(test_one_byte_at_a_time),
		cmocka_unit_test(test_random_chunks),
		cmocka_unit_test(test_random_chunks_tight_buffer),
		cmocka_unit_test(test_whole_stream_in_one_chunk),
		cmocka_unit_test(test_many_in_one_chunk),
		cmocka_unit_test(test_zero_length_payloads),
		cmocka_unit_test(test_max_payload),
		cmocka_unit_test(test_small_capacity_limit),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_error_is_sticky),
		cmocka_unit_test(test_partial_header_waits),
		cmocka_unit_test(test_room_and_feed_bounds),
		cmocka_unit_test(test_payload_lifetime),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
