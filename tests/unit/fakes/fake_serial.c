#include "tests/unit/fakes/fake_serial.h"

#include <string.h>

#include "drivers/serial.h"

static char console[64 * 1024];
static size_t used;

void fake_console_reset(void)
{
	used = 0;
	console[0] = 0;
}

const char *fake_console(void)
{
	return console;
}

int fake_console_has(const char *text)
{
	return strstr(console, text) != NULL;
}

void serial_init(void)
{
}

void serial_write(const char *s, size_t n)
{
	/* Keeps the first 64 KiB: enough for any one test's messages. */
	if (n > sizeof(console) - 1 - used)
		n = sizeof(console) - 1 - used;
	memcpy(console + used, s, n);
	used += n;
	console[used] = 0;
}

int serial_read_byte(void)
{
	return -1;
}
