/*
 * libFuzzer target for the log decoder (hv/log_codec.c).
 *
 * Every input is read as a stream of batches twice: as it is, and with the
 * CRC of each batch rewritten to match, since random mutations almost never
 * keep a CRC valid and the event decoder behind it would go unexplored.
 * Whatever decodes must survive a differential check: the encoding is
 * canonical, so re-encoding the events gives back the very same bytes, and
 * those decode to the same events. Any mismatch aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/lib/crc32c.h"
#include "hv/eventlog/log_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_log_decode: %s\n", what);
		abort();
	}
}

static int same_event(const struct ev *a, const struct ev *b)
{
	return a->type == b->type && a->flag == b->flag && a->key == b->key &&
	       a->value == b->value && a->at.count == b->at.count && a->at.rip == b->at.rip &&
	       a->at.rcx == b->at.rcx;
}

/* Re-encodes one decoded batch and compares bytes and events. */
static void check_reencode(const uint8_t *batch, const struct log_batch_info *info,
			   const struct ev *events)
{
	uint8_t *again = malloc(info->size);
	struct ev *redecoded = malloc((info->nevents + 1) * sizeof(*redecoded));
	check(again && redecoded, "out of memory");

	struct log_encoder e;
	log_encoder_start(&e, again, info->size, info->seq, info->first_event);
	for (uint32_t i = 0; i < info->nevents; i++) {
		char line[200];
		check(ev_describe(&events[i], info->first_event + i, line, sizeof(line)) > 0,
		      "ev_describe failed");
		check(log_encoder_add(&e, &events[i]) == LOG_ADD_OK,
		      "a decoded event is refused by the encoder");
	}
	check(log_encoder_finish(&e) == info->size, "re-encoded batch has another size");
	check(memcmp(again, batch, info->size) == 0, "re-encoded batch has other bytes");

	struct log_batch_info info2;
	check(log_batch_decode(again, info->size, &info2, redecoded, info->nevents, NULL, 0) ==
		      LOG_OK,
	      "re-encoded batch does not decode");
	check(info2.nevents == info->nevents && info2.size == info->size &&
		      info2.seq == info->seq && info2.first_event == info->first_event,
	      "re-encoded batch has another header");
	for (uint32_t i = 0; i < info->nevents; i++)
		check(same_event(&events[i], &redecoded[i]), "re-encoded event differs");
	free(redecoded);
	free(again);
}

/* Reads batches until the first error, as the replayer and ftvlog do. */
static void read_stream(const uint8_t *data, size_t size, struct ev *events, size_t max)
{
	struct log_reader r;
	size_t pos = 0;
	log_reader_init(&r);
	while (pos < size) {
		struct log_batch_info info;
		char why[160];
		why[0] = 0;
		enum log_error err = log_reader_next(&r, data + pos, size - pos, &info, events, max,
						     why, sizeof(why));
		if (err != LOG_OK) {
			check(why[0] != 0 && strlen(why) < sizeof(why), "error without a message");
			check(log_error_name(err) != NULL, "error without a name");
			return;
		}
		check(info.size >= LOG_BATCH_HEADER_SIZE && info.size <= size - pos,
		      "batch size out of bounds");
		check(info.nevents <= max, "more events than the payload can hold");
		check_reencode(data + pos, &info, events);
		pos += info.size;
	}
}

static uint64_t get_le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Rewrites each batch's CRC (bytes 32..35) over the bytes that are there. */
static void patch_crcs(uint8_t *data, size_t size)
{
	static const uint8_t zero[4] = { 0, 0, 0, 0 };
	size_t pos = 0;
	while (size - pos >= LOG_BATCH_HEADER_SIZE) {
		uint8_t *h = data + pos;
		size_t avail = size - pos - LOG_BATCH_HEADER_SIZE;
		size_t payload_len = (size_t)get_le(h + 28, 4);
		size_t covered = payload_len < avail ? payload_len : avail;
		uint32_t crc = crc32c_update(0, h, 32);
		crc = crc32c_update(crc, zero, sizeof(zero));
		crc = crc32c_update(crc, h + 36, 4 + covered);
		for (unsigned i = 0; i < 4; i++)
			h[32 + i] = (uint8_t)(crc >> (8 * i));
		if (payload_len > avail)
			return;
		pos += LOG_BATCH_HEADER_SIZE + payload_len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* No batch holds more events than its payload has minimal events. */
	size_t max = size / LOG_EVENT_MIN_SIZE + 1;
	struct ev *events = malloc(max * sizeof(*events));
	uint8_t *copy = malloc(size + 1);
	check(events && copy, "out of memory");

	read_stream(data, size, events, max);
	memcpy(copy, data, size);
	patch_crcs(copy, size);
	read_stream(copy, size, events, max);

	free(copy);
	free(events);
	return 0;
}
