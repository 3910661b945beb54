/*
 * libFuzzer target for the logging channel's stream reassembly
 * (net/ft_proto.c, struct ft_rx).
 *
 * The first bytes of the input choose the buffer's capacity (the real 1 MiB
 * one, or a small one, down to less than a header) and how the rest is cut
 * into deliveries (a byte at a time, small or large random pieces, all at
 * once); one bit asks for every header along the stream to be made valid, so
 * that whole messages and the paths behind a good header get exercised, not
 * only the error path. The rest of the input is the stream.
 *
 * Each delivery is fed the way the channel does it: what the buffer takes,
 * then the complete messages (all of them, or, by another bit, only one, so
 * that the next feed meets a message handed out but not yet dropped), until
 * the delivery is used up. The messages
 * are checked against a plain reference parser of the same bytes (type,
 * length, payload, where the error falls), and against the invariants: a
 * payload lies inside the buffer and within the protocol's limit, no more
 * bytes are handed out than were fed, feed takes exactly what room says, an
 * error is sticky until a reset, and a full buffer never stalls the stream.
 * On the side, every payload goes through the HELLO and ACK decoders and the
 * stream's first bytes through the heartbeat decoder (the one parser that
 * faces datagrams from anyone). Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ft_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FULL_CAP (FT_MSG_HEADER_SIZE + FT_MSG_MAX_PAYLOAD)
#define PREFIX 6 /* input bytes that steer the run, not part of the stream */

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ft_rx: %s\n", what);
		abort();
	}
}

static uint32_t rd(const uint8_t *p, unsigned bytes)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

/* What the reference parser expects at one stream offset. */
enum ref_kind { REF_MSG, REF_ERROR, REF_INCOMPLETE };

/* A header judged on its own, like the protocol says (magic, version, type,
 * reserved, size against the protocol and the buffer). */
static enum ref_kind ref_header(const uint8_t *h, size_t avail, size_t cap, uint32_t *len)
{
	if (avail < FT_MSG_HEADER_SIZE)
		return REF_INCOMPLETE;
	*len = rd(h + 8, 4);
	if (rd(h, 4) != 0x48435446u || h[4] != FT_PROTO_VERSION || h[5] < FT_MSG_HELLO ||
	    h[5] > FT_MSG_ACK || rd(h + 6, 2) != 0 || *len > FT_MSG_MAX_PAYLOAD ||
	    (size_t)*len + FT_MSG_HEADER_SIZE > cap)
		return REF_ERROR;
	if (avail - FT_MSG_HEADER_SIZE < *len)
		return REF_INCOMPLETE;
	return REF_MSG;
}

/*
 * Rewrites each header along the stream into a valid one. Its old bytes
 * still steer it: byte 6 picks the length (most often one that fits what
 * follows, now and then one byte short of the end; or exactly the buffer's
 * or the protocol's limit, or one more), byte 7 may spoil one field again
 * (type, version, reserved or magic) so that each check meets the value
 * right next to a good one.
 */
