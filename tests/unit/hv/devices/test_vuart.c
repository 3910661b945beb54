/*
 * hv/vuart.c: the virtual 16550 at COM1. A recording sink keeps every line
 * handed over, so tests compare exactly what the console would print.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/devices/vuart.h"

#include "drivers/uart16550.h"

struct sink {
	char lines[16][VUART_LINE_MAX + 8];
	int count;
};

static void record(void *ctx, const char *line)
{
	struct sink *s = ctx;
	assert_true(s->count < 16);
	assert_true(strlen(line) <= VUART_LINE_MAX);
	strcpy(s->lines[s->count++], line);
}

static void send(struct vuart *u, const char *text)
{
	for (; *text; text++)
		vuart_write(u, UART_DATA, (uint8_t)*text);
}

/* Nothing reaches the sink before the '\n'; then the line without it. */
static void test_line_on_newline(void **state)
{
	(void)state;
	struct vuart u;
	struct sink s = { .count = 0 };
	vuart_reset(&u, record, &s);
	send(&u, "hello");
	assert_int_equal(s.count, 0);
	send(&u, "\n");
	assert_int_equal(s.count, 1);
	assert_string_equal(s.lines[0], "hello");
	send(&u, "a\nb\n");
	assert_int_equal(s.count, 3);
	assert_string_equal(s.lines[1], "a");
	assert_string_equal(s.lines[2], "b");
	assert_int_equal(u.bytes_out, 10);
}

/* "\r\n" line ends (and stray '\r') leave no '\r' in the output. */
static void test_cr_dropped(void **state)
{
	(void)state;
	struct vuart u;
	struct sink s = { .count = 0 };
	vuart_reset(&u, record, &s);
	send(&u, "one\r\ntw\ro\r\n\r");
	assert_int_equal(s.count, 2);
	assert_string_equal(s.lines[0], "one");
	assert_string_equal(s.lines[1], "two");
	vuart_flush(&u);
	assert_int_equal(s.count, 2);   /* a lone '\r' is not a line */
}

/* Empty lines are delivered: a guest's blank line shows as a blank line. */
static void test_empty_lines(void **state)
{
	(void)state;
	struct vuart u;
	struct sink s = { .count = 0 };
	vuart_reset(&u, record, &s);
	send(&u, "\n\r\nx\n\n");
	assert_int_equal(s.count, 4);
	assert_string_equal(s.lines[0], "");
	assert_string_equal(s.lines[1], "");
	assert_string_equal(s.lines[2], "x");
	assert_string_equal(s.lines[3], "");
}

/* Flush hands over a partial line once; with nothing buffered it is silent. */
static void test_flush_partial(void **state)
{
	(void)state;
	struct vuart u;
	struct sink s = { .count = 0 };
	vuart_reset(&u, record, &s);
	vuart_flush(&u);
	assert_int_equal(s.count, 0);
	send(&u, "partial");
	vuart_flush(&u);
	assert_int_equal(s.count, 1);
	assert_string_equal(s.lines[0], "partial");
	vuart_flush(&u);
	assert_int_equal(s.count, 1);
	send(&u, "next\n");
	assert_string_equal(s.lines[1], "next");   /* the buffer was emptied */
}

/* Long lines are split into VUART_LINE_MAX pieces; nothing is lost. */
static void test_long_line_split(void **state)
{
	(void)state;
	struct vuart u;
	struct sink s = { .count = 0 };
	char text[2 * VUART_LINE_MAX + 16];
	vuart_reset(&u, record, &s);
	for (int i = 0; i < 2 * VUART_LINE_MAX + 10; i++)
		text[i] = (char)('a' + i % 26);
	text[2 * VUART_LINE_MAX + 10] = 0;
	send(&u, text);
	send(&u, "\n");
	assert_int_equal(s.count, 3);
	assert_int_equal(strlen(s.lines[0]), VUART_LINE_MAX);
	assert_int_equal(strlen(s.lines[1]), VUART_LINE_MAX);
	assert_string_equal(s.lines[2], text + 2 * VUART_LINE_MAX);
	assert_memory_equal(s.lines[0], text, VUART_LINE_MAX);
	assert_memory_equal(s.lines[1], text + VUART_LINE_MAX, VUART_LINE_MAX);
}

/* A line of exactly VUART_LINE_MAX characters is one line: its '\n' must
 * not add an empty line after it. */
static void test_line_of_exactly_max(void **state)
{
	(void)state;
	struct vuart u;
	struct sink s = { .count = 0 };
	char text[VUART_LINE_MAX + 1];
	vuart_reset(&u, record, &s);
	memset(text, '=', VUART_LINE_MAX);
	text[VUART_LINE_MAX] = 0;
	send(&u, text);
	send(&u, "\n");
	send(&u, "after\n");
	assert_int_equal(s.count, 2);
	assert_string_equal(s.lines[0], text);
	assert_string_equal(s.lines[1], "after");
}

