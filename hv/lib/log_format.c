#include "hv/lib/log_format.h"

#include <string.h>

#include "hv/lib/config.h"

static size_t put_str(char *buf, size_t size, size_t n, const char *s)
{
	for (; *s && n + 1 < size; s++)
		buf[n++] = *s;
	return n;
}

/* Right-aligned decimal in a field of at least 'width' characters. */
static size_t put_dec(char *buf, size_t size, size_t n, uint64_t v, unsigned width, char pad)
{
	char tmp[24];
	unsigned len = 0;
	do {
		tmp[len++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (width > len && n + 1 < size) {
		buf[n++] = pad;
		width--;
	}
	while (len && n + 1 < size)
		buf[n++] = tmp[--len];
	return n;
}

size_t log_format_line(char *buf, size_t size, uint64_t usec, unsigned level,
		       const char *subsys, const char *msg)
{
	static const char ellipsis[] = "...";
	size_t n = 0;
	if (size == 0)
		return 0;
	n = put_str(buf, size, n, "[");
	n = put_dec(buf, size, n, usec / 1000000, 5, ' ');
	n = put_str(buf, size, n, ".");
	n = put_dec(buf, size, n, usec % 1000000, 6, '0');
	n = put_str(buf, size, n, "] ");
	n = put_str(buf, size, n, subsys);
	n = put_str(buf, size, n, ": ");
	if (level == LOG_ERROR)
		n = put_str(buf, size, n, "ERROR: ");
	else if (level == LOG_WARN)
		n = put_str(buf, size, n, "WARN: ");

	/* Leave room for the ellipsis and the newline. */
	size_t limit = size > sizeof(ellipsis) + 1 ? size - sizeof(ellipsis) - 1 : 0;
	if (n + strlen(msg) + 2 <= size)
		limit = size - 2;   /* the whole message and '\n' fit: no ellipsis needed */
	const char *p = msg;
	for (; *p && n < limit; p++) {
		unsigned char c = (unsigned char)*p;
		buf[n++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	if (*p)
		n = put_str(buf, size, n, ellipsis);
	if (n + 1 < size)
		buf[n++] = '\n';
	buf[n] = 0;
	return n;
}
