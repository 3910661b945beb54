/*
 * What the 82540EM driver does with one finished receive descriptor, as a
 * pure function: the descriptor's status, length and error bytes come from
 * the device (an emulator, or hardware the firmware left in any state), so
 * nothing in them is believed before it is checked against the buffer the
 * driver gave the device.
 */
#ifndef FTV_DRIVERS_E1000_RX_H
#define FTV_DRIVERS_E1000_RX_H

#include <stddef.h>
#include <stdint.h>

enum e1000_rx_verdict {
	E1000_RX_DELIVER,        /* a whole, good frame: hand 'length' bytes on */
	E1000_RX_DROP_ERROR,     /* flagged by the NIC, or empty: one receive error */
	E1000_RX_DROP_SPANNED,   /* the first piece of a frame spanning buffers: one receive error */
	E1000_RX_DROP_REST,      /* a later piece of a frame already dropped: not counted again */
	E1000_RX_DROP_OVERSIZE,  /* claims more bytes than its buffer holds: one length error */
};

/*
 * Judges a descriptor the NIC is done with (DD set). *discarding is the
 * driver's "inside a dropped frame" state, updated here: a piece without
 * EOP starts (or continues) discarding, the piece with EOP ends it.
 */
enum e1000_rx_verdict e1000_rx_judge(uint8_t status, uint16_t length, uint8_t errors,
				     size_t buf_size, int *discarding);

#endif