/* UART_LCR_DLAB redirects offsets 0 and 1 to the divisor latch; nothing is sent. */
static void test_dlab(void **state)
{
	(void)state;
	struct vuart u;
	struct sink s = { .count = 0 };
	vuart_reset(&u, record, &s);
	vuart_write(&u, UART_IER, 0x05);
	vuart_write(&u, UART_LCR, UART_LCR_DLAB | 0x03);
	assert_int_equal(vuart_read(&u, UART_DATA), 12);   /* 9600 baud at reset */
	vuart_write(&u, UART_DATA, 0x01);                  /* 115200 baud */
	vuart_write(&u, UART_IER, 0x00);
	vuart_write(&u, UART_DATA, '\n');
	assert_int_equal(vuart_read(&u, UART_DATA), '\n');
	assert_int_equal(vuart_read(&u, UART_IER), 0x00);
	assert_int_equal(u.bytes_out, 0);
	vuart_write(&u, UART_LCR, 0x03);
	assert_int_equal(vuart_read(&u, UART_LCR), 0x03);
	assert_int_equal(vuart_read(&u, UART_IER), 0x05);   /* IER untouched by DLM writes */
	assert_int_equal(vuart_read(&u, UART_DATA), 0);     /* no input */
	vuart_write(&u, UART_DATA, 'k');
	vuart_write(&u, UART_DATA, '\n');
	assert_int_equal(s.count, 1);
	assert_string_equal(s.lines[0], "k");
	vuart_write(&u, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(vuart_read(&u, UART_DATA), '\n');
	assert_int_equal(vuart_read(&u, UART_IER), 0x00);
}

/* LSR always reports an empty transmitter, so polling drivers never wait;
 * MSR reports CTS, DSR and DCD; IIR says no interrupt pending. */
static void test_status_registers(void **state)
{
	(void)state;
	struct vuart u;
	vuart_reset(&u, NULL, NULL);
	assert_int_equal(vuart_read(&u, UART_LSR) & 0x60, 0x60);
	send(&u, "busy?");
	assert_int_equal(vuart_read(&u, UART_LSR) & 0x60, 0x60);
	assert_int_equal(vuart_read(&u, UART_LSR) & 0x01, 0);   /* no data ready */
	assert_int_equal(vuart_read(&u, UART_MSR), 0xb0);
	assert_int_equal(vuart_read(&u, UART_IIR_FCR), 0x01);
	vuart_write(&u, UART_IIR_FCR, 0x07);
	assert_int_equal(vuart_read(&u, UART_IIR_FCR), 0xc1);
	/* read-only registers ignore writes */
	vuart_write(&u, UART_LSR, 0);
	vuart_write(&u, UART_MSR, 0);
	assert_int_equal(vuart_read(&u, UART_LSR) & 0x60, 0x60);
	assert_int_equal(vuart_read(&u, UART_MSR), 0xb0);
	vuart_flush(&u);   /* no sink: must not crash */
}

/* The scratch register stores any byte; IER and MCR keep their defined bits. */
static void test_scratch_and_masks(void **state)
{
	(void)state;
	struct vuart u;
	vuart_reset(&u, NULL, NULL);
	for (unsigned v = 0; v < 256; v++) {
		vuart_write(&u, UART_SCR, (uint8_t)v);
		assert_int_equal(vuart_read(&u, UART_SCR), v);
	}
	vuart_write(&u, UART_IER, 0xff);
	assert_int_equal(vuart_read(&u, UART_IER), 0x0f);
	vuart_write(&u, UART_MCR, 0xff);
	assert_int_equal(vuart_read(&u, UART_MCR), 0x1f);
	assert_int_equal(vuart_read(&u, 8), 0xff);         /* beyond the 8 ports */
	vuart_write(&u, 9, 0x12);                          /* ignored */
}

/* Loopback (MCR bit 4): bytes stay in the chip, the sink sees nothing, not
 * even after a flush; leaving loopback restores normal output. */
static void test_loopback(void **state)
{
	(void)state;
	struct vuart u;
	struct sink s = { .count = 0 };
	vuart_reset(&u, record, &s);
	vuart_write(&u, UART_MCR, 0x10);
	send(&u, "probe\n\n");
	vuart_flush(&u);
	assert_int_equal(s.count, 0);
	vuart_write(&u, UART_MCR, 0x03);
	send(&u, "real\n");
	assert_int_equal(s.count, 1);
	assert_string_equal(s.lines[0], "real");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_on_newline),
		cmocka_unit_test(test_cr_dropped),
		cmocka_unit_test(test_empty_lines),
		cmocka_unit_test(test_flush_partial),
		cmocka_unit_test(test_long_line_split),
		cmocka_unit_test(test_line_of_exactly_max),
		cmocka_unit_test(test_dlab),
		cmocka_unit_test(test_status_registers),
		cmocka_unit_test(test_scratch_and_masks),
		cmocka_unit_test(test_loopback),
	};
	return cmocka_run_group_tests_name("vuart", tests, NULL, NULL);
}
