#include "hv/devices/vuart.h"

#include <string.h>

#include "drivers/uart16550.h"

void vuart_reset(struct vuart *u, vuart_line_fn sink, void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->sink = sink;
	u->sink_ctx = ctx;
	u->dll = 12; /* 9600 baud, the power-on divisor */
}

void vuart_flush(struct vuart *u)
{
	if (u->len == 0)
		return;
	u->line[u->len] = 0;
	if (u->sink)
		u->sink(u->sink_ctx, u->line);
	u->len = 0;
}

static void transmit(struct vuart *u, uint8_t c)
{
	u->bytes_out++;
	if (u->mcr & UART_MCR_LOOP)
		return; /* loopback: nothing leaves the chip */
	if (c == '\n') {
		/* An empty line is still a line. */
		if (u->len == 0) {
			u->line[0] = 0;
			if (u->sink)
				u->sink(u->sink_ctx, u->line);
			return;
		}
		vuart_flush(u);
		return;
	}
	if (c == '\r')
		return;
	/* A full line goes out only when more follows, so that a line of
	 * exactly VUART_LINE_MAX characters and its '\n' stay one line. */
	if (u->len == VUART_LINE_MAX)
		vuart_flush(u);
	u->line[u->len++] = (char)c;
}

void vuart_write(struct vuart *u, unsigned offset, uint8_t value)
{
	int dlab = (u->lcr & UART_LCR_DLAB) != 0;
	switch (offset) {
	case UART_DATA:
		if (dlab)
			u->dll = value;
		else
			transmit(u, value);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = value;
		else
			u->ier = value & 0x0f;
		break;
	case UART_IIR_FCR: u->fcr = value; break;
	case UART_LCR: u->lcr = value; break;
	case UART_MCR: u->mcr = value & 0x1f; break;
	case UART_SCR: u->scr = value; break;
	default: break; /* LSR and MSR are read-only */
	}
}

uint8_t vuart_read(struct vuart *u, unsigned offset)
{
	int dlab = (u->lcr & UART_LCR_DLAB) != 0;
	switch (offset) {
	case UART_DATA: return dlab ? u->dll : 0; /* no input yet */
	case UART_IER: return dlab ? u->dlm : u->ier;
	case UART_IIR_FCR: return (uint8_t)(UART_IIR_NONE | ((u->fcr & 1) ? UART_IIR_FIFO : 0));
	case UART_LCR: return u->lcr;
	case UART_MCR: return u->mcr;
	case UART_LSR: return UART_LSR_THRE | UART_LSR_TEMT; /* transmits instantly */
	case UART_MSR: return UART_MSR_CTS_DSR_DCD;
	case UART_SCR: return u->scr;
	default: return 0xff;
	}
}
