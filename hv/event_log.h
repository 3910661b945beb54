/*
 * The record log in memory: events are encoded into checksummed batches
 * (log_codec.h) and kept back to back; a reader decodes them again batch by
 * batch, so replay consumes exactly the bytes that would cross the network.
 */
#ifndef FTV_EVENT_LOG_H
#define FTV_EVENT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "log_codec.h"

/* One batch: small enough to send often, and the largest batch the
 * logging channel carries. Recorder, sender and receiver all use this. */
#define EVENT_LOG_BATCH_BYTES 4096

struct event_log {
	uint8_t *buf;              /* finished batches */
	size_t cap, len;
	uint8_t *batch;            /* the batch being filled */
	size_t batch_cap;
	struct log_encoder enc;
	int open;
	uint64_t seq;              /* batches finished */
	uint64_t appended;         /* events appended */

	/* reading */
	struct log_reader reader;
	size_t rpos;               /* next batch to decode */
	struct ev *decoded;        /* the events of the current batch */
	size_t decoded_cap, ndecoded, next;
	uint64_t read_index;       /* global index of the next event */
	char error[192];           /* why reading stopped early, or "" */

	/* A log still growing (the backup's, fed by the network): called when
	 * the reader reaches the end; returns 1 once more bytes arrived, 0 if
	 * no more will come (then 'error' may say why). NULL: the log is whole. */
	int (*wait_more)(void *ctx);
	void *wait_ctx;
};

/* 0, or -1 if the heap cannot hold cap bytes. */
int event_log_init(struct event_log *l, size_t cap, size_t batch_cap);
void event_log_clear(struct event_log *l);
/* 0, or -1 when the log is full. */
int event_log_append(struct event_log *l, const struct ev *e);
/* Closes the open batch, so everything appended is readable. */
void event_log_flush(struct event_log *l);
/* Appends one whole, already verified batch (the backup's receive path).
 * 0, or -1 when the log is full. */
int event_log_append_batch(struct event_log *l, const uint8_t *batch, size_t len);
/* Reading from the first batch again. */
void event_log_rewind(struct event_log *l);
/* The next event, or NULL at the end of the log or at a bad batch
 * (event_log_error() then says what was wrong). */
const struct ev *event_log_peek(struct event_log *l);
void event_log_pop(struct event_log *l);
uint64_t event_log_read_index(const struct event_log *l);
const char *event_log_error(const struct event_log *l);

#endif
