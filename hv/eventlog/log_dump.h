/* Printing a record log on the console as base64 between markers, so a test
 * or an operator can pull it out of a serial capture (tools/ftvlog extract). */
#ifndef FTV_LOG_DUMP_H
#define FTV_LOG_DUMP_H

#include <stddef.h>
#include <stdint.h>

#define LOG_DUMP_BEGIN "----- BEGIN FTVISOR LOG -----"
#define LOG_DUMP_END "----- END FTVISOR LOG -----"
#define LOG_DUMP_LINE_BYTES 57   /* 76 base64 characters a line */

void log_dump(const uint8_t *data, size_t len);

#endif
