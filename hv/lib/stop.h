/*
 * How ftvisor ends: every fatal path names a stop code, prints it, and then
 * powers the machine off, stays at the console, or halts (config
 * hv.on_stop; a fault inside the hypervisor always halts). Under QEMU the
 * isa-debug-exit device turns the code into the process exit status
 * (code * 2 + 1); Bochs only has a "Shutdown" port, so tests read the line.
 */
#ifndef FTV_STOP_H
#define FTV_STOP_H

#include <stdint.h>

enum ftv_stop {
	STOP_GUEST_PASSED = 0,
	STOP_GUEST_FAILED = 1,
	STOP_NO_VMX = 2,
	STOP_CONFIG = 3,
	STOP_GUEST_IMAGE = 4,
	STOP_MEMORY = 5,
	STOP_VMX_DISABLED = 6,
	STOP_HV_FAULT = 7,
	STOP_GUEST_CRASHED = 8,
	STOP_VMX_SETUP = 9,
	STOP_OPERATOR = 10,
	STOP_RECORD_LIMIT = 11,
	STOP_DIVERGED = 12,
	STOP_REPLAY_END = 13,
};

const char *stop_name(enum ftv_stop code);
/* poweroff: leave the machine on a stop. Otherwise, after a stop that
 * leaves the hypervisor sound (any but STOP_HV_FAULT), run idle (the
 * console loop, which also serves the network) instead of halting; NULL
 * halts. image_base: for backtraces. */
void stop_configure(int poweroff, uint64_t image_base, void (*idle)(void));
void hv_stop(enum ftv_stop code) __attribute__((noreturn));
/* For broken invariants only: message, backtrace, STOP_HV_FAULT. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void print_backtrace(uint64_t rbp);

#endif
