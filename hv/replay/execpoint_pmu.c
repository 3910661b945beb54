/*
 * The hardware execution-point backend. The count is the guest's retired
 * conditional branches: IA32_PMC0 counts them in user and kernel mode, and
 * the VM-entry and VM-exit controls "load IA32_PERF_GLOBAL_CTRL" switch it
 * on exactly while the guest runs. The 64-bit count is the sum of the
 * counter's progress from exit to exit.
 *
 * To stop at a point, pmu_stepper decides before every entry: arm the
 * counter to overflow a skid margin early, or single-step with the monitor
 * trap flag. The overflow interrupt uses a fixed vector rather than NMI
 * delivery: ftvisor runs with interrupts disabled, so an interrupt raised
 * just as the guest exits for another reason waits in the local APIC and
 * ends the next entry at once (external-interrupt exiting), where an NMI
 * would land in the host's exception handler, which stops the machine.
 */
#include "hv/replay/execpoint.h"
#include "hv/replay/execpoint_pmu.h"

#include <string.h>

#include "hv/lib/log.h"
#include "hv/lib/stop.h"
#include "arch/x86_64/irq.h"
#include "hv/vmx/vcpu.h"
#include "hv/vmx/vmcs.h"

/* Single steps for one target before it is declared lost: far more than a
 * skid's worth of code plus the longest REP string worth walking. */
#define PMU_MAX_STEPS (1ull << 22)
/* Armed exits in a row without one branch retiring: a guest spinning on an
 * unconditional jump short of its target never gets there. */
#define PMU_MAX_STALLS 100000ull

static int pmu_allowed_proc(const struct vcpu *v, uint32_t bit)
{
	return ((uint32_t)(v->caps->proc >> 32) & bit) != 0;
}

/* The overflow interrupt, whether it forced a VM exit or arrived while
 * the host slept: the point is brought up to date by account_exit, the
 * next prepare_entry decides what to do. */
static void pmu_interrupt(void *ctx, uint8_t vector)
{
	struct vcpu *v = ctx;
	(void)vector;
	pmu_ack_interrupt();
	v->pmu.interrupts++;
}

static int pmu_init(struct vcpu *v)
{
	struct execpoint_pmu_state *p = &v->pmu;
	char why[192];

	memset(p, 0, sizeof(*p));
	/* VMX first: these checks touch no hardware. The monitor trap flag is
	 * set and cleared per entry, never at start. */
	if (!pmu_allowed_proc(v, PROC_MONITOR_TRAP_FLAG)) {
		log_info("replay", "no branch counter: the CPU has no monitor trap flag to single-step");
		return -1;
	}
	if (!(v->plan->ctl[CTL_ENTRY] & ENTRY_LOAD_PERF_GLOBAL_CTRL) ||
	    !(v->plan->ctl[CTL_EXIT] & EXIT_LOAD_PERF_GLOBAL_CTRL)) {
		log_info("replay", "no branch counter: the CPU cannot switch IA32_PERF_GLOBAL_CTRL "
				   "on VM entry and exit, so the counter would count the host too");
		return -1;
	}
	if (pmu_detect(&p->info, why, sizeof(why)) != 0 ||
	    pmu_probe(&p->info, why, sizeof(why)) != 0) {
		log_info("replay", "no branch counter: %s", why);
		return -1;
	}
	irq_register(PMU_INTERRUPT_VECTOR, pmu_interrupt, v);
	pmu_start(&p->info);
	vmcs_write(VMCS_GUEST_PERF_GLOBAL_CTRL, PERF_GLOBAL_PMC0);
	vmcs_write(VMCS_HOST_PERF_GLOBAL_CTRL, 0);
	p->skid = p->info.skid;
	p->hw_last = pmu_read();
	p->count_seen = v->point.count;
	if (!p->info.freeze_in_smm || !(v->plan->ctl[CTL_ENTRY] & ENTRY_LOAD_DEBUG_CONTROLS))
		log_warn("replay", "branch counter runs on in SMM: a firmware SMI during the guest "
				   "can shift the count and fail a replay");
	log_info("replay", "branch counter: %s (family %u model 0x%02x), event %02xH umask %02xH, "
			   "%u-bit counters, margin %u branches",
		 p->info.uarch, p->info.family, p->info.model, p->info.event, p->info.umask,
		 p->info.width, p->skid);
	return 0;
}

static void set_mtf(struct vcpu *v, int on)
{
	uint32_t want = on ? v->proc_ctl | PROC_MONITOR_TRAP_FLAG
			   : v->proc_ctl & ~PROC_MONITOR_TRAP_FLAG;
	if (want != v->proc_ctl) {
		v->proc_ctl = want;
		vmcs_write(VMCS_PROC_CONTROLS, want);
	}
	v->pmu.mtf = on;
}

/* Makes PMC0 overflow 'branches' from now, when the count reaches 'at'. */
static void arm(struct execpoint_pmu_state *p, uint64_t at, uint64_t branches)
{
	/* After an unrelated exit the overflow point is often unchanged, and
	 * the counter, counting in step with the count, already holds it. */
	if (at == p->hw_armed_at)
		return;
	uint64_t value = pmu_counter_arm_value(branches, p->info.width);
	pmu_write(value);
	p->hw_last = value;
	p->hw_armed_at = at;
}

