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

int fake_console_count(const char *text)
{
	int n = 0;
	for (const char *line = console; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *hit = strstr(line, text);
		if (hit && hit < line + len)
			n++;
		line += len + (end != NULL);
	}
	return n;
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
