/* Transmit-only COM1 output: the guest's only way to say what it is doing. */
#ifndef GUEST_UART_H
#define GUEST_UART_H

void uart_putc(char c);
void uart_puts(const char *s);

#endif
