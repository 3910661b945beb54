#include "hv/eventlog/event_log.h"

#include "hv/lib/le_bytes.h"
#include "hv/lib/stop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The smallest event is a type byte and a count byte. */
#define MIN_EVENT_BYTES 2
/* Header fields read here (the layout is in log_codec.h). The log holds
 * only batches it encoded or that were verified before they came in. */
#define HDR_FIRST_EVENT 16
#define HDR_NEVENTS 24
#define HDR_PAYLOAD_LEN 28

int event_log_init(struct event_log *l, size_t cap, size_t batch_cap)
{
	memset(l, 0, sizeof(*l));
	if ((uint64_t)cap > EVENT_LOG_MAX_CAP)
		return -1;
	/* Every held batch covers at least a header's bytes of the ring, so a
	 * full ring never holds more batches than this. */
	size_t starts_cap = cap / LOG_BATCH_HEADER_SIZE + 1;
	l->buf = cap ? malloc(cap) : NULL;
	l->starts = malloc(starts_cap * sizeof(*l->starts));
	l->batch = malloc(batch_cap);
	l->decoded_cap = batch_cap / MIN_EVENT_BYTES;
	l->decoded = malloc(l->decoded_cap * sizeof(struct ev));
	if (!l->buf || !l->starts || !l->batch || !l->decoded) {
		free(l->buf);
		free(l->starts);
		free(l->batch);
		free(l->decoded);
		memset(l, 0, sizeof(*l));
		return -1;
	}
	l->cap = cap;
	l->starts_cap = starts_cap;
	l->batch_cap = batch_cap;
	event_log_rewind(l);
	return 0;
}

void event_log_clear(struct event_log *l)
{
	l->head = 0;
	l->tail = 0;
	l->oldest = 0;
	l->seq = 0;
	l->events = 0;
	l->bytes = 0;
	l->dropped = 0;
	l->open = 0;
	l->appended = 0;
	event_log_rewind(l);
}

/* ---- the ring ---- */

/* Position of held batch 'seq'. starts[] keeps only its offset in the
 * buffer: the held batches lie in [tail, tail + cap), where each offset
 * stands for exactly one position. */
static uint64_t start_of(const struct event_log *l, uint64_t seq)
{
	uint64_t off = l->starts[seq % l->starts_cap];
	uint64_t tail_off = l->tail % l->cap;
	return l->tail + (off >= tail_off ? off - tail_off : off + l->cap - tail_off);
}

/* Where a batch of 'size' bytes goes: at head, or at the start of the next
 * lap when it would cross the end of the buffer. */
static uint64_t place(const struct event_log *l, size_t size)
{
	uint64_t off = l->head % l->cap;
	return off + size <= l->cap ? l->head : l->head - off + l->cap;
}

/* Whether the held batches and one of 'size' bytes (no more than cap)
 * placed next span at most cap bytes. */
static int fits(const struct event_log *l, size_t size)
{
	uint64_t at = place(l, size);
	uint64_t from = l->oldest == l->seq ? at : l->tail;
	return at + size - from <= l->cap;
}

/* 1 if a batch of 'size' bytes fits, after dropping the oldest batches if
 * the log may; 0 when it is full. */
static int room_for(struct event_log *l, size_t size)
{
	if (size > l->cap)
		return 0;
	while (!fits(l, size)) {
		if (!l->drop_when_full || l->oldest == l->seq)
			return 0;
		event_log_release(l, l->oldest + 1);
		l->dropped++;
	}
	return 1;
}

/* Stores a finished batch that fits. */
static void store(struct event_log *l, const uint8_t *batch, size_t size, uint32_t nevents)
{
	uint64_t at = place(l, size);
	if (l->oldest == l->seq)
		l->tail = at;
	memcpy(l->buf + at % l->cap, batch, size);
	l->starts[l->seq % l->starts_cap] = (uint32_t)(at % l->cap);
	l->head = at + size;
	l->seq++;
	l->events += nevents;
	l->bytes += size;
}

/* Bytes from position pos to the end of what is held in its lap: a batch
 * there decodes from them without reading past the newest byte or the end
 * of the buffer, even if its header was damaged. */
static size_t run_from(const struct event_log *l, uint64_t pos)
{
	uint64_t lap_end = pos - pos % l->cap + l->cap;
	return (size_t)((l->head < lap_end ? l->head : lap_end) - pos);
}

void event_log_release(struct event_log *l, uint64_t seq)
{
	if (seq > l->seq)
		seq = l->seq;
	if (seq <= l->oldest)
		return;
	l->oldest = seq;
	l->tail = seq == l->seq ? l->head : start_of(l, seq);
}

int event_log_batch(const struct event_log *l, uint64_t seq, struct event_log_batch *b)
{
	if (seq < l->oldest || seq >= l->seq)
		return -1;
	uint64_t pos = start_of(l, seq);
	const uint8_t *data = l->buf + pos % l->cap;
	size_t run = run_from(l, pos);
	size_t size = run;
	if (run >= LOG_BATCH_HEADER_SIZE)
		size = LOG_BATCH_HEADER_SIZE + (size_t)get_le(data + HDR_PAYLOAD_LEN, 4);
	b->data = data;
	b->size = size < run ? size : run;
	b->pos = pos;
	return 0;
}

