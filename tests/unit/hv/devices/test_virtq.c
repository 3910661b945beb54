/*
 * hv/devices/virtq.c: the split-virtqueue walker against a guest driver
 * that writes well-formed and malformed rings into a buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/devices/virtq.h"

#include "tests/unit/support/virtq_driver.h"

#define RAM_SIZE (64u << 10)
#define RING_GPA 0x1000
#define QSIZE 8
#define BUF_GPA 0x8000

struct fixture {
	uint8_t *ram;
	struct guest_mem mem;
	struct virtq q;
	struct virtq_driver d;
	struct virtq_chain c;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->ram = calloc(1, RAM_SIZE);
	f->mem = (struct guest_mem){ f->ram, RAM_SIZE };
	virtq_setup(&f->q, RING_GPA, QSIZE);
	vqd_init(&f->d, &f->mem, RING_GPA, QSIZE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	free(f->ram);
	free(f);
	return 0;
}

/* Pops expecting failure; returns the reason. */
static enum virtq_error pop_error(struct fixture *f)
{
	enum virtq_error err = VIRTQ_OK;
	assert_int_equal(virtq_pop(&f->mem, &f->q, &f->c, &err), -1);
	assert_int_not_equal(err, VIRTQ_OK);
	return err;
}

/* The legacy layout: 16 bytes a descriptor, the used ring 4096-aligned. */
static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(virtq_legacy_bytes(8), 4096 + 4 + 8 * 8 + 2);
	assert_int_equal(virtq_legacy_bytes(256), 8192 + 4 + 8 * 256 + 2);
	assert_int_equal(virtq_legacy_bytes(128), 4096 + 4 + 8 * 128 + 2);
}

/* Nothing available: 0. A three-descriptor chain comes out whole, with
 * its direction and lengths; the used ring gets (head, len). */
