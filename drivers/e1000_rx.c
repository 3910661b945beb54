#include "drivers/e1000_rx.h"

#include "drivers/e1000_regs.h"

enum e1000_rx_verdict e1000_rx_judge(uint8_t status, uint16_t length, uint8_t errors,
				     size_t buf_size, int *discarding)
{
	if (!(status & E1000_RXD_STAT_EOP)) {
		int first = !*discarding;
		*discarding = 1;
		return first ? E1000_RX_DROP_SPANNED : E1000_RX_DROP_REST;
	}
	if (*discarding) {
		*discarding = 0;
		return E1000_RX_DROP_REST;
	}
	if ((errors & E1000_RXD_ERR_FRAME) || length == 0)
		return E1000_RX_DROP_ERROR;
	/* The length field holds up to 65,535 whatever BSIZE says. */
	if (length > buf_size)
		return E1000_RX_DROP_OVERSIZE;
	return E1000_RX_DELIVER;
}
