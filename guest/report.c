#include <stdarg.h>

#include "guest_abi.h"
#include "print.h"
#include "report.h"
#include "x86.h"

void report(uint32_t code)
{
	vmcall(FTV_HC_REPORT, code, 0, 0);
	/* REPORT should not return; if it does, stop without spinning. */
	for (;;)
		cli_hlt();
}

void fail(uint32_t code, const char *fmt, ...)
{
	va_list ap;

	print("FAIL (code %u): ", code);
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	print("\n");
	report(code);
}
