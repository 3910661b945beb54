#include "tests/unit/support/log_capture.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hv/lib/log.h"

static char text[1 << 16];
static size_t used;

static void add(const char *prefix, const char *fmt, va_list ap)
{
	if (used + 1 >= sizeof(text))
		return;
	used += (size_t)snprintf(text + used, sizeof(text) - used, "%s", prefix);
	if (used + 1 < sizeof(text))
		used += (size_t)vsnprintf(text + used, sizeof(text) - used, fmt, ap);
	if (used + 1 < sizeof(text))
		text[used++] = '\n';
	if (used >= sizeof(text))
		used = sizeof(text) - 1;
	text[used] = 0;
}

int log_capture_count(const char *what)
{
	int n = 0;
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *hit = strstr(line, what);
		if (hit && hit < line + len)
			n++;
		line += len + (end != NULL);
	}
	return n;
}

void log_capture_clear(void)
{
	used = 0;
	text[0] = 0;
}

const char *log_capture_text(void)
{
	return text;
}

void log_vmsg(unsigned level, const char *subsys, const char *fmt, va_list ap)
{
	(void)level;
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "%s: ", subsys);
	add(prefix, fmt, ap);
}

#define LEVEL_FN(name)                                          \
	void name(const char *subsys, const char *fmt, ...)     \
	{                                                       \
		va_list ap;                                     \
		va_start(ap, fmt);                              \
		log_vmsg(0, subsys, fmt, ap);                   \
		va_end(ap);                                     \
	}
LEVEL_FN(log_error)
LEVEL_FN(log_warn)
LEVEL_FN(log_info)
LEVEL_FN(log_debug)

void console_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add("", fmt, ap);
	va_end(ap);
}
