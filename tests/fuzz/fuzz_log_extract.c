/*
 * libFuzzer target for `ftvlog extract` (tools/log_extract.c). The input is
 * taken two ways. As a console capture, in an exactly-sized buffer: what
 * comes out fits the room LOG_EXTRACT_OUT promises, a refusal says why.
 * As a log: its bytes are dumped the way log_dump() prints them (base64
 * lines between the markers), with the console's clutter around them that
 * the first input byte picks (lines before and after, a prefix before the
 * BEGIN marker, CRLF line ends, trailing blanks, a second block after the
 * first); extracting gives back exactly those bytes. Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/eventlog/log_dump.h"
#include "hv/lib/base64.h"
#include "tools/log_extract.h"
#include "tests/fuzz/fuzz_check.h"

#define MAX_INPUT 16384

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_log_extract", what);
}

static long extract(const char *text, size_t len, uint8_t **out, char *why, size_t why_size)
{
	char *copy = malloc(len ? len : 1), *scratch = malloc(LOG_EXTRACT_SCRATCH(len));
	*out = malloc(LOG_EXTRACT_OUT(len));
	if (!copy || !scratch || !*out)
		abort();
	memcpy(copy, text, len);
	long n = log_extract(copy, len, scratch, *out, why, why_size);
	free(scratch);
	free(copy);
	return n;
}

static void as_capture(const uint8_t *data, size_t size)
{
	uint8_t *out;
	char why[300];
	long n = extract((const char *)data, size, &out, why, sizeof(why));
	if (n < 0)
		check(fuzz_said_why(why, sizeof(why)), "refused without a reason");
	else
		check((size_t)n < LOG_EXTRACT_OUT(size), "extracted more than the room promised");
	free(out);
}

static size_t put(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return n;
}

static void as_log(uint8_t steer, const uint8_t *log, size_t size)
{
	const char *eol = steer & 1 ? "\r\n" : "\n";
	const char *blank = steer & 2 ? " \t" : "";
	size_t cap = 4 * size + 1024;
	char *text = malloc(cap), line[4 * (LOG_DUMP_LINE_BYTES / 3) + 1];
	if (!text)
		abort();
	size_t n = 0;
	if (steer & 4)
		n += put(text + n, "ftvisor> replay-check\r\n[ 12.5] replay: dumping the log\n");
	if (steer & 8)
		n += put(text + n, "[ 12.6] replay: ");
	n += put(text + n, LOG_DUMP_BEGIN);
	n += put(text + n, blank);
	n += put(text + n, eol);
	for (size_t off = 0; off < size; off += LOG_DUMP_LINE_BYTES) {
		size_t k = size - off < LOG_DUMP_LINE_BYTES ? size - off : LOG_DUMP_LINE_BYTES;
		base64_encode(log + off, k, line);
		n += put(text + n, line);
		n += put(text + n, blank);
		n += put(text + n, eol);
	}
	n += put(text + n, LOG_DUMP_END);
	if (steer & 16)
		n += put(text + n, eol);
	if (steer & 32)
		n += put(text + n, "ftvisor> \n" LOG_DUMP_BEGIN "\nAAAA\n" LOG_DUMP_END "\n");
	uint8_t *out;
	char why[300];
	long got = extract(text, n, &out, why, sizeof(why));
	check(got >= 0, why);
	check((size_t)got == size && memcmp(out, log, size) == 0, "the log does not come back");
	free(out);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	as_capture(data, size);
	if (size >= 1)
		as_log(data[0], data + 1, size - 1);
	return 0;
}