uint64_t event_log_held(const struct event_log *l)
{
	return l->head - l->tail;
}

uint64_t event_log_oldest_event(const struct event_log *l)
{
	return event_log_first_event(l, l->oldest);
}

uint64_t event_log_first_event(const struct event_log *l, uint64_t seq)
{
	if (seq == l->seq)
		return l->events;
	if (seq < l->oldest || seq > l->seq)
		return UINT64_MAX;
	return get_le(l->buf + start_of(l, seq) % l->cap + HDR_FIRST_EVENT, 8);
}

uint8_t *event_log_contiguous(struct event_log *l, size_t *len)
{
	uint64_t lap_start = l->tail - l->tail % l->cap;
	if (l->head - lap_start > l->cap) {
		*len = 0;
		return NULL;
	}
	*len = (size_t)(l->head - l->tail);
	return l->buf + l->tail % l->cap;
}

void event_log_truncate(struct event_log *l, uint64_t end)
{
	while (l->seq > l->oldest && start_of(l, l->seq - 1) >= end)
		l->seq--;
	if (l->seq == l->oldest)
		l->head = l->tail;
	else if (end < l->head)
		l->head = end;
}

/* ---- writing ---- */

static int close_batch(struct event_log *l)
{
	if (!l->open)
		return 0;
	size_t size = log_encoder_finish(&l->enc);
	l->open = 0;
	if (!room_for(l, size))
		return -1;
	store(l, l->batch, size, l->enc.nevents);
	return 0;
}

int event_log_append(struct event_log *l, const struct ev *e)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!l->open) {
			log_encoder_start(&l->enc, l->batch, l->batch_cap, l->seq, l->appended);
			l->open = 1;
		}
		struct log_encoder before = l->enc;
		int rc = log_encoder_add(&l->enc, e);
		if (rc == LOG_ADD_OK && !room_for(l, l->enc.len)) {
			/* The open batch must always fit in the log, or closing it
			 * would lose the events already accepted into it. */
			l->enc = before;
			return -1;
		}
		if (rc == LOG_ADD_OK) {
			l->appended++;
			return 0;
		}
		if (rc == LOG_ADD_INVALID)
			panic("record log: refusing an invalid event: %s", log_encoder_check(&l->enc, e));
		if (close_batch(l) != 0)
			return -1;
	}
	return -1;
}

void event_log_flush(struct event_log *l)
{
	close_batch(l);
}

int event_log_append_batch(struct event_log *l, const uint8_t *batch, size_t len)
{
	/* What bounds the number of held batches (event_log_init). */
	if (len < LOG_BATCH_HEADER_SIZE)
		panic("record log: a %llu-byte batch is shorter than its header",
		      (unsigned long long)len);
	if (!room_for(l, len))
		return -1;
	store(l, batch, len, (uint32_t)get_le(batch + HDR_NEVENTS, 4));
	return 0;
}

/* ---- reading ---- */

int event_log_rewind(struct event_log *l)
{
	log_reader_init(&l->reader);
	l->rseq = 0;
	l->ndecoded = 0;
	l->next = 0;
	l->read_index = 0;
	l->error[0] = 0;
	if (l->oldest == 0)
		return 0;
	snprintf(l->error, sizeof(l->error),
		 "the log no longer starts at batch 0: batches before %llu (events before %llu) "
		 "were released",
		 (unsigned long long)l->oldest, (unsigned long long)event_log_oldest_event(l));
	return -1;
}

const struct ev *event_log_peek(struct event_log *l)
{
	if (l->next < l->ndecoded)
		return &l->decoded[l->next];
	while (!l->error[0] && l->rseq >= l->seq && l->wait_more)
		if (!l->wait_more(l->wait_ctx))
			return NULL;
	if (l->error[0] || l->rseq >= l->seq)
		return NULL;
	if (l->rseq < l->oldest) {
		snprintf(l->error, sizeof(l->error),
			 "batch %llu was released before it was read (the log now starts at batch %llu)",
			 (unsigned long long)l->rseq, (unsigned long long)l->oldest);
		return NULL;
	}
	uint64_t pos = start_of(l, l->rseq);
	struct log_batch_info info;
	enum log_error err = log_reader_next(&l->reader, l->buf + pos % l->cap, run_from(l, pos),
					     &info, l->decoded, l->decoded_cap, l->error,
					     sizeof(l->error));
	if (err != LOG_OK) {
		if (!l->error[0])
			strncpy(l->error, log_error_name(err), sizeof(l->error) - 1);
		return NULL;
	}
	if (info.nevents > l->decoded_cap) {
		strncpy(l->error, "a batch holds more events than this reader can", sizeof(l->error) - 1);
		return NULL;
	}
	l->rseq++;
	l->ndecoded = info.nevents;
	l->next = 0;
	return l->ndecoded ? &l->decoded[0] : event_log_peek(l);
}

void event_log_pop(struct event_log *l)
{
	if (l->next < l->ndecoded) {
		l->next++;
		l->read_index++;
	}
}

uint64_t event_log_read_index(const struct event_log *l)
{
	return l->read_index;
}

uint64_t event_log_read_seq(const struct event_log *l)
{
	return l->rseq;
}

const char *event_log_error(const struct event_log *l)
{
	return l->error;
}
