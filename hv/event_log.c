#include "event_log.h"

#include "stop.h"

#include <stdlib.h>
#include <string.h>

/* The smallest event is a type byte and a count byte. */
#define MIN_EVENT_BYTES 2

int event_log_init(struct event_log *l, size_t cap, size_t batch_cap)
{
	memset(l, 0, sizeof(*l));
	l->buf = malloc(cap);
	l->batch = malloc(batch_cap);
	l->decoded_cap = batch_cap / MIN_EVENT_BYTES;
	l->decoded = malloc(l->decoded_cap * sizeof(struct ev));
	if (!l->buf || !l->batch || !l->decoded) {
		free(l->buf);
		free(l->batch);
		free(l->decoded);
		memset(l, 0, sizeof(*l));
		return -1;
	}
	l->cap = cap;
	l->batch_cap = batch_cap;
	event_log_rewind(l);
	return 0;
}

void event_log_clear(struct event_log *l)
{
	l->len = 0;
	l->open = 0;
	l->seq = 0;
	l->appended = 0;
	event_log_rewind(l);
}

static int close_batch(struct event_log *l)
{
	if (!l->open)
		return 0;
	size_t size = log_encoder_finish(&l->enc);
	l->open = 0;
	if (l->len + size > l->cap)
		return -1;
	memcpy(l->buf + l->len, l->batch, size);
	l->len += size;
	l->seq++;
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
		if (rc == LOG_ADD_OK && l->len + l->enc.len > l->cap) {
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
	if (l->len + len > l->cap)
		return -1;
	memcpy(l->buf + l->len, batch, len);
	l->len += len;
	l->seq++;
	return 0;
}

void event_log_rewind(struct event_log *l)
{
	log_reader_init(&l->reader);
	l->rpos = 0;
	l->ndecoded = 0;
	l->next = 0;
	l->read_index = 0;
	l->error[0] = 0;
}

const struct ev *event_log_peek(struct event_log *l)
{
	if (l->next < l->ndecoded)
		return &l->decoded[l->next];
	while (!l->error[0] && l->rpos >= l->len && l->wait_more)
		if (!l->wait_more(l->wait_ctx))
			return NULL;
	if (l->error[0] || l->rpos >= l->len)
		return NULL;
	struct log_batch_info info;
	enum log_error err = log_reader_next(&l->reader, l->buf + l->rpos, l->len - l->rpos, &info,
					     l->decoded, l->decoded_cap, l->error, sizeof(l->error));
	if (err != LOG_OK) {
		if (!l->error[0])
			strncpy(l->error, log_error_name(err), sizeof(l->error) - 1);
		return NULL;
	}
	if (info.nevents > l->decoded_cap) {
		strncpy(l->error, "a batch holds more events than this reader can", sizeof(l->error) - 1);
		return NULL;
	}
	l->rpos += info.size;
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

const char *event_log_error(const struct event_log *l)
{
	return l->error;
}
