#include "uart.h"
#include "x86.h"

#define COM1 0x3f8
#define UART_THR 0              /* transmit holding register */
#define UART_LSR 5              /* line status register */
#define LSR_THR_EMPTY 0x20

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
		if (inb(COM1 + UART_LSR) & LSR_THR_EMPTY)
			break;
		pause();
	}
	outb(COM1 + UART_THR, (uint8_t)c);
}

void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}
