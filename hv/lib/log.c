#include "hv/lib/log.h"

#include <stdio.h>

#include "hv/lib/log_format.h"
#include "arch/x86_64/cpu.h"
#include "drivers/serial.h"

static struct {
	uint64_t tsc_at_boot;
	uint64_t tsc_hz;
	unsigned level;
} log_state = { 0, 1, LOG_INFO };

void log_init(uint64_t tsc_at_boot, uint64_t tsc_hz)
{
	log_state.tsc_at_boot = tsc_at_boot;
	log_state.tsc_hz = tsc_hz ? tsc_hz : 1;
}

void log_set_level(unsigned level)
{
	log_state.level = level;
}

uint64_t log_tsc_to_us(uint64_t ticks)
{
	/* Split to avoid overflowing ticks * 1e6 after a few hours at GHz rates. */
	return ticks / log_state.tsc_hz * 1000000 + ticks % log_state.tsc_hz * 1000000 / log_state.tsc_hz;
}

uint64_t log_uptime_us(void)
{
	return log_tsc_to_us(cpu_rdtsc() - log_state.tsc_at_boot);
}

uint64_t log_uptime_ms(void)
{
	return log_uptime_us() / 1000;
}

void log_vmsg(unsigned level, const char *subsys, const char *fmt, va_list ap)
{
	char msg[256], line[320];
	if (level > log_state.level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = log_format_line(line, sizeof(line), log_uptime_us(), level, subsys, msg);
	serial_write(line, n);
}

#define LOG_AT(name, level)                                   \
	void name(const char *subsys, const char *fmt, ...)   \
	{                                                     \
		va_list ap;                                   \
		va_start(ap, fmt);                            \
		log_vmsg(level, subsys, fmt, ap);             \
		va_end(ap);                                   \
	}

LOG_AT(log_error, LOG_ERROR)
LOG_AT(log_warn, LOG_WARN)
LOG_AT(log_info, LOG_INFO)
LOG_AT(log_debug, LOG_DEBUG)

void console_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	serial_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}