static void test_chain_and_used(void **state)
{
	struct fixture *f = *state;
	enum virtq_error err = VIRTQ_OK;
	assert_int_equal(virtq_pop(&f->mem, &f->q, &f->c, &err), 0);
	vqd_desc(&f->d, 5, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	vqd_desc(&f->d, 2, BUF_GPA + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 7);
	vqd_desc(&f->d, 7, BUF_GPA + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	vqd_avail(&f->d, 5);
	assert_int_equal(virtq_pop(&f->mem, &f->q, &f->c, &err), 1);
	assert_int_equal(f->c.head, 5);
	assert_int_equal(f->c.count, 3);
	assert_int_equal(f->c.seg[0].gpa, BUF_GPA);
	assert_int_equal(f->c.seg[0].writable, 0);
	assert_int_equal(f->c.seg[1].len, 512);
	assert_int_equal(f->c.seg[1].writable, 1);
	assert_int_equal(f->c.readable_bytes, 16);
	assert_int_equal(f->c.writable_bytes, 513);
	assert_int_equal(virtq_pop(&f->mem, &f->q, &f->c, &err), 0);
	assert_int_equal(virtq_push_used(&f->mem, &f->q, 5, 513, &err), 0);
	uint32_t id, len;
	assert_int_equal(vqd_used_idx(&f->d), 1);
	vqd_used(&f->d, 0, &id, &len);
	assert_int_equal(id, 5);
	assert_int_equal(len, 513);
}

/* The indices wrap at 2^16 and the ring slots at the queue size. */
static void test_wraparound(void **state)
{
	struct fixture *f = *state;
	enum virtq_error err = VIRTQ_OK;
	f->q.last_avail = f->q.used_idx = 0xfffe;
	f->d.avail_idx = 0xfffe;
	vqd_desc(&f->d, 0, BUF_GPA, 8, 0, 0);
	for (int i = 0; i < 4; i++) {
		vqd_avail(&f->d, 0);
		assert_int_equal(virtq_pop(&f->mem, &f->q, &f->c, &err), 1);
		assert_int_equal(virtq_push_used(&f->mem, &f->q, 0, (uint32_t)i, &err), 0);
	}
	assert_int_equal(f->q.last_avail, 2);
	assert_int_equal(vqd_used_idx(&f->d), 2);
	uint32_t id, len;
	vqd_used(&f->d, 1, &id, &len);
	assert_int_equal(len, 3);
}

/* A full queue's worth is fine; one more than the size is a jump. */
static void test_avail_jump(void **state)
{
	struct fixture *f = *state;
	enum virtq_error err = VIRTQ_OK;
	vqd_desc(&f->d, 0, BUF_GPA, 8, 0, 0);
	vqd_set_avail_idx(&f->d, QSIZE);
	assert_int_equal(virtq_pop(&f->mem, &f->q, &f->c, &err), 1);
	f->q.last_avail = 0;
	vqd_set_avail_idx(&f->d, QSIZE + 1);
	assert_int_equal(pop_error(f), VIRTQ_ERR_AVAIL_JUMP);
	vqd_set_avail_idx(&f->d, 0xffff);
	assert_int_equal(pop_error(f), VIRTQ_ERR_AVAIL_JUMP);
	assert_int_equal(f->q.last_avail, 0);
}

/* A chain that comes back to itself, and one longer than the queue. */
static void test_loop(void **state)
{
	struct fixture *f = *state;
	vqd_desc(&f->d, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	vqd_desc(&f->d, 1, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
	vqd_avail(&f->d, 0);
	assert_int_equal(pop_error(f), VIRTQ_ERR_LOOP);
	/* Every descriptor chained to itself. */
	vqd_desc(&f->d, 3, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 3);
	f->q.last_avail = 0;
	f->d.avail_idx = 0;
	vqd_avail(&f->d, 3);
	assert_int_equal(pop_error(f), VIRTQ_ERR_LOOP);
	/* A chain through all QSIZE descriptors is not a loop. */
	for (uint16_t i = 0; i < QSIZE; i++)
		vqd_desc(&f->d, i, BUF_GPA, 8, i + 1 < QSIZE ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	f->q.last_avail = 0;
	f->d.avail_idx = 0;
	vqd_avail(&f->d, 0);
	enum virtq_error err = VIRTQ_OK;
	assert_int_equal(virtq_pop(&f->mem, &f->q, &f->c, &err), 1);
	assert_int_equal(f->c.count, QSIZE);
}

/* Head and next indices outside the table. */
static void test_index_range(void **state)
{
	struct fixture *f = *state;
	vqd_avail(&f->d, QSIZE);
	assert_int_equal(pop_error(f), VIRTQ_ERR_HEAD_RANGE);
	f->q.last_avail = 0;
	f->d.avail_idx = 0;
	vqd_desc(&f->d, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, QSIZE);
	vqd_avail(&f->d, 0);
	assert_int_equal(pop_error(f), VIRTQ_ERR_NEXT_RANGE);
}

/* Buffers that start outside RAM, end outside it, or wrap the address
 * space; a buffer that ends exactly at the top is fine. */
static void test_buffer_range(void **state)
{
	struct fixture *f = *state;
	const struct { uint64_t addr; uint32_t len; int ok; } cases[] = {
		{ RAM_SIZE, 1, 0 },
		{ RAM_SIZE - 4, 8, 0 },
		{ UINT64_MAX - 3, 8, 0 },
		{ RAM_SIZE - 8, 8, 1 },
		{ RAM_SIZE, 0, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum virtq_error err = VIRTQ_OK;
		vqd_desc(&f->d, 0, cases[i].addr, cases[i].len, 0, 0);
		vqd_avail(&f->d, 0);
		int rc = virtq_pop(&f->mem, &f->q, &f->c, &err);
		if (cases[i].ok) {
			assert_int_equal(rc, 1);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(err, VIRTQ_ERR_BUF_RANGE);
			f->q.last_avail++;
		}
	}
}

/* One absurd descriptor, and a chain whose sum passes the maximum. */
static void test_absurd_length(void **state)
{
	struct fixture *f = *state;
	struct guest_mem big = { f->ram, UINT64_MAX };  /* so that only the length can fail */
	enum virtq_error err = VIRTQ_OK;
	vqd_desc(&f->d, 0, 0, 0xffffffff, 0, 0);
	vqd_avail(&f->d, 0);
	assert_int_equal(virtq_pop(&big, &f->q, &f->c, &err), -1);
	assert_int_equal(err, VIRTQ_ERR_LENGTH);
	vqd_desc(&f->d, 0, 0, VIRTQ_MAX_CHAIN_BYTES / 2, VIRTQ_DESC_F_NEXT, 1);
	vqd_desc(&f->d, 1, 0, VIRTQ_MAX_CHAIN_BYTES / 2, VIRTQ_DESC_F_NEXT, 2);
	vqd_desc(&f->d, 2, 0, 1, 0, 0);
	assert_int_equal(virtq_pop(&big, &f->q, &f->c, &err), -1);
	assert_int_equal(err, VIRTQ_ERR_LENGTH);
	vqd_desc(&f->d, 1, 0, VIRTQ_MAX_CHAIN_BYTES / 2, 0, 2);
	assert_int_equal(virtq_pop(&big, &f->q, &f->c, &err), 1);
}

static void test_indirect(void **state)
{
	struct fixture *f = *state;
	vqd_desc(&f->d, 0, BUF_GPA, 16 * 2, VIRTQ_DESC_F_INDIRECT, 0);
	vqd_avail(&f->d, 0);
	assert_int_equal(pop_error(f), VIRTQ_ERR_INDIRECT);
}

/* Rings placed past the end of RAM, or not set up at all; used-ring
 * updates are checked the same way. */
static void test_ring_placement(void **state)
{
	struct fixture *f = *state;
	enum virtq_error err = VIRTQ_OK;
	virtq_setup(&f->q, RAM_SIZE - 4096, QSIZE);
	assert_int_equal(pop_error(f), VIRTQ_ERR_RING_RANGE);
	assert_int_equal(virtq_push_used(&f->mem, &f->q, 0, 0, &err), -1);
	assert_int_equal(err, VIRTQ_ERR_RING_RANGE);
	virtq_setup(&f->q, UINT64_MAX & ~4095ull, QSIZE);
	assert_int_equal(pop_error(f), VIRTQ_ERR_RING_RANGE);
	virtq_setup(&f->q, 0, 0);
	assert_int_equal(pop_error(f), VIRTQ_ERR_NOT_READY);
	virtq_setup(&f->q, RING_GPA, 6);
	assert_int_equal(pop_error(f), VIRTQ_ERR_NOT_READY);
	assert_false(virtq_wants_interrupt(&f->mem, &f->q));
	assert_string_equal(virtq_error_name(VIRTQ_ERR_LOOP), "descriptor loop (chain longer than the queue)");
	assert_string_equal(virtq_error_name(VIRTQ_ERR_COUNT), "unknown error");
}

static void test_interrupt_suppression(void **state)
{
	struct fixture *f = *state;
	assert_true(virtq_wants_interrupt(&f->mem, &f->q));
	vqd_set_avail_flags(&f->d, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_false(virtq_wants_interrupt(&f->mem, &f->q));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		T(test_chain_and_used),
		T(test_wraparound),
		T(test_avail_jump),
		T(test_loop),
		T(test_index_range),
		T(test_buffer_range),
		T(test_absurd_length),
		T(test_indirect),
		T(test_ring_placement),
		T(test_interrupt_suppression),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
