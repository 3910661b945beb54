/* Leveled, timestamped console lines: "[  1.234567] subsys: message". */
#ifndef FTV_LOG_H
#define FTV_LOG_H

#include <stdarg.h>
#include <stdint.h>

#include "hv/lib/config.h"

void log_init(uint64_t tsc_at_boot, uint64_t tsc_hz);
void log_set_level(unsigned level);
uint64_t log_uptime_us(void);
uint64_t log_uptime_ms(void);
/* A span of TSC ticks in microseconds. */
uint64_t log_tsc_to_us(uint64_t ticks);

void log_vmsg(unsigned level, const char *subsys, const char *fmt, va_list ap);
void log_error(const char *subsys, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warn(const char *subsys, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_info(const char *subsys, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_debug(const char *subsys, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Unformatted console output (prompts, register dumps). */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
