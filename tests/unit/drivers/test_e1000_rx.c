/*
 * drivers/e1000_rx.c: which finished receive descriptors reach the network
 * stack. A length beyond the 2 KiB buffer is refused (the device writes
 * the field, and it holds up to 65,535), as are flagged, empty and spanning
 * frames; a frame spanning buffers is counted once and dropped to its end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/e1000_regs.h"
#include "drivers/e1000_rx.h"

#define BUF 2048
#define DONE (E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP)

static void test_good_frames_pass(void **state)
{
	(void)state;
	int discarding = 0;
	assert_int_equal(e1000_rx_judge(DONE, 60, 0, BUF, &discarding), E1000_RX_DELIVER);
	assert_int_equal(e1000_rx_judge(DONE, 1, 0, BUF, &discarding), E1000_RX_DELIVER);
	assert_int_equal(e1000_rx_judge(DONE, BUF, 0, BUF, &discarding), E1000_RX_DELIVER);
	assert_int_equal(discarding, 0);
}

static void test_length_beyond_the_buffer_is_dropped(void **state)
{
	(void)state;
	int discarding = 0;
	assert_int_equal(e1000_rx_judge(DONE, BUF + 1, 0, BUF, &discarding),
			 E1000_RX_DROP_OVERSIZE);
	assert_int_equal(e1000_rx_judge(DONE, 65535, 0, BUF, &discarding), E1000_RX_DROP_OVERSIZE);
	assert_int_equal(discarding, 0);
	/* The next frame is judged on its own. */
	assert_int_equal(e1000_rx_judge(DONE, 64, 0, BUF, &discarding), E1000_RX_DELIVER);
}

static void test_flagged_and_empty_frames_are_errors(void **state)
{
	(void)state;
	int discarding = 0;
	assert_int_equal(e1000_rx_judge(DONE, 60, E1000_RXD_ERR_CE, BUF, &discarding),
			 E1000_RX_DROP_ERROR);
	assert_int_equal(e1000_rx_judge(DONE, 60, E1000_RXD_ERR_RXE, BUF, &discarding),
			 E1000_RX_DROP_ERROR);
	assert_int_equal(e1000_rx_judge(DONE, 0, 0, BUF, &discarding), E1000_RX_DROP_ERROR);
	/* Checksum-offload bits (not enabled) do not condemn a frame. */
	assert_int_equal(e1000_rx_judge(DONE, 60, 1u << 5, BUF, &discarding), E1000_RX_DELIVER);
}

static void test_spanning_frame_dropped_to_its_end(void **state)
{
	(void)state;
	int discarding = 0;
	assert_int_equal(e1000_rx_judge(E1000_RXD_STAT_DD, BUF, 0, BUF, &discarding),
			 E1000_RX_DROP_SPANNED);
	assert_int_equal(discarding, 1);
	assert_int_equal(e1000_rx_judge(E1000_RXD_STAT_DD, BUF, 0, BUF, &discarding),
			 E1000_RX_DROP_REST);
	/* The last piece, good as it may look, belongs to the dropped frame. */
	assert_int_equal(e1000_rx_judge(DONE, 100, 0, BUF, &discarding), E1000_RX_DROP_REST);
	assert_int_equal(discarding, 0);
	assert_int_equal(e1000_rx_judge(DONE, 100, 0, BUF, &discarding), E1000_RX_DELIVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_frames_pass),
		cmocka_unit_test(test_length_beyond_the_buffer_is_dropped),
		cmocka_unit_test(test_flagged_and_empty_frames_are_errors),
		cmocka_unit_test(test_spanning_frame_dropped_to_its_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
