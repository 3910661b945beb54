/*
 * What lwIP needs from the platform when it runs without an OS (NO_SYS):
 * a millisecond clock, random numbers, and somewhere for diagnostics and
 * failed assertions to go.
 */
#include <stdarg.h>
#include <stdint.h>

#include "lwip/arch.h"
#include "lwip/sys.h"

#include "arch/x86_64/cpu.h"
#include "hv/lib/config.h"
#include "hv/lib/log.h"
#include "hv/lib/stop.h"

/* Milliseconds since boot from the TSC; lwIP copes with the wrap at 2^32. */
u32_t sys_now(void)
{
	return (u32_t)log_uptime_ms();
}

#define CPUID_1_ECX_RDRAND (1u << 30)
#define GOLDEN_RATIO_64 0x9e3779b97f4a7c15ull   /* spreads the TSC's changing low bits */

static struct {
	int checked;
	int rdrand;                 /* the CPU has RDRAND (executing it otherwise is #UD) */
} port;

/* TCP initial sequence numbers and local ports. RDRAND when the CPU has
 * it and it answers; otherwise the TSC, mixed (an emulator without RDRAND
 * is a test rig, not an adversary). */
uint32_t lwip_port_random(void)
{
	uint64_t r;
	if (!port.checked) {
		port.rdrand = (cpu_cpuid(1, 0).ecx & CPUID_1_ECX_RDRAND) != 0;
		port.checked = 1;
	}
	if (port.rdrand && cpu_rdrand64(&r))
		return (uint32_t)(r ^ (r >> 32));
	r = cpu_rdtsc() * GOLDEN_RATIO_64;
	return (uint32_t)(r >> 32);
}

void lwip_port_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_DEBUG, "lwip", fmt, ap);
	va_end(ap);
}

void lwip_port_assert(const char *what, const char *file, int line)
{
	panic("lwIP assertion failed: %s (%s:%d)", what, file, line);
}
