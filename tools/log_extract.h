/*
 * Pulling a record log out of a console capture: the base64 lines between
 * the markers log_dump() prints (hv/eventlog/log_dump.h), decoded. Pure:
 * ftvlog extract reads and writes the files, the fuzzer calls it directly.
 */
#ifndef FTV_TOOLS_LOG_EXTRACT_H
#define FTV_TOOLS_LOG_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

/* Room log_extract needs, for a capture of len bytes: in scratch, and in out. */
#define LOG_EXTRACT_SCRATCH(len) ((len) + 1)
#define LOG_EXTRACT_OUT(len) ((len) / 4 * 3 + 1)

/*
 * Decodes the first log block of a capture into out. Lines may end in
 * "\r\n" and carry trailing blanks (serial consoles add them); the markers
 * may sit inside a longer line (a log prefix). Returns the byte count, or
 * -1 with 'why' naming the line that is wrong.
 */
long log_extract(const char *text, size_t len, char *scratch, uint8_t *out, char *why,
		 size_t why_size);

#endif
