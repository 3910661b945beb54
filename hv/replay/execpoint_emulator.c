/*
 * The emulator backend: the VMX-preemption timer counts guest instructions
 * one for one (Bochs, rate shift 0), and "save timer value on exit" tells how
 * many ran. The same timer also bounds each time slice.
 */
#include "hv/replay/execpoint.h"

#include "hv/lib/log.h"
#include "hv/vmx/vcpu.h"
#include "hv/vmx/vmcs.h"

static int emulator_init(struct vcpu *v)
{
	if (v->plan->preemption_rate != 0) {
		log_error("replay", "the preemption timer ticks every 2^%u TSC cycles, not per "
				    "instruction: the emulator counter cannot run here",
			  v->plan->preemption_rate);
		return -1;
	}
	return 0;
}

/* Stopping exactly costs nothing extra here, so every stop is exact. */
static void emulator_prepare_entry(struct vcpu *v, const struct exec_point *stop_at, int exact,
				   uint32_t slice)
{
	(void)exact;
	uint32_t value = execpoint_timer_value(v->point.count, stop_at ? stop_at->count : 0, slice);
	v->timer_loaded = value;
	vmcs_write(VMCS_PREEMPTION_TIMER, value);
}

static void emulator_account_exit(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t saved = (uint32_t)vmcs_read(VMCS_PREEMPTION_TIMER);
	v->point.count += execpoint_timer_consumed(v->timer_loaded, saved);
	v->point.rip = e->rip;
	v->point.rcx = v->ctx.gpr[GPR_RCX];
}

static int emulator_handle_exit(struct vcpu *v, const struct vm_exit *e)
{
	(void)v;
	(void)e;
	return 0; /* its only exit, the timer, is an ordinary time-slice exit */
}

const struct execpoint_backend execpoint_emulator = {
	"emulator (VMX-preemption timer as instruction counter)",
	emulator_init,
	emulator_prepare_entry,
	emulator_account_exit,
	emulator_handle_exit,
};
