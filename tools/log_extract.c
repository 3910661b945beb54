#include "tools/log_extract.h"

#include <stdio.h>
#include <string.h>

#include "hv/eventlog/log_dump.h"
#include "hv/lib/base64.h"

/* One line of the capture: [start, end) without its "\n" or "\r\n". */
struct line {
	const char *start, *end;
	size_t number;
};

static int next_line(const char *text, size_t len, size_t *pos, struct line *l)
{
	if (*pos >= len)
		return 0;
	l->start = text + *pos;
	const char *nl = memchr(l->start, '\n', len - *pos);
	l->end = nl ? nl : text + len;
	*pos = (size_t)(l->end - text) + (nl ? 1 : 0);
	l->number++;
	while (l->end > l->start && (l->end[-1] == '\r' || l->end[-1] == ' ' || l->end[-1] == '\t'))
		l->end--;
	return 1;
}

static int line_has(const struct line *l, const char *marker)
{
	size_t m = strlen(marker), n = (size_t)(l->end - l->start);
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(l->start + i, marker, m) == 0)
			return 1;
	return 0;
}

/*
 * Collects the base64 text of the first log block of a console capture
 * into 'b64' (room for the whole capture). Returns its length, or -1 with
 * 'why' set.
 */
static long collect_block(const char *text, size_t len, char *b64, char *why, size_t why_size)
{
	struct line l = { NULL, NULL, 0 };
	size_t pos = 0, n = 0, begin = 0;
	while (!begin && next_line(text, len, &pos, &l))
		if (line_has(&l, LOG_DUMP_BEGIN))
			begin = l.number;
	if (!begin) {
		snprintf(why, why_size, "no \"%s\" line", LOG_DUMP_BEGIN);
		return -1;
	}
	while (next_line(text, len, &pos, &l)) {
		if (line_has(&l, LOG_DUMP_END))
			return (long)n;
		for (const char *p = l.start; p < l.end; p++) {
			if (base64_char_value(*p) < 0 && *p != '=') {
				snprintf(why, why_size,
					 "line %zu: unexpected character 0x%02x inside the log block",
					 l.number, (unsigned char)*p);
				return -1;
			}
			b64[n++] = *p;
		}
	}
	snprintf(why, why_size, "no \"%s\" line after the BEGIN on line %zu (capture cut short?)",
		 LOG_DUMP_END, begin);
	return -1;
}

long log_extract(const char *text, size_t len, char *scratch, uint8_t *out, char *why,
		 size_t why_size)
{
	long n = collect_block(text, len, scratch, why, why_size);
	if (n < 0)
		return -1;
	return base64_decode(scratch, (size_t)n, out, why, why_size);
}
