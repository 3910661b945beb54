/* Ending the test: tell the hypervisor the verdict, then stop for good. */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include <stdint.h>

__attribute__((noreturn)) void report(uint32_t code);
__attribute__((noreturn, format(printf, 2, 3)))
void fail(uint32_t code, const char *fmt, ...);

#endif