static void report_miss(struct vcpu *v)
{
	const struct pmu_stepper *s = &v->pmu.stepper;
	vcpu_stop(v, STOP_DIVERGED, "missed the execution point (%s): want %llu/0x%llx/0x%llx "
				    "(branches/rip/rcx), at %llu/0x%llx/0x%llx",
		  pmu_miss_name(s->miss), (unsigned long long)s->target.count,
		  (unsigned long long)s->target.rip, (unsigned long long)s->target.rcx,
		  (unsigned long long)v->point.count, (unsigned long long)v->point.rip,
		  (unsigned long long)v->point.rcx);
}

static void pmu_prepare_entry(struct vcpu *v, const struct exec_point *stop_at, int exact,
			      uint32_t slice)
{
	struct execpoint_pmu_state *p = &v->pmu;
	int step = 0;

	/* The count was set from outside (a power-on, a snapshot restored):
	 * PMC0 no longer tracks it, so forget the overflow point and pursuit. */
	if (v->point.count != p->count_seen) {
		p->hw_armed_at = 0;
		p->pursuing = 0;
		p->count_seen = v->point.count;
	}
	/* A guest reset clears the guest's DEBUGCTL; the guest itself can
	 * neither read nor write it (MSR exits), so the bit stays ours. */
	if (p->info.freeze_in_smm && (v->plan->ctl[CTL_ENTRY] & ENTRY_LOAD_DEBUG_CONTROLS)) {
		uint64_t debugctl = vmcs_read(VMCS_GUEST_DEBUGCTL);
		if (!(debugctl & DEBUGCTL_FREEZE_WHILE_SMM))
			vmcs_write(VMCS_GUEST_DEBUGCTL, debugctl | DEBUGCTL_FREEZE_WHILE_SMM);
	}
	vmcs_write(VMCS_PREEMPTION_TIMER, slice);

	if (!stop_at) {
		p->pursuing = 0;
	} else if (!exact) {
		/* Only a bound: overflow one branch past the point, no stepping.
		 * If it fires, the engine sees a count past the input it awaits. */
		uint64_t left = stop_at->count >= v->point.count ? stop_at->count - v->point.count : 0;
		uint64_t n = left + 1 < PMU_MAX_ARM ? left + 1 : PMU_MAX_ARM;
		p->pursuing = 0;
		arm(p, v->point.count + n, n);
	} else {
		if (!p->pursuing || !exec_point_equal(&p->stepper.target, stop_at)) {
			struct pmu_stepper_limits lim = { p->skid, PMU_MAX_ARM, PMU_MAX_STEPS,
							  PMU_MAX_STALLS };
			pmu_stepper_start(&p->stepper, stop_at, &lim);
			p->pursuing = 1;
			p->pursuits++;
		}
		uint64_t n = 0;
		switch (pmu_stepper_next(&p->stepper, &v->point, &n)) {
		case PMU_ARM:
			arm(p, p->stepper.armed_at, n);
			break;
		case PMU_STEP:
			step = 1;
			p->steps++;
			break;
		case PMU_ARRIVED:
			panic("execpoint_pmu: asked to stop at the current point %llu/0x%llx/0x%llx",
			      (unsigned long long)v->point.count, (unsigned long long)v->point.rip,
			      (unsigned long long)v->point.rcx);
		case PMU_OVERSHOT:
			report_miss(v);
			break;
		}
		if (p->stepper.late_max > p->late_max)
			p->late_max = p->stepper.late_max;
	}
	set_mtf(v, step);
}

static void pmu_account_exit(struct vcpu *v, const struct vm_exit *e)
{
	struct execpoint_pmu_state *p = &v->pmu;
	uint64_t now = pmu_read();
	v->point.count += pmu_counter_delta(p->hw_last, now, p->info.width);
	v->point.rip = e->rip;
	v->point.rcx = v->ctx.gpr[GPR_RCX];
	p->hw_last = now;
	p->count_seen = v->point.count;
}

static int pmu_handle_exit(struct vcpu *v, const struct vm_exit *e)
{
	struct execpoint_pmu_state *p = &v->pmu;
	/* A step needs nothing more: account_exit has brought the point up to
	 * date and the next prepare_entry decides. (The overflow interrupt's
	 * exit goes to irq_dispatch() like any host interrupt.) */
	return e->reason == EXIT_MONITOR_TRAP_FLAG && p->mtf;
}

void execpoint_pmu_print_stats(const struct vcpu *v)
{
	const struct execpoint_pmu_state *p = &v->pmu;
	log_info("replay", "branch counter: %llu targets, %llu overflow interrupts, %llu single "
			   "steps; latest interrupt %llu branches after overflow (margin %u)",
		 (unsigned long long)p->pursuits, (unsigned long long)p->interrupts,
		 (unsigned long long)p->steps, (unsigned long long)p->late_max, p->skid);
}

const struct execpoint_backend execpoint_pmu = {
	"pmu (retired conditional branches, overflow interrupt, monitor-trap steps)",
	pmu_init,
	pmu_prepare_entry,
	pmu_account_exit,
	pmu_handle_exit,
};
