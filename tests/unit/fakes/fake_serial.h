/*
 * The console for host tests: serial_write() (drivers/serial.h) appends to a
 * buffer, so that a test can check what the code under test said, through
 * the real log formatting (hv/lib/log.c).
 */
#ifndef FTV_TEST_FAKE_SERIAL_H
#define FTV_TEST_FAKE_SERIAL_H

void fake_console_reset(void);
/* Everything written since the last reset, NUL-terminated. */
const char *fake_console(void);
int fake_console_has(const char *text);
/* How many lines written since the last reset contain 'text'. */
int fake_console_count(const char *text);

#endif
