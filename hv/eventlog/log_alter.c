#include "hv/eventlog/log_alter.h"

#include <stdio.h>
#include <string.h>

#include "hv/eventlog/log_codec.h"

const char *log_alteration_name(enum log_alteration kind)
{
	static const char *const names[ALTER_KIND_COUNT] = {
		"off", "changed TSC value", "interrupt one count earlier", "dropped input",
		"extra input", "changed state hash",
	};
	return (unsigned)kind < ALTER_KIND_COUNT ? names[kind] : "?";
}

static int is_input(uint8_t type)
{
	return type == EV_TSC || type == EV_RAND || type == EV_DEVICE;
}

/* Whether events[i] of a batch of n is one the kind applies to; before:
 * the count of the event before the batch (0 for the first batch). */
static int applies(enum log_alteration kind, const struct ev *events, size_t i, size_t n,
		   uint64_t before)
{
	const struct ev *e = &events[i];
	uint64_t prev = i ? events[i - 1].at.count : before;
	switch (kind) {
	case ALTER_TSC:
		return e->type == EV_TSC;
	case ALTER_INTR:
		return e->type == EV_INTR && e->at.count > prev;
	case ALTER_DROP:
		return is_input(e->type) && n > 1;
	case ALTER_EXTRA:
		return is_input(e->type);
	case ALTER_HASH:
		return e->type == EV_HASH;
	default:
		return 0;
	}
}

/* Alters events[i] in place (n may change); fills *res. */
static void alter(enum log_alteration kind, struct ev *events, size_t i, size_t *n,
		  struct log_alter_result *res)
{
	res->before = events[i];
	switch (kind) {
	case ALTER_TSC:
		events[i].value++;
		break;
	case ALTER_INTR:
		events[i].at.count--;
		break;
	case ALTER_DROP:
		memmove(&events[i], &events[i + 1], (*n - i - 1) * sizeof(*events));
		--*n;
		res->after = res->before;
		return;
	case ALTER_EXTRA:
		memmove(&events[i + 1], &events[i], (*n - i) * sizeof(*events));
		++*n;
		break;
	case ALTER_HASH:
		events[i].value ^= 1;
		break;
	default:
		break;
	}
	res->after = events[i];
}

int log_alter(const uint8_t *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len,
	      enum log_alteration kind, uint64_t from, struct log_alter_result *res, char *why,
	      size_t why_size)
{
	/* One more than a batch may hold: room for ALTER_EXTRA's copy. */
	static struct ev events[LOG_ALTER_MAX_BATCH_EVENTS + 1];
	size_t pos = 0, opos = 0;
	int64_t shift = 0; /* events added (+1) or removed (-1) so far */
	uint64_t before = 0; /* count of the last event of the batches so far */
	int done = 0;

	while (pos < len) {
		struct log_batch_info info;
		char bad[160];
		if (log_batch_decode(in + pos, len - pos, &info, NULL, 0, bad, sizeof(bad)) != LOG_OK) {
			snprintf(why, why_size, "the log does not decode: %s", bad);
			return -1;
		}
		if (info.nevents > LOG_ALTER_MAX_BATCH_EVENTS) {
			snprintf(why, why_size, "batch %llu holds %u events, more than %u",
				 (unsigned long long)info.seq, info.nevents, LOG_ALTER_MAX_BATCH_EVENTS);
			return -1;
		}
		log_batch_decode(in + pos, len - pos, &info, events, info.nevents, NULL, 0);
		size_t n = info.nevents;
		int here = 0;
		for (size_t i = 0; !done && i < n; i++)
			if (info.first_event + i >= from && applies(kind, events, i, n, before)) {
				res->index = info.first_event + i;
				alter(kind, events, i, &n, res);
				done = here = 1;
			}
		if (!here && shift == 0) {
			if (info.size > out_cap - opos)
				goto no_room;
			memcpy(out + opos, in + pos, info.size);
			opos += info.size;
		} else {
			struct log_encoder e;
			log_encoder_start(&e, out + opos, out_cap - opos, info.seq,
					  (uint64_t)((int64_t)info.first_event + shift));
			for (size_t i = 0; i < n; i++)
				if (log_encoder_add(&e, &events[i]) != LOG_ADD_OK)
					goto no_room;
			opos += log_encoder_finish(&e);
			shift += (int64_t)n - (int64_t)info.nevents;
		}
		if (info.nevents)
			before = info.last_count;
		pos += info.size;
	}
	if (!done) {
		snprintf(why, why_size, "no event to alter (%s) at or after event #%llu",
			 log_alteration_name(kind), (unsigned long long)from);
		return -1;
	}
	*out_len = opos;
	return 0;

no_room:
	snprintf(why, why_size, "no room for the altered log (%zu bytes)", out_cap);
	return -1;
}
