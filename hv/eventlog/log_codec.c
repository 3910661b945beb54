#include "hv/eventlog/log_codec.h"

#include <stdio.h>
#include <string.h>

#include "hv/lib/crc32c.h"
#include "hv/lib/le_bytes.h"

static const uint8_t log_magic[4] = { 'F', 'T', 'V', 'L' };

/* Header field offsets (the table in log_codec.h). */
enum {
	HDR_MAGIC = 0,
	HDR_VERSION = 4,
	HDR_SIZE = 6,
	HDR_SEQ = 8,
	HDR_FIRST_EVENT = 16,
	HDR_NEVENTS = 24,
	HDR_PAYLOAD_LEN = 28,
	HDR_CRC = 32,
	HDR_RESERVED = 36,
};

/* Tag byte: the type in the low bits, the flags above it. */
#define TAG_TYPE_MASK 0x07u
#define TAG_TSC_SOURCE_SHIFT 3
#define TAG_TSC_SOURCE_MASK 0x18u
#define TAG_RAND_RDSEED 0x08u
#define TAG_RAND_CF 0x10u
#define TAG_RAND_RAW 0x20u

#define VARINT_MAX_SIZE 10
/* A value whose varint takes this many bytes or more is cheaper raw. */
#define RAW_VALUE_SIZE 8


/* ---- varints and zigzag ---- */

