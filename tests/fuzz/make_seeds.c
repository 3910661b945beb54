/*
 * Writes a few valid logs into a directory as the fuzzer's seed corpus:
 * one event of every type, a stream of several batches, an empty batch and
 * the largest events. Usage: make_seeds DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/eventlog/log_codec.h"

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static int write_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

/* One batch holding 'n' events; returns its size, 0 if one did not fit. */
static size_t one_batch(uint8_t *buf, size_t cap, uint64_t seq, uint64_t first,
			const struct ev *events, size_t n)
{
	struct log_encoder e;
	log_encoder_start(&e, buf, cap, seq, first);
	for (size_t i = 0; i < n; i++)
		if (log_encoder_add(&e, &events[i]) != LOG_ADD_OK)
			return 0;
	return log_encoder_finish(&e);
}

/* A plausible recording: timer interrupts, time reads, device reads. */
static size_t random_stream(uint8_t *buf, size_t cap, uint64_t seed, unsigned nbatches)
{
	uint64_t s = seed, count = 0, rip = 0xffffffff81000000ull, tsc = 1000000, next = 0;
	size_t len = 0;
	for (unsigned b = 0; b < nbatches; b++) {
		struct log_encoder e;
		log_encoder_start(&e, buf + len, cap - len, b, next);
		for (unsigned i = 0; i < 12; i++) {
			struct ev ev;
			memset(&ev, 0, sizeof(ev));
			count += rng_next(&s) % 300000;
			rip += rng_next(&s) % 4096 - 2048;
			ev.at.count = count;
			ev.at.rip = rip;
			switch (rng_next(&s) % 4) {
			case 0:
				ev.type = EV_INTR;
				ev.key = 0x40;
				ev.at.rcx = rng_next(&s) % 4;
				break;
			case 1:
				ev.type = EV_TSC;
				tsc += rng_next(&s) % 10000;
				ev.value = tsc;
				break;
			case 2:
				ev.type = EV_DEVICE;
				ev.key = EV_DEVICE_KEY(EV_DEV_RTC, rng_next(&s) % 14);
				ev.value = rng_next(&s) % 256;
				break;
			default:
				ev.type = EV_RAND;
				ev.flag = 1;
				ev.value = rng_next(&s);
				break;
			}
			if (log_encoder_add(&e, &ev) != LOG_ADD_OK)
				return 0;
			next++;
		}
		len += log_encoder_finish(&e);
	}
	return len;
}

int main(int argc, char **argv)
{
	static const struct ev every_type[] = {
		{ .type = EV_TSC, .key = EV_TSC_RDTSCP, .value = 1000000, .at = { 100, 0x1000, 0 } },
		{ .type = EV_RAND, .key = 1, .flag = 1, .value = 0xdeadbeefcafef00dull,
		  .at = { 250, 0x1010, 0 } },
		{ .type = EV_RAND, .key = 0, .flag = 0, .value = 0x1234, .at = { 250, 0x1010, 0 } },
		{ .type = EV_DEVICE, .key = EV_DEVICE_KEY(EV_DEV_UART, 5), .value = 0x60,
		  .at = { 260, 0x1020, 0 } },
		{ .type = EV_INTR, .key = 0x40, .at = { 200260, 0x1800, 3 } },
		{ .type = EV_HASH, .value = 0x0123456789abcdefull, .at = { 300000, 0x1804, 0 } },
		{ .type = EV_MEMHASH, .value = 0xfedcba9876543210ull, .at = { 300000, 0x1804, 0 } },
		{ .type = EV_STOP, .key = 1, .value = 7, .at = { 300100, 0x1900, 0 } },
	};
	static const struct ev largest[] = {
		{ .type = EV_DEVICE, .key = UINT32_MAX, .value = UINT64_MAX,
		  .at = { UINT64_MAX, 1ull << 63, 0 } },
		{ .type = EV_INTR, .key = 255, .at = { UINT64_MAX, 0, UINT64_MAX } },
		{ .type = EV_TSC, .key = EV_TSC_MSR, .value = UINT64_MAX, .at = { UINT64_MAX, 0, 0 } },
	};
	static uint8_t buf[65536];
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: make_seeds DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	len = one_batch(buf, sizeof(buf), 0, 0, every_type,
			sizeof(every_type) / sizeof(every_type[0]));
	if (!len || write_file(dir, "seed-every-type", buf, len))
		return 1;
	len = one_batch(buf, sizeof(buf), 0, 0, NULL, 0);
	if (!len || write_file(dir, "seed-empty", buf, len))
		return 1;
	len = one_batch(buf, sizeof(buf), 0, 0, largest, sizeof(largest) / sizeof(largest[0]));
	if (!len || write_file(dir, "seed-largest", buf, len))
		return 1;
	len = random_stream(buf, sizeof(buf), 0x5eed, 4);
	if (!len || write_file(dir, "seed-stream", buf, len))
		return 1;
	return 0;
}
