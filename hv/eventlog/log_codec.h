/*
 * The record/replay log on the wire: events (event.h) packed into batches
 * that each carry a header and a CRC32C. Every batch decodes on its own
 * (delta bases restart at each batch), so a reader can start at any batch
 * and a damaged batch is refused whole. Pure: used by the hypervisor and by
 * the host tool tools/ftvlog.c.
 *
 * Batch header, 40 bytes, little-endian:
 *    0 u32 magic "FTVL"          16 u64 global index of the first event
 *    4 u16 version (2)           24 u32 number of events
 *    6 u16 header size (40)      28 u32 payload length in bytes
 *    8 u64 batch sequence number 32 u32 CRC32C of header (this field 0) + payload
 *                                36 u32 reserved, 0
 *
 * Payload: the events back to back. One event is a tag byte, two varints
 * for the execution point, then the fields of its type:
 *
 *   tag      bits 0-2 type; bits 3-7 type flags (EV_TSC: bits 3-4 source;
 *            EV_RAND: bit 3 key, bit 4 CF, bit 5 value stored raw), else 0
 *   varint   at.count - previous event's count (first event: from 0)
 *   varint   zigzag(at.rip - previous event's rip)
 *   EV_INTR     varint at.rcx, 1 byte vector
 *   EV_TSC      varint zigzag(value - previous EV_TSC value)
 *   EV_RAND     value: 8 bytes when its varint would take 8 or more, else varint
 *   EV_DEVICE   varint key (32 bits), varint value
 *   EV_HASH     varint at.rcx, 8 bytes value
 *   EV_MEMHASH  varint at.rcx, 8 bytes value
 *   EV_STOP     varint at.rcx, varint key (32 bits), varint value
 *
 * RCX is part of the point of the exact events (interrupts, hashes, the
 * stop), which replay must meet at the same iteration of a REP string
 * instruction. Inputs are met in log order when the guest exits for them,
 * so their RCX is not stored (version 1 stored it for interrupts only).
 *
 * Varints are unsigned LEB128, at most 10 bytes. The encoding is canonical:
 * the decoder refuses anything the encoder would not write (overlong
 * varints, stray tag bits, a raw value that fits a short varint), so
 * re-encoding decoded events gives back the same bytes.
 */
#ifndef FTV_LOG_CODEC_H
#define FTV_LOG_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "hv/eventlog/event.h"

#define LOG_VERSION 2
#define LOG_BATCH_HEADER_SIZE 40
/* Tag, two 10-byte varints, and the largest tail: a 10-byte RCX, a 5-byte
 * key and a 10-byte value (EV_STOP). */
#define LOG_EVENT_MAX_SIZE 46
/* Tag and two one-byte varints: lets a header's event count be checked
 * against its payload length before anything is decoded. */
#define LOG_EVENT_MIN_SIZE 3
/* Bounds what a hostile header can make a reader wait for or loop over. */
#define LOG_BATCH_MAX_PAYLOAD (1u << 20)

struct log_encoder {
	uint8_t *buf;
	size_t cap;
	size_t len;            /* bytes of the batch so far, header included */
	uint32_t nevents;
	uint64_t seq, first_event;
	struct ev prev;        /* delta base: the last event added */
	uint64_t prev_tsc;     /* delta base: the last EV_TSC value */
};

enum log_add_result { LOG_ADD_OK = 0, LOG_ADD_FULL = -1, LOG_ADD_INVALID = -2 };

/* Starts batch 'seq' in buf[0..cap); cap below LOG_BATCH_HEADER_SIZE holds
 * no batch at all (every add is LOG_ADD_FULL and finish returns 0). */
void log_encoder_start(struct log_encoder *e, uint8_t *buf, size_t cap, uint64_t seq,
		       uint64_t first_event);
/* NULL if the event can follow the batch so far, or why not: an unknown
 * type, a count before the previous event's, a key, flag or value out of
 * range or set where the type stores none. at.rcx is only stored for the
 * exact events (ev_point_is_exact) and is dropped, not refused, for inputs. */
const char *log_encoder_check(const struct log_encoder *e, const struct ev *ev);
/* LOG_ADD_FULL: the event does not fit, finish this batch and add it to the
 * next one. LOG_ADD_INVALID: log_encoder_check refused it. */
int log_encoder_add(struct log_encoder *e, const struct ev *ev);
/* Writes the header and CRC; returns the batch size in bytes. */
size_t log_encoder_finish(struct log_encoder *e);

enum log_error {
	LOG_OK = 0,
	LOG_ERR_SHORT,      /* the batch continues past the bytes given */
	LOG_ERR_MAGIC,
	LOG_ERR_VERSION,
	LOG_ERR_HEADER,     /* header size, reserved field or limits */
	LOG_ERR_CRC,
	LOG_ERR_SEQUENCE,   /* log_reader: not the batch that comes next */
	LOG_ERR_EVENT,      /* an event is malformed or the event count is wrong */
};

struct log_batch_info {
	uint64_t seq, first_event;
	uint32_t nevents, payload_len;
	size_t size;                    /* header + payload */
	uint64_t first_count, last_count; /* at.count of the first and last event; 0 if none */
};

/*
 * Validates the batch at data[0..len): header, CRC and every event. On
 * LOG_OK fills *info and stores the first 'max' events in out (out may be
 * NULL to only validate); on error, *info and out are unspecified. On
 * error, 'why' gets one sentence naming the batch and the problem (it may
 * be NULL when why_size is 0).
 */
enum log_error log_batch_decode(const uint8_t *data, size_t len, struct log_batch_info *info,
				struct ev *out, size_t max, char *why, size_t why_size);

/* Reads a stream from its first batch: each batch must carry the next
 * sequence number and event index, and counts must not go backwards from
 * one batch to the next. */
struct log_reader {
	uint64_t next_seq, next_event;
	uint64_t last_count;   /* at.count of the last event read so far */
};

void log_reader_init(struct log_reader *r);
/* log_batch_decode plus the stream checks; the reader moves past the batch
 * only on LOG_OK. */
enum log_error log_reader_next(struct log_reader *r, const uint8_t *data, size_t len,
			       struct log_batch_info *info, struct ev *out, size_t max,
			       char *why, size_t why_size);

/* 1 for the events replay must meet at their whole point, RCX included
 * (interrupts, hashes, the stop); 0 for inputs, met when the guest exits. */
int ev_point_is_exact(unsigned type);

const char *log_error_name(enum log_error err);
const char *ev_type_name(unsigned type);
/* One line, no newline: "#1234 INTR vector 0x40 at count 200000 rip
 * 0x100abc rcx 0x0" (rcx for the exact events only). Returns what
 * snprintf returns. */
int ev_describe(const struct ev *ev, uint64_t index, char *buf, size_t size);

#endif
