/* Console line layout, pure so the host tests can check it. */
#ifndef FTV_LOG_FORMAT_H
#define FTV_LOG_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * "[   12.345678] subsys: LEVEL: message\n" (LEVEL only for errors and
 * warnings). Always NUL-terminates, truncates with "..." when the message
 * does not fit, and replaces control characters so a guest cannot forge
 * console lines. Returns the length written.
 */
size_t log_format_line(char *buf, size_t size, uint64_t usec, unsigned level,
		       const char *subsys, const char *msg);

#endif
