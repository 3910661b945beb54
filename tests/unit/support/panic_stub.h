/*
 * panic() for host tests of code that calls it (hv/stop.h): a test arms it
 * to catch one expected panic, which records the message and jumps back to
 * panic_jump; any other panic fails the running test.
 */
#ifndef FTV_TEST_PANIC_STUB_H
#define FTV_TEST_PANIC_STUB_H

#include <setjmp.h>

extern jmp_buf panic_jump;
extern int panic_armed;
extern int panic_calls;
extern char panic_message[256];

#endif
