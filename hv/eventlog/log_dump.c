#include "hv/eventlog/log_dump.h"

#include "hv/lib/base64.h"
#include "hv/lib/log.h"

void log_dump(const uint8_t *data, size_t len)
{
	char line[4 * (LOG_DUMP_LINE_BYTES / 3) + 2];
	console_printf("%s\n", LOG_DUMP_BEGIN);
	for (size_t off = 0; off < len; off += LOG_DUMP_LINE_BYTES) {
		size_t n = len - off < LOG_DUMP_LINE_BYTES ? len - off : LOG_DUMP_LINE_BYTES;
		base64_encode(data + off, n, line);
		console_printf("%s\n", line);
	}
	console_printf("%s\n", LOG_DUMP_END);
}
