/*
 * Virtual 16550 UART at COM1 (ports 0x3f8-0x3ff). Transmit only, for now:
 * the guest's bytes are collected into lines and handed to a sink, which
 * prints them on the console as "guest: ...". Pure: the host tests drive it.
 */
#ifndef FTV_VUART_H
#define FTV_VUART_H

#include <stddef.h>
#include <stdint.h>

#define VUART_BASE 0x3f8
#define VUART_PORTS 8
#define VUART_LINE_MAX 120

typedef void (*vuart_line_fn)(void *ctx, const char *line);

struct vuart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	char line[VUART_LINE_MAX + 1];
	size_t len;
	uint64_t bytes_out;
	vuart_line_fn sink;
	void *sink_ctx;
};

void vuart_reset(struct vuart *u, vuart_line_fn sink, void *ctx);
/* offset 0..7 from VUART_BASE; 'size' bytes; reads fill *value. */
void vuart_write(struct vuart *u, unsigned offset, uint8_t value);
uint8_t vuart_read(struct vuart *u, unsigned offset);
/* Emits a partial line (at guest stop, so nothing is lost). */
void vuart_flush(struct vuart *u);

#endif