static void make_headers_valid(uint8_t *s, size_t n, size_t cap)
{
	size_t pos = 0;
	while (n - pos >= FT_MSG_HEADER_SIZE) {
		uint8_t *h = s + pos;
		size_t rest = n - pos - FT_MSG_HEADER_SIZE;
		uint32_t len = rd(h + 8, 4);
		uint8_t type = h[5], pick = h[6], spoil = h[7];
		size_t fits = cap > FT_MSG_HEADER_SIZE ? cap - FT_MSG_HEADER_SIZE : 0;
		size_t limit = fits < rest + 1 ? fits : rest + 1;
		switch (pick % 8) {
		case 0: len = (uint32_t)fits + (pick >> 7); break;
		case 1: len = FT_MSG_MAX_PAYLOAD + (pick >> 7); break;
		default: len = limit ? (uint32_t)(len % (limit + 1)) : 0; break;
		}
		ft_msg_header(h, (enum ft_msg_type)(FT_MSG_HELLO + type % 5), len);
		if (spoil % 16 == 1)
			h[5] = type;
		else if (spoil % 16 == 2)
			h[4] = (uint8_t)(spoil >> 4);
		else if (spoil % 16 == 3)
			h[6 + (spoil >> 7)] = (uint8_t)(1u << ((spoil >> 4) & 7));
		else if (spoil % 16 == 4)
			h[(spoil >> 4) & 3] ^= (uint8_t)(1u << ((spoil >> 6) & 3));
		if ((size_t)len > rest)
			return;
		pos += FT_MSG_HEADER_SIZE + len;
	}
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint8_t *full_buf; /* one exactly-sized allocation: ASan sees overruns */

/* One run's state: the buffer and what went through it. */
struct run {
	struct ft_rx rx;
	const uint8_t *stream;
	size_t cap;
	size_t fed;    /* bytes ft_rx took: always the stream's first 'fed' */
	size_t handed; /* bytes of the messages handed out, headers included */
	int errored;
};

/* Bytes in the buffer not yet handed out; room must offer the rest. */
static void check_room(const struct run *t)
{
	check(t->handed <= t->fed, "more bytes handed out than fed");
	check(ft_rx_room(&t->rx) == t->cap - (t->fed - t->handed),
	      "room differs from the capacity less the bytes held");
}

/* Whatever a payload decodes to as HELLO or ACK re-encodes to its bytes;
 * only the exact sizes decode. */
static void check_payload_codecs(const uint8_t *p, uint32_t len)
{
	struct ft_hello h;
	struct ft_ack a;
	uint8_t again[FT_HELLO_SIZE];
	int ok = ft_hello_decode(p, len, &h) == 0;
	check(ok == (len == FT_HELLO_SIZE), "HELLO decode accepts another size");
	if (ok) {
		ft_hello_encode(&h, again);
		check(memcmp(again, p, FT_HELLO_SIZE) == 0, "HELLO does not re-encode to its bytes");
	}
	ok = ft_ack_decode(p, len, &a) == 0;
	check(ok == (len == FT_ACK_SIZE), "ACK decode accepts another size");
	if (ok) {
		ft_ack_encode(&a, again);
		check(memcmp(again, p, FT_ACK_SIZE) == 0, "ACK does not re-encode to its bytes");
	}
}

/* The stream's first bytes (up to 48) as a heartbeat datagram, made to
 * start like one if 'as_hb': well-formed ones re-encode to the same bytes,
 * and only 40-byte ones with a known role are well-formed. */
static void check_heartbeat(const uint8_t *stream, size_t n, int as_hb)
{
	uint8_t p[FT_HEARTBEAT_SIZE + 8], again[FT_HEARTBEAT_SIZE];
	size_t len = n < sizeof(p) ? n : sizeof(p);
	struct ft_heartbeat hb;
	memcpy(p, stream, len);
	if (as_hb && len >= 5) {
		memcpy(p, "FTHB", 4);
		p[4] = FT_PROTO_VERSION;
	}
	int ok = ft_heartbeat_decode(p, len, &hb) == 0;
	check(!ok || len == FT_HEARTBEAT_SIZE, "a heartbeat of another size decodes");
	if (!ok)
		return;
	check(hb.role <= 2, "a heartbeat with an unknown role decodes");
	ft_heartbeat_encode(&hb, again);
	check(memcmp(again, p, FT_HEARTBEAT_SIZE) == 0, "a heartbeat does not re-encode to its bytes");
}

/* Takes out up to 'max' messages, checking each against the reference. */
static int pull(struct run *t, int max)
{
	int got = 0;
	while (got < max && !t->errored) {
		struct ft_msg m;
		uint32_t len = 0;
		const uint8_t *h = t->stream + t->handed;
		enum ft_rx_result r = ft_rx_next(&t->rx, &m);
		enum ref_kind want = ref_header(h, t->fed - t->handed, t->cap, &len);
		if (r == FT_RX_NONE) {
			check(want == REF_INCOMPLETE, "NONE while a message or an error is in");
			break;
		}
		if (r == FT_RX_ERROR) {
			check(want == REF_ERROR, "ERROR for a good header");
			check(t->rx.error[0] != 0, "an error without a message");
			check(memchr(t->rx.error, 0, sizeof(t->rx.error)) != NULL,
			      "an error message without its NUL");
			t->errored = 1;
			break;
		}
		check(r == FT_RX_MSG, "ft_rx_next returned something else");
		check(want == REF_MSG, "a message where the reference has none");
		check(m.type >= FT_MSG_HELLO && m.type <= FT_MSG_ACK, "bad type handed out");
		check(m.type == h[5], "another type than the header's");
		check(m.len <= FT_MSG_MAX_PAYLOAD, "payload over the protocol's limit");
		check(m.len == len, "another length than the header's");
		const uint8_t *buf = t->rx.buf;
		check(m.payload >= buf && m.payload <= buf + t->cap &&
			      m.len <= (size_t)(buf + t->cap - m.payload),
		      "payload outside the buffer");
		/* the payload is good until the next ft_rx_* call: look now */
		check(memcmp(m.payload, h + FT_MSG_HEADER_SIZE, m.len) == 0,
		      "payload bytes differ from the stream's");
		check_payload_codecs(m.payload, m.len);
		t->handed += FT_MSG_HEADER_SIZE + m.len;
		check_room(t);
		got++;
	}
	return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < PREFIX)
		return 0;
	/* byte 0: capacity; byte 1: chunking, header repair, draining, heartbeat;
	 * bytes 2..5: the seed of the chunk sizes */
	size_t cap;
	switch (data[0] & 3) {
	case 0: cap = FULL_CAP; break;
	case 1: cap = FT_MSG_HEADER_SIZE + (data[0] >> 2); break;       /* 12..75 */
	case 2: cap = FT_MSG_HEADER_SIZE + (size_t)(data[0] >> 2) * 97; /* to ~6 KiB */ break;
	default: cap = 1 + (data[0] >> 2) % 20; break;                  /* 1..20 */
	}
	unsigned how = data[1] & 3;
	int repair = (data[1] >> 2) & 1;
	/* take every complete message after each feed, or only one (then the
	 * next feed meets a message handed out and not yet dropped) */
	int per_feed = (data[1] >> 3) & 1 ? 1 : 1 << 30;
	rng_state = ((uint64_t)rd(data + 2, 4) << 1) | 1;

	size_t n = size - PREFIX;
	uint8_t *stream = malloc(n + 1);
	check(stream != NULL, "out of memory");
	memcpy(stream, data + PREFIX, n);
	check_heartbeat(stream, n, (data[1] >> 4) & 1);
	if (repair)
		make_headers_valid(stream, n, cap);

	uint8_t *buf;
	if (cap == FULL_CAP) {
		if (!full_buf)
			full_buf = malloc(FULL_CAP);
		buf = full_buf;
	} else {
		buf = malloc(cap);
	}
	check(buf != NULL, "out of memory");

	struct run t = { .stream = stream, .cap = cap };
	ft_rx_init(&t.rx, buf, cap);
	check(ft_rx_room(&t.rx) == cap, "an empty buffer does not offer its capacity");

	size_t pos = 0; /* bytes of the stream delivered */
	int stuck = 0;
	while (pos < n && !t.errored && !stuck) {
		size_t want;
		switch (how) {
		case 0: want = 1; break;
		case 1: want = 1 + rng() % 16; break;
		case 2: want = 1 + rng() % 4096; break;
		default: want = n; break;
		}
		if (want > n - pos)
			want = n - pos;
		size_t off = 0;
		while (off < want && !t.errored) {
			check(t.fed == pos + off, "fed bytes lost track of the stream");
			check_room(&t);
			size_t room = ft_rx_room(&t.rx), offer = want - off;
			size_t took = ft_rx_feed(&t.rx, stream + pos + off, offer);
			check(took == (offer < room ? offer : room), "feed took other than min(offered, room)");
			t.fed += took;
			off += took;
			check_room(&t);
			int got = pull(&t, per_feed);
			if (took == 0 && !got && !t.errored) {
				/* A full buffer holds a message or an error: only a buffer
				 * smaller than a header may stall. */
				check(cap < FT_MSG_HEADER_SIZE, "a full buffer with no message in it: stalled");
				stuck = 1;
				break;
			}
		}
		pos += off;
	}
	pull(&t, 1 << 30);
	if (!t.errored) {
		/* whatever is left is the start of a message, not a whole one */
		uint32_t len;
		check(ref_header(stream + t.handed, t.fed - t.handed, cap, &len) == REF_INCOMPLETE,
		      "a complete message left in the buffer");
	}

	if (t.errored) {
		/* sticky: nothing more goes in, the error stays */
		char first[sizeof(t.rx.error)];
		memcpy(first, t.rx.error, sizeof(first));
		struct ft_msg m;
		check(ft_rx_feed(&t.rx, stream, n) == 0, "feed took bytes after an error");
		check(ft_rx_next(&t.rx, &m) == FT_RX_ERROR, "the error did not stick");
		check(memcmp(first, t.rx.error, sizeof(first)) == 0, "the error message changed");
	}

	/* After a reset, a good message goes through from a clean start. */
	ft_rx_reset(&t.rx);
	check(ft_rx_room(&t.rx) == cap, "a reset buffer does not offer its capacity");
	if (cap >= FT_MSG_HEADER_SIZE + 3) {
		uint8_t good[FT_MSG_HEADER_SIZE + 3];
		struct ft_msg m;
		ft_msg_header(good, FT_MSG_ACK, 3);
		memcpy(good + FT_MSG_HEADER_SIZE, "end", 3);
		check(ft_rx_feed(&t.rx, good, sizeof(good)) == sizeof(good), "reset buffer refuses bytes");
		check(ft_rx_next(&t.rx, &m) == FT_RX_MSG && m.type == FT_MSG_ACK && m.len == 3 &&
			      memcmp(m.payload, "end", 3) == 0,
		      "a good message after a reset did not come out");
		check(ft_rx_next(&t.rx, &m) == FT_RX_NONE, "a message out of nothing");
	}

	if (buf != full_buf)
		free(buf);
	free(stream);
	return 0;
}
