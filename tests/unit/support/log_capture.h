/*
 * hv/lib/log.h for host tests: every console line (log_* and
 * console_printf) goes into one buffer, which a test searches for what the
 * code said, then clears.
 */
#ifndef FTV_TEST_LOG_CAPTURE_H
#define FTV_TEST_LOG_CAPTURE_H

/* Lines containing 'what' since the last clear. */
int log_capture_count(const char *what);
void log_capture_clear(void);
/* Everything captured, for failure messages. */
const char *log_capture_text(void);

#endif
