#include "tests/unit/support/panic_stub.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hv/lib/stop.h"

jmp_buf panic_jump;
int panic_armed;
int panic_calls;
char panic_message[256];

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(panic_message, sizeof(panic_message), fmt, ap);
	va_end(ap);
	panic_calls++;
	if (panic_armed) {
		panic_armed = 0;
		longjmp(panic_jump, 1);
	}
	/* Not expected: fail this test (cmocka jumps out of it), and never return. */
	fail_msg("unexpected panic: %s", panic_message);
	abort();
}
