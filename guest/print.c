#include <stdint.h>

#include "print.h"
#include "uart.h"

static void put_unsigned(uint32_t v)
{
	char digits[10];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		uart_putc(digits[--n]);
}

/* Hex needs only shifts, so 64-bit values print without libgcc. */
static void put_hex(uint64_t v)
{
	int shift = 60;

	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		uart_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

void vprint(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			uart_putc(*fmt);
			continue;
		}
		fmt++;
		if (fmt[0] == 'l' && fmt[1] == 'l' && fmt[2] == 'x') {
			put_hex(va_arg(ap, uint64_t));
			fmt += 2;
			continue;
		}
		switch (*fmt) {
		case 's':
			uart_puts(va_arg(ap, const char *));
			break;
		case 'c':
			uart_putc((char)va_arg(ap, int));
			break;
		case 'u':
			put_unsigned(va_arg(ap, uint32_t));
			break;
		case 'x':
			put_hex(va_arg(ap, uint32_t));
			break;
		case '%':
			uart_putc('%');
			break;
		default:
			/* Show the unsupported directive rather than guess. */
			uart_putc('%');
			if (!*fmt)
				return;
			uart_putc(*fmt);
			break;
		}
	}
}

void print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}