static unsigned varint_size(uint64_t v)
{
	unsigned n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Deltas are computed modulo 2^64 and mapped so small magnitudes of either
 * sign get small codes: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ... */
static uint64_t zigzag(uint64_t delta)
{
	return (delta << 1) ^ (0 - (delta >> 63));
}

static uint64_t unzigzag(uint64_t code)
{
	return (code >> 1) ^ (0 - (code & 1));
}

/* ---- encoding ---- */

void log_encoder_start(struct log_encoder *e, uint8_t *buf, size_t cap, uint64_t seq,
		       uint64_t first_event)
{
	memset(e, 0, sizeof(*e));
	e->buf = buf;
	e->cap = cap;
	e->len = LOG_BATCH_HEADER_SIZE;
	e->seq = seq;
	e->first_event = first_event;
}

const char *log_encoder_check(const struct log_encoder *e, const struct ev *ev)
{
	if (e->nevents && ev->at.count < e->prev.at.count)
		return "count goes backwards";
	switch (ev->type) {
	case EV_TSC:
		if (ev->key > EV_TSC_MSR)
			return "TSC source out of range";
		if (ev->flag)
			return "EV_TSC stores no flag";
		return NULL;
	case EV_RAND:
		if (ev->key > 1)
			return "RAND key must be 0 (rdrand) or 1 (rdseed)";
		if (ev->flag > 1)
			return "RAND flag (CF) must be 0 or 1";
		return NULL;
	case EV_DEVICE:
	case EV_STOP:
		if (ev->flag)
			return "this event type stores no flag";
		return NULL;
	case EV_INTR:
		if (ev->key > 0xff)
			return "interrupt vector above 255";
		if (ev->flag || ev->value)
			return "EV_INTR stores no flag or value";
		return NULL;
	case EV_HASH:
	case EV_MEMHASH:
		if (ev->key || ev->flag)
			return "hash events store no key or flag";
		return NULL;
	default:
		return "unknown event type";
	}
}

/* Encodes one event after the batch's delta bases; returns its size. */
static size_t encode_event(const struct log_encoder *e, const struct ev *ev, uint8_t *out)
{
	uint8_t tag = ev->type;
	size_t n = 1;
	int raw = 0;

	if (ev->type == EV_TSC)
		tag |= (uint8_t)(ev->key << TAG_TSC_SOURCE_SHIFT);
	if (ev->type == EV_RAND) {
		raw = varint_size(ev->value) >= RAW_VALUE_SIZE;
		tag |= ev->key ? TAG_RAND_RDSEED : 0;
		tag |= ev->flag ? TAG_RAND_CF : 0;
		tag |= raw ? TAG_RAND_RAW : 0;
	}
	out[0] = tag;
	n += put_varint(out + n, ev->at.count - e->prev.at.count);
	n += put_varint(out + n, zigzag(ev->at.rip - e->prev.at.rip));

	if (ev_point_is_exact(ev->type))
		n += put_varint(out + n, ev->at.rcx);
	switch (ev->type) {
	case EV_INTR:
		out[n++] = (uint8_t)ev->key;
		break;
	case EV_TSC:
		n += put_varint(out + n, zigzag(ev->value - e->prev_tsc));
		break;
	case EV_RAND:
		if (raw) {
			put_le(out + n, ev->value, 8);
			n += 8;
		} else {
			n += put_varint(out + n, ev->value);
		}
		break;
	case EV_DEVICE:
	case EV_STOP:
		n += put_varint(out + n, ev->key);
		n += put_varint(out + n, ev->value);
		break;
	case EV_HASH:
	case EV_MEMHASH:
		put_le(out + n, ev->value, 8);
		n += 8;
		break;
	}
	return n;
}

int log_encoder_add(struct log_encoder *e, const struct ev *ev)
{
	uint8_t tmp[LOG_EVENT_MAX_SIZE];

	if (log_encoder_check(e, ev))
		return LOG_ADD_INVALID;
	size_t n = encode_event(e, ev, tmp);
	if (e->cap < e->len || n > e->cap - e->len ||
	    e->len - LOG_BATCH_HEADER_SIZE + n > LOG_BATCH_MAX_PAYLOAD)
		return LOG_ADD_FULL;
	memcpy(e->buf + e->len, tmp, n);
	e->len += n;
	e->nevents++;
	e->prev = *ev;
	if (ev->type == EV_TSC)
		e->prev_tsc = ev->value;
	return LOG_ADD_OK;
}

/* CRC of header and payload with the CRC field read as 0. */
static uint32_t batch_crc(const uint8_t *batch, size_t payload_len)
{
	static const uint8_t zero[4] = { 0, 0, 0, 0 };
	uint32_t crc = crc32c_update(0, batch, HDR_CRC);
	crc = crc32c_update(crc, zero, sizeof(zero));
	return crc32c_update(crc, batch + HDR_CRC + 4,
			     LOG_BATCH_HEADER_SIZE - (HDR_CRC + 4) + payload_len);
}

size_t log_encoder_finish(struct log_encoder *e)
{
	if (e->cap < LOG_BATCH_HEADER_SIZE)
		return 0;
	uint8_t *h = e->buf;
	size_t payload_len = e->len - LOG_BATCH_HEADER_SIZE;
	memcpy(h + HDR_MAGIC, log_magic, sizeof(log_magic));
	put_le(h + HDR_VERSION, LOG_VERSION, 2);
	put_le(h + HDR_SIZE, LOG_BATCH_HEADER_SIZE, 2);
	put_le(h + HDR_SEQ, e->seq, 8);
	put_le(h + HDR_FIRST_EVENT, e->first_event, 8);
	put_le(h + HDR_NEVENTS, e->nevents, 4);
	put_le(h + HDR_PAYLOAD_LEN, payload_len, 4);
	put_le(h + HDR_CRC, 0, 4);
	put_le(h + HDR_RESERVED, 0, 4);
	put_le(h + HDR_CRC, batch_crc(h, payload_len), 4);
	return e->len;
}

/* ---- decoding ---- */

/* Reads a payload. 'err' names the first problem found; once it is set,
 * every further read returns 0, so a run of reads needs one check. */
struct cursor {
	const uint8_t *p;
	size_t len, pos;
	const char *err;
};

/*
 * Refuses what put_varint never writes: more than 10 bytes, bits beyond
 * 64, and a last byte of 0 after the first (an overlong form). The loop
 * ends by the tenth byte: past the check, that byte is 0 or 1, which
 * carries no continuation bit.
 */
static uint64_t get_varint(struct cursor *c)
{
	uint64_t v = 0;
	if (c->err)
		return 0;
	for (unsigned i = 0;; i++) {
		if (c->pos >= c->len) {
			c->err = "payload ends inside a varint";
			return 0;
		}
		uint8_t b = c->p[c->pos++];
		if (i == VARINT_MAX_SIZE - 1 && b > 1) {
			c->err = "varint longer than 10 bytes or above 64 bits";
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (i > 0 && b == 0)
				c->err = "varint in overlong form";
			return v;
		}
	}
}

static uint32_t get_varint32(struct cursor *c)
{
	uint64_t v = get_varint(c);
	if (v > 0xffffffffu && !c->err)
		c->err = "key above 32 bits";
	return (uint32_t)v;
}

static uint64_t get_raw64(struct cursor *c)
{
	if (c->err)
		return 0;
	if (c->len - c->pos < 8) {
		c->err = "payload ends inside a value";
		return 0;
	}
	uint64_t v = get_le(c->p + c->pos, 8);
	c->pos += 8;
	return v;
}

static uint8_t get_byte(struct cursor *c)
{
	if (c->err)
		return 0;
	if (c->pos >= c->len) {
		c->err = "payload ends inside an event";
		return 0;
	}
	return c->p[c->pos++];
}

/* The delta bases of one batch, as the encoder keeps them. */
struct decode_bases {
	uint64_t count, rip, tsc;
};

/* Decodes one event into *ev; c->err says why if it is malformed. */
static void decode_event(struct cursor *c, struct decode_bases *b, struct ev *ev)
{
	memset(ev, 0, sizeof(*ev));
	uint8_t tag = get_byte(c);
	if (c->err)
		return;
	ev->type = tag & TAG_TYPE_MASK;
	uint8_t flags = tag & ~TAG_TYPE_MASK;
	uint8_t allowed = 0;
	if (ev->type == EV_TSC)
		allowed = TAG_TSC_SOURCE_MASK;
	else if (ev->type == EV_RAND)
		allowed = TAG_RAND_RDSEED | TAG_RAND_CF | TAG_RAND_RAW;
	if (ev->type == EV_NONE) {
		c->err = "event type 0 (EV_NONE)";
		return;
	}
	if (flags & ~allowed) {
		c->err = "tag has flag bits this event type does not use";
		return;
	}

	uint64_t dcount = get_varint(c);
	uint64_t drip = unzigzag(get_varint(c));
	if (c->err)
		return;
	if (dcount > UINT64_MAX - b->count) {
		c->err = "count overflows 64 bits";
		return;
	}
	ev->at.count = b->count + dcount;
	ev->at.rip = b->rip + drip;

	if (ev_point_is_exact(ev->type))
		ev->at.rcx = get_varint(c);
	switch (ev->type) {
	case EV_INTR:
		ev->key = get_byte(c);
		break;
	case EV_TSC:
		ev->key = (flags & TAG_TSC_SOURCE_MASK) >> TAG_TSC_SOURCE_SHIFT;
		if (ev->key > EV_TSC_MSR) {
			c->err = "TSC source 3 does not exist";
			return;
		}
		ev->value = b->tsc + unzigzag(get_varint(c));
		break;
	case EV_RAND:
		ev->key = (flags & TAG_RAND_RDSEED) ? 1 : 0;
		ev->flag = (flags & TAG_RAND_CF) ? 1 : 0;
		if (flags & TAG_RAND_RAW) {
			ev->value = get_raw64(c);
			if (!c->err && varint_size(ev->value) < RAW_VALUE_SIZE)
				c->err = "RAND value stored raw but fits a short varint";
		} else {
			ev->value = get_varint(c);
			if (!c->err && varint_size(ev->value) >= RAW_VALUE_SIZE)
				c->err = "RAND value stored as a varint of 8 bytes or more";
		}
		break;
	case EV_DEVICE:
	case EV_STOP:
		ev->key = get_varint32(c);
		ev->value = get_varint(c);
		break;
	case EV_HASH:
	case EV_MEMHASH:
		ev->value = get_raw64(c);
		break;
	}
	if (c->err)
		return;
	b->count = ev->at.count;
	b->rip = ev->at.rip;
	if (ev->type == EV_TSC)
		b->tsc = ev->value;
}

/* The header checks that need no payload; LOG_OK if it looks sane. */
static enum log_error check_header(const uint8_t *h, char *why, size_t why_size)
{
	unsigned long long seq = get_le(h + HDR_SEQ, 8);
	unsigned version = (unsigned)get_le(h + HDR_VERSION, 2);
	unsigned hsize = (unsigned)get_le(h + HDR_SIZE, 2);
	uint32_t nevents = (uint32_t)get_le(h + HDR_NEVENTS, 4);
	uint32_t payload_len = (uint32_t)get_le(h + HDR_PAYLOAD_LEN, 4);
	uint32_t reserved = (uint32_t)get_le(h + HDR_RESERVED, 4);

	if (memcmp(h + HDR_MAGIC, log_magic, sizeof(log_magic)) != 0) {
		snprintf(why, why_size,
			 "no batch here: magic is %02x %02x %02x %02x, expected \"FTVL\"", h[0],
			 h[1], h[2], h[3]);
		return LOG_ERR_MAGIC;
	}
	if (version != LOG_VERSION) {
		snprintf(why, why_size,
			 "batch %llu: log format version %u, this reader supports only version %u",
			 seq, version, LOG_VERSION);
		return LOG_ERR_VERSION;
	}
	if (hsize != LOG_BATCH_HEADER_SIZE) {
		snprintf(why, why_size, "batch %llu: header size %u, expected %u", seq, hsize,
			 LOG_BATCH_HEADER_SIZE);
		return LOG_ERR_HEADER;
	}
	if (reserved != 0) {
		snprintf(why, why_size, "batch %llu: reserved header field is 0x%x, must be 0", seq,
			 (unsigned)reserved);
		return LOG_ERR_HEADER;
	}
	if (payload_len > LOG_BATCH_MAX_PAYLOAD) {
		snprintf(why, why_size, "batch %llu: payload of %u bytes exceeds the limit of %u",
			 seq, (unsigned)payload_len, LOG_BATCH_MAX_PAYLOAD);
		return LOG_ERR_HEADER;
	}
	if (nevents > payload_len / LOG_EVENT_MIN_SIZE) {
		snprintf(why, why_size, "batch %llu: %u events cannot fit in %u payload bytes",
			 seq, (unsigned)nevents, (unsigned)payload_len);
		return LOG_ERR_HEADER;
	}
	return LOG_OK;
}

enum log_error log_batch_decode(const uint8_t *data, size_t len, struct log_batch_info *info,
				struct ev *out, size_t max, char *why, size_t why_size)
{
	/* A partial header is only worth waiting for if its magic could match. */
	if (len < LOG_BATCH_HEADER_SIZE) {
		size_t n = len < sizeof(log_magic) ? len : sizeof(log_magic);
		if (memcmp(data, log_magic, n) != 0) {
			snprintf(why, why_size, "no batch here: the bytes do not start with \"FTVL\"");
			return LOG_ERR_MAGIC;
		}
		snprintf(why, why_size, "incomplete batch header: %llu of %u bytes",
			 (unsigned long long)len, LOG_BATCH_HEADER_SIZE);
		return LOG_ERR_SHORT;
	}
	enum log_error err = check_header(data, why, why_size);
	if (err != LOG_OK)
		return err;

	unsigned long long seq = get_le(data + HDR_SEQ, 8);
	uint32_t nevents = (uint32_t)get_le(data + HDR_NEVENTS, 4);
	uint32_t payload_len = (uint32_t)get_le(data + HDR_PAYLOAD_LEN, 4);
	size_t size = LOG_BATCH_HEADER_SIZE + (size_t)payload_len;
	if (len < size) {
		snprintf(why, why_size, "batch %llu: have %llu of its %llu bytes", seq,
			 (unsigned long long)len, (unsigned long long)size);
		return LOG_ERR_SHORT;
	}
	uint32_t stored = (uint32_t)get_le(data + HDR_CRC, 4);
	uint32_t computed = batch_crc(data, payload_len);
	if (stored != computed) {
		snprintf(why, why_size,
			 "batch %llu: CRC32C mismatch (stored 0x%08x, computed 0x%08x)", seq,
			 (unsigned)stored, (unsigned)computed);
		return LOG_ERR_CRC;
	}

	struct cursor c = { data + LOG_BATCH_HEADER_SIZE, payload_len, 0, NULL };
	struct decode_bases bases = { 0, 0, 0 };
	struct ev ev;
	uint64_t first_count = 0;
	for (uint32_t i = 0; i < nevents; i++) {
		decode_event(&c, &bases, &ev);
		if (c.err) {
			snprintf(why, why_size, "batch %llu event %u: %s", seq, (unsigned)i, c.err);
			return LOG_ERR_EVENT;
		}
		if (i == 0)
			first_count = ev.at.count;
		if (out && i < max)
			out[i] = ev;
	}
	if (c.pos != c.len) {
		snprintf(why, why_size, "batch %llu: %llu bytes left after its %u events", seq,
			 (unsigned long long)(c.len - c.pos), (unsigned)nevents);
		return LOG_ERR_EVENT;
	}

	info->seq = seq;
	info->first_event = get_le(data + HDR_FIRST_EVENT, 8);
	info->nevents = nevents;
	info->payload_len = payload_len;
	info->size = size;
	info->first_count = first_count;
	info->last_count = nevents ? bases.count : 0;
	return LOG_OK;
}

void log_reader_init(struct log_reader *r)
{
	memset(r, 0, sizeof(*r));
}

enum log_error log_reader_next(struct log_reader *r, const uint8_t *data, size_t len,
			       struct log_batch_info *info, struct ev *out, size_t max,
			       char *why, size_t why_size)
{
	enum log_error err = log_batch_decode(data, len, info, out, max, why, why_size);
	if (err != LOG_OK)
		return err;
	if (info->seq != r->next_seq) {
		snprintf(why, why_size,
			 "batch %llu arrived where batch %llu was expected (reordered, repeated "
			 "or missing batch)",
			 (unsigned long long)info->seq, (unsigned long long)r->next_seq);
		return LOG_ERR_SEQUENCE;
	}
	if (info->first_event != r->next_event) {
		snprintf(why, why_size, "batch %llu starts at event %llu, expected event %llu",
			 (unsigned long long)info->seq, (unsigned long long)info->first_event,
			 (unsigned long long)r->next_event);
		return LOG_ERR_SEQUENCE;
	}
	if (info->nevents && info->first_count < r->last_count) {
		snprintf(why, why_size,
			 "batch %llu event 0: count %llu goes backwards from %llu in the batch before",
			 (unsigned long long)info->seq, (unsigned long long)info->first_count,
			 (unsigned long long)r->last_count);
		return LOG_ERR_EVENT;
	}
	r->next_seq++;
	r->next_event += info->nevents;
	if (info->nevents)
		r->last_count = info->last_count;
	return LOG_OK;
}

/* ---- names and descriptions ---- */

const char *log_error_name(enum log_error err)
{
	switch (err) {
	case LOG_OK:
		return "ok";
	case LOG_ERR_SHORT:
		return "short";
	case LOG_ERR_MAGIC:
		return "bad magic";
	case LOG_ERR_VERSION:
		return "unsupported version";
	case LOG_ERR_HEADER:
		return "bad header";
	case LOG_ERR_CRC:
		return "CRC mismatch";
	case LOG_ERR_SEQUENCE:
		return "out of sequence";
	case LOG_ERR_EVENT:
		return "bad event";
	}
	return "unknown error";
}

int ev_point_is_exact(unsigned type)
{
	return type == EV_INTR || type == EV_HASH || type == EV_MEMHASH || type == EV_STOP;
}

const char *ev_type_name(unsigned type)
{
	static const char *const names[EV_TYPE_COUNT] = {
		[EV_NONE] = "NONE", [EV_TSC] = "TSC", [EV_RAND] = "RAND",
		[EV_DEVICE] = "DEVICE", [EV_INTR] = "INTR", [EV_HASH] = "HASH",
		[EV_MEMHASH] = "MEMHASH", [EV_STOP] = "STOP",
	};
	return type < EV_TYPE_COUNT ? names[type] : "UNKNOWN";
}

static const char *tsc_source_name(uint32_t key)
{
	switch (key) {
	case EV_TSC_RDTSC:
		return "rdtsc";
	case EV_TSC_RDTSCP:
		return "rdtscp";
	case EV_TSC_MSR:
		return "msr";
	}
	return "source?";
}

static const char *device_name(uint32_t dev)
{
	switch (dev) {
	case EV_DEV_LAPIC:
		return "lapic";
	case EV_DEV_RTC:
		return "rtc";
	case EV_DEV_UART:
		return "uart";
	}
	return "device?";
}

/* What the event carries, before " at count ...". */
static int describe_fields(const struct ev *ev, char *buf, size_t size)
{
	unsigned long long value = ev->value;
	switch (ev->type) {
	case EV_TSC:
		return snprintf(buf, size, "%s value 0x%llx", tsc_source_name(ev->key), value);
	case EV_RAND:
		return snprintf(buf, size, "%s value 0x%llx CF %u", ev->key ? "rdseed" : "rdrand",
				value, ev->flag);
	case EV_DEVICE:
		return snprintf(buf, size, "%s (%u) reg 0x%x value 0x%llx",
				device_name(ev->key >> 16), (unsigned)(ev->key >> 16),
				(unsigned)(ev->key & 0xffff), value);
	case EV_INTR:
		return snprintf(buf, size, "vector 0x%x", (unsigned)ev->key);
	case EV_HASH:
	case EV_MEMHASH:
		return snprintf(buf, size, "value 0x%llx", value);
	case EV_STOP:
		return snprintf(buf, size, "code %u value 0x%llx", (unsigned)ev->key, value);
	}
	return snprintf(buf, size, "type %u key 0x%x flag %u value 0x%llx", ev->type,
			(unsigned)ev->key, ev->flag, value);
}

int ev_describe(const struct ev *ev, uint64_t index, char *buf, size_t size)
{
	char fields[96];
	describe_fields(ev, fields, sizeof(fields));
	if (ev_point_is_exact(ev->type))
		return snprintf(buf, size, "#%llu %s %s at count %llu rip 0x%llx rcx 0x%llx",
				(unsigned long long)index, ev_type_name(ev->type), fields,
				(unsigned long long)ev->at.count, (unsigned long long)ev->at.rip,
				(unsigned long long)ev->at.rcx);
	return snprintf(buf, size, "#%llu %s %s at count %llu rip 0x%llx",
			(unsigned long long)index, ev_type_name(ev->type), fields,
			(unsigned long long)ev->at.count, (unsigned long long)ev->at.rip);
}
