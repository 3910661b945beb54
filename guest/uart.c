#include "uart.h"
#include "x86.h"
#include "../drivers/uart16550.h"

#define COM1 0x3f8

/* A broken UART model must not hang the guest: give up waiting and write. */
#define TX_SPIN_LIMIT 100000

/*
 * No init sequence: the hypervisor's 16550 only models transmit, and the
 * guest must not depend on divisor or FIFO registers being emulated.
 * Lines end in a bare '\n' because the hypervisor splits output on it.
 */
void uart_putc(char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT; i++) {
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
			break;
		pause();
	}
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}
