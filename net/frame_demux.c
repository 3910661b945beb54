#include "net/frame_demux.h"

#include <string.h>

#define ETH_GROUP_BIT 0x01            /* I/G bit of the first destination byte */

unsigned frame_demux_classify(const uint8_t *frame, size_t len, const uint8_t own_mac[ETH_ADDR_LEN])
{
	if (len < ETH_HEADER_LEN)
		return 0;
	/* Broadcast and multicast concern every station behind the NIC. */
	if (frame[0] & ETH_GROUP_BIT)
		return FRAME_TO_STACK | FRAME_TO_OTHER;
	if (memcmp(frame, own_mac, ETH_ADDR_LEN) == 0)
		return FRAME_TO_STACK;
	return FRAME_TO_OTHER;
}

void frame_demux_deliver(void *ctx, const void *frame, size_t len)
{
	struct frame_demux *d = ctx;
	unsigned to = frame_demux_classify(frame, len, d->own_mac);
	if (!to) {
		d->runts++;
		return;
	}
	if (to & FRAME_TO_STACK) {
		d->to_stack++;
		d->stack(d->stack_ctx, frame, len);
	}
	if ((to & FRAME_TO_OTHER) && d->other) {
		d->to_other++;
		d->other(d->other_ctx, frame, len);
	} else if (to == FRAME_TO_OTHER) {
		d->unwanted++;
	}
}
