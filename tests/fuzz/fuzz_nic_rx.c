/*
 * libFuzzer target for the e1000 receive verdict (drivers/e1000_rx.c): a
 * run of finished descriptors, 4 input bytes each (status, errors, length
 * low, high), after 2 bytes choosing the buffer size (0 stands for the
 * driver's 2048). Each delivered frame is copied out of a buffer of exactly
 * that size (ASan sees a read past it), and the verdicts are checked
 * against the rules: only a whole, unflagged, non-empty frame that fits is
 * delivered; a frame spanning buffers is counted once and dropped to its
 * EOP; a dropped frame never disturbs the next one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/e1000_regs.h"
#include "drivers/e1000_rx.h"
#include "tests/fuzz/fuzz_check.h"

#define DRIVER_BUF 2048

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_nic_rx", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t buf_size = (size_t)(data[0] | data[1] << 8) % 4096;
	if (buf_size == 0)
		buf_size = DRIVER_BUF;
	uint8_t *buf = malloc(buf_size);
	uint8_t *frame = malloc(65536);
	if (!buf || !frame)
		abort();
	memset(buf, 0x5a, buf_size);
	int discarding = 0, inside = 0; /* the driver's state, and this model's */
	for (size_t off = 2; off + 4 <= size; off += 4) {
		uint8_t status = data[off] | E1000_RXD_STAT_DD, errors = data[off + 1];
		uint16_t len = (uint16_t)(data[off + 2] | data[off + 3] << 8);
		int eop = (status & E1000_RXD_STAT_EOP) != 0;
		enum e1000_rx_verdict v = e1000_rx_judge(status, len, errors, buf_size, &discarding);
		switch (v) {
		case E1000_RX_DELIVER:
			check(eop && !inside, "delivered a piece of a spanning frame");
			check(!(errors & E1000_RXD_ERR_FRAME), "delivered a flagged frame");
			check(len >= 1 && len <= buf_size, "delivered a length outside the buffer");
			memcpy(frame, buf, len);
			break;
		case E1000_RX_DROP_SPANNED:
			check(!eop && !inside, "counted a spanning frame twice");
			break;
		case E1000_RX_DROP_REST:
			check(inside, "dropped a piece of no spanning frame");
			break;
		case E1000_RX_DROP_ERROR:
			check(eop && !inside, "counted an error inside a spanning frame");
			check((errors & E1000_RXD_ERR_FRAME) || len == 0, "refused a good frame");
			break;
		case E1000_RX_DROP_OVERSIZE:
			check(eop && !inside && !(errors & E1000_RXD_ERR_FRAME) && len > buf_size,
			      "called a fitting frame oversize");
			break;
		default:
			check(0, "no such verdict");
		}
		inside = !eop;
		check(discarding == inside, "the driver's discarding state went astray");
	}
	free(frame);
	free(buf);
	return 0;
}
