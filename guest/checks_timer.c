/*
 * Checks of the virtual x2APIC timer and of interrupt delivery: the
 * hypervisor must inject timer interrupts, wake the guest from HLT, and
 * hold an interrupt while the guest runs with IF=0.
 */
#include "apic.h"
#include "checks.h"
#include "codes.h"
#include "print.h"
#include "report.h"
#include "x86.h"

#define TIMER_INITIAL_COUNT 200000
/*
 * Bounds that keep every wait finite if the hypervisor misbehaves. Each
 * spin iteration costs tens of cycles or more, so the limit is seconds.
 */
#define SPIN_LIMIT 100000000u
#define EARLY_WAKE_LIMIT 1000000u

/*
 * A consistent copy of the tick state with interrupts enabled: the handler
 * writes last_tsc before bumping count, so an unchanged count means no tick
 * landed between the two reads.
 */
static struct tick_state snapshot(void)
{
	struct tick_state s;

	do {
		s.count = ticks.count;
		s.last_tsc = ticks.last_tsc;
	} while (s.count != ticks.count);
	return s;
}

static void enable_x2apic(void)
{
	const uint64_t both = APIC_BASE_GLOBAL_ENABLE | APIC_BASE_X2APIC_ENABLE;
	uint64_t base = apic_enable_x2apic();

	if ((base & both) != both)
		fail(CODE_APIC_BASE, "x2apic: IA32_APIC_BASE reads 0x%llx after enabling",
		     base);
	print("x2apic: enabled, IA32_APIC_BASE 0x%llx\n", base);
}

uint32_t check_timer(uint32_t n)
{
	struct tick_state first, last;
	uint32_t early_wakes = 0, measured, period;
	uint64_t elapsed;

	enable_x2apic();
	apic_timer_start_periodic(TIMER_INITIAL_COUNT);
	sti();

	/* Spin, not HLT, for the first tick: if none ever comes, HLT never returns. */
	for (uint32_t i = 0; i < SPIN_LIMIT && ticks.count == 0; i++)
		pause();
	if (ticks.count == 0)
		fail(CODE_TIMER_FIRST, "timer: no interrupt after %u spins", SPIN_LIMIT);

	/*
	 * The timer works, so now wait the way an OS idles. A wakeup without a
	 * tick is legal (a spurious interrupt, or a hypervisor that treats HLT
	 * as a pause) but is counted and bounded.
	 */
	first = snapshot();
	while (ticks.count - first.count < n && early_wakes < EARLY_WAKE_LIMIT) {
		uint32_t before = ticks.count;

		sti_hlt();
		if (ticks.count == before)
			early_wakes++;
	}
	last = snapshot();
	measured = last.count - first.count;
	if (measured < n)
		fail(CODE_TIMER_TICKS, "timer: %u of %u interrupts, %u HLT wakeups without one",
		     measured, n, early_wakes);

	/* The period in TSC cycles times the interrupt window check. */
	elapsed = last.last_tsc - first.last_tsc;
	if ((elapsed >> 32) >= measured)
		fail(CODE_TIMER_PERIOD, "timer: period above 2^32 TSC cycles");
	period = div_u64_u32(elapsed, measured);
	if (period == 0)
		fail(CODE_TIMER_PERIOD, "timer: ticks without TSC progress");

	print("timer: %u interrupts, period %u TSC cycles, %u HLT wakeups without one\n",
	      last.count, period, early_wakes);
	return period;
}

void check_interrupt_window(uint32_t period)
{
	struct tick_state start;
	uint64_t deadline, sti_tsc;
	uint32_t i;

	/* Start right after a tick, so the following ones fall at known times. */
	start = snapshot();
	for (i = 0; i < SPIN_LIMIT && ticks.count == start.count; i++)
		pause();
	cli();
	if (ticks.count == start.count)
		fail(CODE_WINDOW_SYNC, "window: the timer stopped ticking");
	start = snapshot();

	/* IF=0 across two tick times (ticks at +1 and +2 periods): one must be held. */
	deadline = start.last_tsc + 2ull * period + period / 4;
	for (i = 0; i < SPIN_LIMIT && rdtsc() < deadline; i++)
		pause();
	if (rdtsc() < deadline)
		fail(CODE_WINDOW_SPIN, "window: spin limit hit before the TSC deadline");
	if (ticks.count != start.count)
		fail(CODE_WINDOW_EARLY, "window: %u interrupts taken with IF=0",
		     ticks.count - start.count);

	/*
	 * The held tick must come right after STI. A hypervisor that dropped it
	 * would only deliver the next periodic tick, 3/4 of a period later, so
	 * waiting half a period tells the two apart.
	 */
	sti_tsc = rdtsc();
	sti();
	deadline = sti_tsc + period / 2;
	for (i = 0; i < SPIN_LIMIT && ticks.count == start.count && rdtsc() < deadline; i++)
		pause();
	cli();
	apic_timer_mask();
	if (ticks.count == start.count)
		fail(CODE_WINDOW_LATE, "window: no interrupt within %u cycles of STI",
		     period / 2);

	print("window: no interrupt for 2.25 periods with IF=0, held tick came %u cycles after STI\n",
	      (uint32_t)(ticks.last_tsc - sti_tsc));
	print("timer: masked, interrupts off\n");
}
