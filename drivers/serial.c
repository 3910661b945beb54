#include "drivers/serial.h"

#include "drivers/uart16550.h"
#include "arch/x86_64/cpu.h"

#define COM1 0x3f8

/* Bounded waits: a missing UART must not hang the hypervisor. */
#define TX_SPIN_LIMIT 100000

void serial_init(void)
{
	cpu_outb(COM1 + UART_IER, 0x00);          /* polled: no interrupts */
	cpu_outb(COM1 + UART_LCR, UART_LCR_DLAB);
	cpu_outb(COM1 + UART_DATA, 1);            /* divisor 1: 115200 baud */
	cpu_outb(COM1 + UART_IER, 0);
	cpu_outb(COM1 + UART_LCR, UART_LCR_8N1);
	cpu_outb(COM1 + UART_IIR_FCR, 0x07);      /* enable and clear FIFOs */
	cpu_outb(COM1 + UART_MCR, 0x03);          /* DTR, RTS */
}

static void serial_put(char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT; i++) {
		if (cpu_inb(COM1 + UART_LSR) & UART_LSR_THRE)
			break;
		cpu_pause();
	}
	cpu_outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_put('\r');
		serial_put(s[i]);
	}
}

int serial_read_byte(void)
{
	if (!(cpu_inb(COM1 + UART_LSR) & UART_LSR_DATA_READY))
		return -1;
	return cpu_inb(COM1 + UART_DATA);
}
