/*
 * Execution points behind one interface, two backends chosen at boot:
 *
 *  - emulator: the VMX-preemption timer with "save timer value on exit".
 *    In Bochs it ticks once per guest instruction (rate 0), so it is an exact
 *    instruction counter and "stop after exactly N instructions" is a timer
 *    value (shared/notes/platform.md has the measurements).
 *  - pmu: retired conditional branches counted while the guest runs; to
 *    reach a point, overflow early by a skid margin, then single-step with
 *    the monitor trap flag until count, RIP and RCX all match.
 *
 * The rest of ftvisor sees only v->point (struct exec_point in event.h) and
 * these calls.
 */
#ifndef FTV_EXECPOINT_H
#define FTV_EXECPOINT_H

#include <stdint.h>

#include "hv/eventlog/event.h"

struct vcpu;
struct vm_exit;
struct vmx_plan;

struct execpoint_backend {
	const char *name;
	/* Prepares counters and VMCS controls; 0, or -1 after a console line. */
	int (*init)(struct vcpu *v);
	/* Before each VM entry. Run at most 'slice' preemption-timer ticks. If
	 * stop_at is not NULL: with 'exact', come back exactly at that point
	 * (an interrupt or a hash belongs there); without, only make sure the
	 * guest cannot run on far past it (the point is an input the guest
	 * exits for by itself; passing it unnoticed would be a divergence).
	 * stop_at is never the current point itself. */
	void (*prepare_entry)(struct vcpu *v, const struct exec_point *stop_at, int exact,
			      uint32_t slice);
	/* After each VM exit: brings v->point up to date (count, rip, rcx). */
	void (*account_exit)(struct vcpu *v, const struct vm_exit *e);
	/* An exit caused by the backend itself (a PMI, a monitor-trap step):
	 * returns 1 if it consumed the exit. */
	int (*handle_exit)(struct vcpu *v, const struct vm_exit *e);
};

extern const struct execpoint_backend execpoint_emulator;
extern const struct execpoint_backend execpoint_pmu;

enum execpoint_choice { EXECPOINT_AUTO = 0, EXECPOINT_EMULATOR = 1, EXECPOINT_PMU = 2 };

/* Picks the backend for this machine (and says which on the console).
 * *exact is 0 when no counter is exact here: the guest still runs, but
 * record/replay is refused. */
const struct execpoint_backend *execpoint_select(struct vcpu *v, enum execpoint_choice choice,
						 int *exact);

/*
 * The preemption-timer value that runs the guest for at most 'slice' ticks
 * and, when 'target' is not 0, stops it after exactly target - count counted
 * instructions. Bochs charges one tick to every entry loaded with a value of
 * 1 or more, so a value of k + 1 runs k instructions; at count == target the
 * value 2 lets through one instruction that exits by itself (those are not
 * counted) and any other instruction overshoots, which the engine reports.
 */
uint32_t execpoint_timer_value(uint64_t count, uint64_t target, uint32_t slice);
/* Guest instructions run during one entry, from the loaded and saved values. */
uint64_t execpoint_timer_consumed(uint32_t loaded, uint32_t saved);

#endif
