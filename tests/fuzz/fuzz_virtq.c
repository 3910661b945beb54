/*
 * libFuzzer target for the split-virtqueue walker (hv/devices/virtq.c):
 * 6 input bytes choose the queue (size 2^(b0 % 9), ring address, the
 * device's available index, how many chains to take), the rest is guest
 * RAM, in a buffer of exactly that size (ASan sees any access past it).
 * The walker must never crash, and every chain it accepts must lie inside
 * guest RAM, within the queue and the length limit, its byte counts the
 * sums of its buffers; the used ring takes each accepted chain back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/devices/virtq.h"
#include "tests/fuzz/fuzz_check.h"

#define HEADER 6
#define MAX_POPS 16

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_virtq", what);
}

static void check_chain(const struct guest_mem *m, const struct virtq *q, const struct virtq_chain *c)
{
	uint64_t readable = 0, writable = 0;
	check(c->head < q->size, "head outside the table");
	check(c->count >= 1 && c->count <= q->size, "chain length outside 1..size");
	for (unsigned i = 0; i < c->count; i++) {
		const struct virtq_seg *s = &c->seg[i];
		check(s->gpa <= m->size && s->len <= m->size - s->gpa, "buffer outside guest RAM");
		*(s->writable ? &writable : &readable) += s->len;
	}
	check(readable == c->readable_bytes && writable == c->writable_bytes, "byte counts wrong");
	check(readable + writable <= VIRTQ_MAX_CHAIN_BYTES, "chain over the length limit");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	struct guest_mem m = { malloc(size - HEADER + 1), size - HEADER };
	struct virtq_chain *c = malloc(sizeof(*c));
	if (!m.base || !c)
		abort();
	memcpy(m.base, data + HEADER, m.size);
	struct virtq q;
	virtq_setup(&q, (uint64_t)(data[1] | data[2] << 8), (uint16_t)(1u << (data[0] % 9)));
	q.last_avail = q.used_idx = (uint16_t)(data[3] | data[4] << 8);
	unsigned pops = data[5] % MAX_POPS;
	for (unsigned i = 0; i < pops; i++) {
		enum virtq_error err = VIRTQ_OK;
		uint16_t before = q.last_avail;
		int rc = virtq_pop(&m, &q, c, &err);
		check(rc >= -1 && rc <= 1, "result outside -1..1");
		if (rc != 1) {
			check(q.last_avail == before, "a refused or empty pop moved the index");
			check(rc == 0 || (err != VIRTQ_OK && err < VIRTQ_ERR_COUNT), "a refusal without a reason");
			break;
		}
		check(q.last_avail == (uint16_t)(before + 1), "an accepted pop did not move the index");
		check_chain(&m, &q, c);
		check(virtq_push_used(&m, &q, c->head, c->writable_bytes, &err) == 0,
		      "used ring refused after an accepted pop");
	}
	free(c);
	free(m.base);
	return 0;
}
