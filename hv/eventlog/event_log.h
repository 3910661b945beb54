/*
 * The record log in memory: events are encoded into checksummed batches
 * (log_codec.h) and kept in a ring; a reader decodes them again batch by
 * batch, so replay consumes exactly the bytes that would cross the network.
 *
 * The ring. Every batch has a sequence number and a byte position, both
 * 64-bit and only growing (they never wrap); the batch at position p starts
 * at buf[p % cap]. A batch is never split: one that would cross the end of
 * the buffer starts the next lap instead (its position moves up to the next
 * multiple of cap), and the bytes it skipped count as used until the
 * batches before them are released. The log holds batches oldest..seq-1 in
 * positions [tail, head), never more than cap bytes, and remembers where
 * each held batch starts (starts[], 4 bytes a batch: a tenth of the ring at
 * worst), so a batch is found by its number without walking the headers.
 *
 * Nothing leaves the log by itself: its owner releases the batches it no
 * longer needs (event_log_release), and a full log refuses more, unless
 * drop_when_full lets it drop its oldest batches instead.
 */
#ifndef FTV_EVENT_LOG_H
#define FTV_EVENT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "hv/eventlog/event.h"
#include "hv/eventlog/log_codec.h"

/* One batch: small enough to send often, and the largest batch the
 * logging channel carries. Recorder, sender and receiver all use this. */
#define EVENT_LOG_BATCH_BYTES 4096
/* The largest ring: batch offsets are kept in 32 bits. */
#define EVENT_LOG_MAX_CAP (1ull << 32)

struct event_log {
	/* the ring of finished batches */
	uint8_t *buf;
	size_t cap;
	uint64_t head;             /* position just past the newest batch */
	uint64_t tail;             /* position of the oldest held batch (head when none) */
	uint32_t *starts;          /* buffer offset of held batch s: starts[s % starts_cap] */
	size_t starts_cap;
	uint64_t oldest;           /* the oldest held batch (seq when none is held) */
	uint64_t seq;              /* batches finished: the next batch's number */
	uint64_t events;           /* events in the batches finished */
	uint64_t bytes;            /* bytes of the batches finished, released or not */
	int drop_when_full;        /* a full log drops its oldest batches instead of refusing */
	uint64_t dropped;          /* batches dropped that way */

	/* writing */
	uint8_t *batch;            /* the batch being filled */
	size_t batch_cap;
	struct log_encoder enc;
	int open;
	uint64_t appended;         /* events appended */

	/* reading */
	struct log_reader reader;
	uint64_t rseq;             /* next batch to decode */
	struct ev *decoded;        /* the events of the current batch */
	size_t decoded_cap, ndecoded, next;
	uint64_t read_index;       /* global index of the next event */
	char error[192];           /* why reading stopped early, or "" */

	/* A log still growing (the backup's, fed by the network): called when
	 * the reader reaches the end; returns 1 once more batches arrived, 0 if
	 * no more will come (then 'error' may say why). NULL: the log is whole. */
	int (*wait_more)(void *ctx);
	void *wait_ctx;
};

/* One held batch, as event_log_batch() finds it. */
struct event_log_batch {
	const uint8_t *data;
	size_t size;
	uint64_t pos;
};

/* 0, or -1 if cap is 0 or above 4 GiB (offsets are 32-bit), or the heap
 * cannot hold the ring. */
int event_log_init(struct event_log *l, size_t cap, size_t batch_cap);
/* Empties the log: batch 0 at position 0 comes next. */
void event_log_clear(struct event_log *l);
/* 0, or -1 when the log is full. */
int event_log_append(struct event_log *l, const struct ev *e);
/* Closes the open batch, so everything appended is readable. */
void event_log_flush(struct event_log *l);
/* Appends one whole, already verified batch (the backup's receive path).
 * 0, or -1 when the log is full. */
int event_log_append_batch(struct event_log *l, const uint8_t *batch, size_t len);

/* The batches before 'seq' are no longer needed: their room is free again.
 * Releasing what is already released, or batches not finished, does nothing. */
void event_log_release(struct event_log *l, uint64_t seq);
/* Held batch 'seq': 0, or -1 if it was released or is not finished. */
int event_log_batch(const struct event_log *l, uint64_t seq, struct event_log_batch *b);
/* Bytes held, from tail to head (bytes skipped at the end of a lap count). */
uint64_t event_log_held(const struct event_log *l);
/* Index of the first event of the oldest held batch (with no batch held:
 * of the first event to come). */
uint64_t event_log_oldest_event(const struct event_log *l);
/* Index of the first event of batch 'seq', held or the next to finish
 * (then: of the first event to come); -1 (all ones) for any other batch. */
uint64_t event_log_first_event(const struct event_log *l, uint64_t seq);

/* The held batches as one run of bytes, which they are unless they wrap
 * around the end of the buffer (never for a log that releases nothing):
 * *len bytes from the returned pointer, or NULL. Writable for the self-
 * check's fault injection. */
uint8_t *event_log_contiguous(struct event_log *l, size_t *len);
/* Fault injection only: the log ends at position 'end'. Batches starting at
 * or after it are forgotten; the one it falls inside keeps its first bytes
 * (a reader refuses it as truncated). The counters of what was written
 * (appended, events, bytes) stay as they were. */
void event_log_truncate(struct event_log *l, uint64_t end);

/* Reading from the first batch again: 0, or -1 if it was released (then
 * reading stops at once and event_log_error() says so). */
int event_log_rewind(struct event_log *l);
/* The next event, or NULL at the end of the log, at a bad batch or at a
 * batch released before it was read (event_log_error() then says which). */
const struct ev *event_log_peek(struct event_log *l);
void event_log_pop(struct event_log *l);
uint64_t event_log_read_index(const struct event_log *l);
/* The first batch the reader has not decoded: it needs none before it. */
uint64_t event_log_read_seq(const struct event_log *l);
const char *event_log_error(const struct event_log *l);

#endif
