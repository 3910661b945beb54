#include "tests/unit/support/event_log_check.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tests/unit/support/random_event.h"

size_t read_all(struct event_log *l, const struct ev *want, size_t nwant)
{
	size_t n = 0;
	const struct ev *e;
	while ((e = event_log_peek(l)) != NULL) {
		uint64_t index = event_log_read_index(l);
		if (index >= nwant)
			fail_msg("event %llu read, only %zu were appended", (unsigned long long)index,
				 nwant);
		assert_ev_equal(&want[index], e, index);
		/* Peeking again gives the same event and moves nothing. */
		assert_ptr_equal(event_log_peek(l), e);
		assert_int_equal(event_log_read_index(l), index);
		event_log_pop(l);
		assert_int_equal(event_log_read_index(l), index + 1);
		n++;
	}
	return n;
}

uint64_t check_held_batches(const struct event_log *l)
{
	uint64_t events = 0, end = l->tail;
	assert_true(l->tail <= l->head);
	assert_true(l->head - l->tail <= l->cap);
	assert_int_equal(event_log_held(l), l->head - l->tail);
	for (uint64_t s = l->oldest; s < l->seq; s++) {
		struct event_log_batch b;
		assert_int_equal(event_log_batch(l, s, &b), 0);
		assert_true(b.pos % l->cap + b.size <= l->cap);
		uint64_t want = end % l->cap + b.size <= l->cap ? end : end - end % l->cap + l->cap;
		if (s == l->oldest)
			assert_int_equal(b.pos, l->tail);
		else if (b.pos != want)
			fail_msg("batch %llu at %llu, the one before ends at %llu (cap %zu)",
				 (unsigned long long)s, (unsigned long long)b.pos,
				 (unsigned long long)end, l->cap);
		struct log_batch_info info;
		char why[200];
		if (log_batch_decode(b.data, b.size, &info, NULL, 0, why, sizeof(why)) != LOG_OK)
			fail_msg("held batch %llu does not decode: %s", (unsigned long long)s, why);
		assert_int_equal(info.seq, s);
		assert_int_equal(info.size, b.size);
		if (s == l->oldest)
			assert_int_equal(info.first_event, event_log_oldest_event(l));
		events += info.nevents;
		end = b.pos + b.size;
	}
	assert_int_equal(end, l->head);
	struct event_log_batch b;
	assert_int_equal(event_log_batch(l, l->seq, &b), -1);
	if (l->oldest > 0)
		assert_int_equal(event_log_batch(l, l->oldest - 1, &b), -1);
	return events;
}

void free_log(struct event_log *l)
{
	free(l->buf);
	free(l->starts);
	free(l->batch);
	free(l->decoded);
}
