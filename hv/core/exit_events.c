/* Exits that are events rather than instructions: host interrupts, the
 * interrupt window, the time slice, and the guest breaking down. */
#include "hv/core/exit_handlers.h"

#include "hv/lib/log.h"
#include "hv/vmx/host.h"
#include "hv/vmx/vmcs.h"
#include "arch/x86_64/irq.h"

void exit_external_interrupt(struct vcpu *v, const struct vm_exit *e)
{
	(void)v;
	/* Acknowledged on exit: the same handler as when the host sleeps. */
	irq_dispatch((uint8_t)INTR_INFO_VECTOR(e->intr_info));
}

/*
 * NMI exiting sends every NMI that arrives while the guest runs here (exit
 * reason 0, interruption type NMI): it is the host's (a watchdog, a platform
 * error), never the guest's, so it is neither recorded nor replayed. It is
 * counted, and the guest resumes as after any host interrupt. The exit left
 * NMIs blocked until the host executes an IRET, hence one to ourselves.
 */
int exit_host_nmi(struct vcpu *v, const struct vm_exit *e)
{
	if (e->reason != EXIT_EXCEPTION_NMI || !(e->intr_info & INTR_INFO_VALID) ||
	    INTR_INFO_TYPE(e->intr_info) != INTR_TYPE_NMI)
		return 0;
	v->host_nmis++;
	log_debug("vmx", "host NMI %llu while the guest ran (RIP 0x%llx): counted, guest resumed",
		  (unsigned long long)v->host_nmis, (unsigned long long)e->rip);
	host_nmi_unblock();
	return 1;
}

void exit_interrupt_window(struct vcpu *v, const struct vm_exit *e)
{
	(void)e;
	/* The loop injects before the next entry; only the request ends here. */
	vcpu_set_interrupt_window(v, 0);
}

void exit_preemption_timer(struct vcpu *v, const struct vm_exit *e)
{
	(void)v;
	(void)e;
	/* The slice ended; the loop checks the virtual timer before re-entry. */
}

void exit_triple_fault(struct vcpu *v, const struct vm_exit *e)
{
	vcpu_dump(v);
	vcpu_stop(v, STOP_GUEST_CRASHED, "guest triple fault at RIP 0x%llx (the guest's exception "
					 "handling failed; its IDT or stack is broken)",
		  (unsigned long long)e->rip);
}

/* EPT-violation qualification: what the access was (SDM table 28-7). */
#define EPT_Q_READ (1ull << 0)
#define EPT_Q_WRITE (1ull << 1)
#define EPT_Q_FETCH (1ull << 2)

void exit_ept_violation(struct vcpu *v, const struct vm_exit *e)
{
	if (!(e->qualification & EPT_Q_FETCH) && exit_mmio(v, e))
		return;
	const char *what = (e->qualification & EPT_Q_FETCH)   ? "instruction fetch"
			   : (e->qualification & EPT_Q_WRITE) ? "write"
							       : "read";
	vcpu_dump(v);
	vcpu_stop(v, STOP_GUEST_CRASHED,
		  "guest %s at guest-physical 0x%llx, outside its %llu MiB of RAM (RIP 0x%llx)", what,
		  (unsigned long long)e->guest_phys, (unsigned long long)(v->ram_size >> 20),
		  (unsigned long long)e->rip);
}

void exit_unexpected(struct vcpu *v, const struct vm_exit *e)
{
	log_error("vmx", "unexpected VM exit %u (%s), qualification 0x%llx, interruption info 0x%x",
		  e->reason, exit_reason_name(e->reason), (unsigned long long)e->qualification,
		  e->intr_info);
	vcpu_dump(v);
	vcpu_stop(v, STOP_GUEST_CRASHED, "unexpected VM exit: %s (reason %u) at RIP 0x%llx",
		  exit_reason_name(e->reason), e->reason, (unsigned long long)e->rip);
}
