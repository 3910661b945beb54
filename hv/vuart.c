#include "vuart.h"

#include <string.h>

#define REG_DATA 0      /* THR/RBR, or DLL with DLAB */
#define REG_IER 1       /* or DLM with DLAB */
#define REG_IIR_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NONE 0x01
#define IIR_FIFO 0xc0
#define MSR_CTS_DSR_DCD 0xb0
#define MCR_LOOP 0x10

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
	if (u->mcr & MCR_LOOP)
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
	int dlab = (u->lcr & LCR_DLAB) != 0;
	switch (offset) {
	case REG_DATA:
		if (dlab)
			u->dll = value;
		else
			transmit(u, value);
		break;
	case REG_IER:
		if (dlab)
			u->dlm = value;
		else
			u->ier = value & 0x0f;
		break;
	case REG_IIR_FCR: u->fcr = value; break;
	case REG_LCR: u->lcr = value; break;
	case REG_MCR: u->mcr = value & 0x1f; break;
	case REG_SCR: u->scr = value; break;
	default: break; /* LSR and MSR are read-only */
	}
}

uint8_t vuart_read(struct vuart *u, unsigned offset)
{
	int dlab = (u->lcr & LCR_DLAB) != 0;
	switch (offset) {
	case REG_DATA: return dlab ? u->dll : 0; /* no input yet */
	case REG_IER: return dlab ? u->dlm : u->ier;
	case REG_IIR_FCR: return (uint8_t)(IIR_NONE | ((u->fcr & 1) ? IIR_FIFO : 0));
	case REG_LCR: return u->lcr;
	case REG_MCR: return u->mcr;
	case REG_LSR: return LSR_THRE | LSR_TEMT; /* transmits instantly */
	case REG_MSR: return MSR_CTS_DSR_DCD;
	case REG_SCR: return u->scr;
	default: return 0xff;
	}
}
