/*
 * A tiny printf to the UART. Supports %s %c %u %x %llx and %%; enough for
 * the check lines and cheap to trust.
 */
#ifndef GUEST_PRINT_H
#define GUEST_PRINT_H

#include <stdarg.h>

void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprint(const char *fmt, va_list ap);

#endif
