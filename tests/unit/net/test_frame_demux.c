/*
 * net/frame_demux.c: which received frames go to the hypervisor's stack,
 * which to another station (a guest's virtual NIC), and which nobody wants.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/frame_demux.h"

static const uint8_t own[6] = { 0x52, 0x54, 0x00, 0x4d, 0x00, 0x10 };
static const uint8_t guest[6] = { 0x52, 0x54, 0x00, 0x4d, 0x00, 0x77 };
static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t ipv4_multicast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

struct sink {
	int frames;
	size_t last_len;
};

static void sink_rx(void *ctx, const void *frame, size_t len)
{
	struct sink *s = ctx;
	(void)frame;
	s->frames++;
	s->last_len = len;
}

static void make_frame(uint8_t *f, const uint8_t dst[6])
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, guest, 6);
	f[12] = 0x08;   /* IPv4 */
}

static void test_classify(void **state)
{
	(void)state;
	uint8_t f[60];
	make_frame(f, own);
	assert_int_equal(frame_demux_classify(f, sizeof(f), own), FRAME_TO_STACK);
	make_frame(f, guest);
	assert_int_equal(frame_demux_classify(f, sizeof(f), own), FRAME_TO_OTHER);
	make_frame(f, broadcast);
	assert_int_equal(frame_demux_classify(f, sizeof(f), own), FRAME_TO_STACK | FRAME_TO_OTHER);
	make_frame(f, ipv4_multicast);
	assert_int_equal(frame_demux_classify(f, sizeof(f), own), FRAME_TO_STACK | FRAME_TO_OTHER);
	assert_int_equal(frame_demux_classify(f, ETH_HEADER_LEN - 1, own), 0);
	assert_int_equal(frame_demux_classify(f, 0, own), 0);
}

static void test_deliver_without_other_station(void **state)
{
	(void)state;
	struct sink stack = { 0, 0 };
	struct frame_demux d;
	memset(&d, 0, sizeof(d));
	memcpy(d.own_mac, own, 6);
	d.stack = sink_rx;
	d.stack_ctx = &stack;
	uint8_t f[60];

	make_frame(f, own);
	frame_demux_deliver(&d, f, 60);
	make_frame(f, broadcast);
	frame_demux_deliver(&d, f, 42);
	make_frame(f, guest);
	frame_demux_deliver(&d, f, 60);
	frame_demux_deliver(&d, f, 10);

	assert_int_equal(stack.frames, 2);
	assert_int_equal(stack.last_len, 42);
	assert_int_equal(d.to_stack, 2);
	assert_int_equal(d.to_other, 0);
	assert_int_equal(d.unwanted, 1);    /* the guest's unicast frame */
	assert_int_equal(d.runts, 1);
}

static void test_deliver_with_other_station(void **state)
{
	(void)state;
	struct sink stack = { 0, 0 }, other = { 0, 0 };
	struct frame_demux d;
	memset(&d, 0, sizeof(d));
	memcpy(d.own_mac, own, 6);
	d.stack = sink_rx;
	d.stack_ctx = &stack;
	d.other = sink_rx;
	d.other_ctx = &other;
	uint8_t f[60];

	make_frame(f, guest);
	frame_demux_deliver(&d, f, 60);
	make_frame(f, broadcast);
	frame_demux_deliver(&d, f, 60);
	make_frame(f, own);
	frame_demux_deliver(&d, f, 60);

	assert_int_equal(stack.frames, 2);   /* broadcast and its own */
	assert_int_equal(other.frames, 2);   /* the guest's and broadcast */
	assert_int_equal(d.unwanted, 0);
	assert_int_equal(d.to_stack, 2);
	assert_int_equal(d.to_other, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_deliver_without_other_station),
		cmocka_unit_test(test_deliver_with_other_station),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
