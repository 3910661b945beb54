#include "hv/lib/stop.h"

#include <stdarg.h>
#include <stdio.h>

#include "hv/lib/log.h"
#include "arch/x86_64/cpu.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900
#define BACKTRACE_MAX 16

static struct {
	int poweroff;
	uint64_t image_base;
	void (*idle)(void);    /* where a non-fatal stop goes instead of halting */
	int stopping;
} stop_state;

void stop_configure(int poweroff, uint64_t image_base, void (*idle)(void))
{
	stop_state.poweroff = poweroff;
	stop_state.image_base = image_base;
	stop_state.idle = idle;
}

void hv_stop(enum ftv_stop code)
{
	cpu_cli();
	log_info("ftvisor", "stopped: %s (code %d)", stop_name(code), (int)code);
	if (stop_state.poweroff) {
		cpu_outl(QEMU_DEBUG_EXIT_PORT, (uint32_t)code);
		for (const char *p = "Shutdown"; *p; p++)
			cpu_outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
	}
	/* A stop that leaves the hypervisor sound keeps it reachable: on the
	 * console and on the network. After a fault nothing can be trusted. */
	if (!stop_state.poweroff && stop_state.idle && code != STOP_HV_FAULT) {
		log_info("ftvisor", "staying at the console (type 'help')");
		stop_state.idle();
	}
	console_printf("ftvisor halted.\n");
	cpu_halt_forever();
	__builtin_unreachable();
}

/* Frame-pointer walk; addresses are printed relative to the image so that
 * `addr2line -e build/ftvisor.so ADDR` resolves them. */
void print_backtrace(uint64_t rbp)
{
	console_printf("backtrace (image base 0x%llx):\n", (unsigned long long)stop_state.image_base);
	for (int i = 0; i < BACKTRACE_MAX && rbp && (rbp & 7) == 0; i++) {
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (ret < stop_state.image_base)
			break;
		console_printf("  #%d ftvisor+0x%llx\n", i,
			       (unsigned long long)(ret - stop_state.image_base));
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	cpu_cli();
	if (stop_state.stopping++)
		cpu_halt_forever();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("panic", "%s", msg);
	print_backtrace((uint64_t)__builtin_frame_address(0));
	hv_stop(STOP_HV_FAULT);
}
