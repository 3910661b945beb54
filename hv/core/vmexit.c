/*
 * The run loop: deliver pending events, bound the guest's time slice, enter,
 * and dispatch the exit to its handler. One table maps every exit reason to
 * its name and handler; reasons without a handler stop the guest with a
 * full report, and the hypervisor stays up.
 */
#include "hv/core/vmexit.h"

#include <stdio.h>

#include "arch/x86_64/exceptions.h"
#include "hv/core/exit_handlers.h"
#include "hv/lib/log.h"
#include "hv/replay/nondet.h"
#include "hv/vmx/inject.h"
#include "hv/vmx/vmcs.h"

struct exit_entry {
	const char *name;
	exit_handler_fn handle;
};

static const struct exit_entry exit_table[EXIT_REASON_COUNT] = {
	/* Host NMIs are handled before dispatch; a guest exception here is a bug. */
	[EXIT_EXCEPTION_NMI] = { "exception or NMI", exit_unexpected },
	[EXIT_EXTERNAL_INTERRUPT] = { "external interrupt", exit_external_interrupt },
	[EXIT_TRIPLE_FAULT] = { "triple fault", exit_triple_fault },
	[EXIT_INIT] = { "INIT signal", exit_unexpected },
	[EXIT_SIPI] = { "start-up IPI", exit_unexpected },
	[EXIT_IO_SMI] = { "I/O SMI", exit_unexpected },
	[EXIT_OTHER_SMI] = { "other SMI", exit_unexpected },
	[EXIT_INTERRUPT_WINDOW] = { "interrupt window", exit_interrupt_window },
	[EXIT_NMI_WINDOW] = { "NMI window", exit_unexpected },
	[EXIT_TASK_SWITCH] = { "task switch", exit_unexpected },
	[EXIT_CPUID] = { "CPUID", exit_cpuid },
	[EXIT_GETSEC] = { "GETSEC", exit_undefined_opcode },
	[EXIT_HLT] = { "HLT", exit_hlt },
	[EXIT_INVD] = { "INVD", exit_skip },
	[EXIT_INVLPG] = { "INVLPG", exit_unexpected },
	[EXIT_RDPMC] = { "RDPMC", exit_general_protection },
	[EXIT_RDTSC] = { "RDTSC", exit_rdtsc },
	[EXIT_RSM] = { "RSM", exit_undefined_opcode },
	[EXIT_VMCALL] = { "VMCALL", exit_vmcall },
	[EXIT_VMCLEAR] = { "VMCLEAR", exit_undefined_opcode },
	[EXIT_VMLAUNCH] = { "VMLAUNCH", exit_undefined_opcode },
	[EXIT_VMPTRLD] = { "VMPTRLD", exit_undefined_opcode },
	[EXIT_VMPTRST] = { "VMPTRST", exit_undefined_opcode },
	[EXIT_VMREAD] = { "VMREAD", exit_undefined_opcode },
	[EXIT_VMRESUME] = { "VMRESUME", exit_undefined_opcode },
	[EXIT_VMWRITE] = { "VMWRITE", exit_undefined_opcode },
	[EXIT_VMXOFF] = { "VMXOFF", exit_undefined_opcode },
	[EXIT_VMXON] = { "VMXON", exit_undefined_opcode },
	[EXIT_CR_ACCESS] = { "CR access", exit_cr_access },
	[EXIT_DR_ACCESS] = { "DR access", exit_unexpected },
	[EXIT_IO_INSTRUCTION] = { "I/O", exit_io },
	[EXIT_RDMSR] = { "RDMSR", exit_rdmsr },
	[EXIT_WRMSR] = { "WRMSR", exit_wrmsr },
	[EXIT_ENTRY_FAIL_GUEST_STATE] = { "entry failure: invalid guest state", exit_unexpected },
	[EXIT_ENTRY_FAIL_MSR_LOADING] = { "entry failure: MSR loading", exit_unexpected },
	[EXIT_MWAIT] = { "MWAIT", exit_undefined_opcode },
	[EXIT_MONITOR_TRAP_FLAG] = { "monitor trap flag", exit_unexpected },
	[EXIT_MONITOR] = { "MONITOR", exit_undefined_opcode },
	[EXIT_PAUSE] = { "PAUSE", exit_skip },
	[EXIT_ENTRY_FAIL_MACHINE_CHECK] = { "entry failure: machine check", exit_unexpected },
	[EXIT_TPR_BELOW_THRESHOLD] = { "TPR below threshold", exit_unexpected },
	[EXIT_APIC_ACCESS] = { "APIC access", exit_unexpected },
	[EXIT_VIRTUALIZED_EOI] = { "virtualized EOI", exit_unexpected },
	[EXIT_GDTR_IDTR] = { "GDTR/IDTR access", exit_unexpected },
	[EXIT_LDTR_TR] = { "LDTR/TR access", exit_unexpected },
	[EXIT_EPT_VIOLATION] = { "EPT violation", exit_ept_violation },
	[EXIT_EPT_MISCONFIG] = { "EPT misconfiguration", exit_unexpected },
	[EXIT_INVEPT] = { "INVEPT", exit_undefined_opcode },
	[EXIT_RDTSCP] = { "RDTSCP", exit_rdtscp },
	[EXIT_PREEMPTION_TIMER] = { "preemption timer", exit_preemption_timer },
	[EXIT_INVVPID] = { "INVVPID", exit_undefined_opcode },
	[EXIT_WBINVD] = { "WBINVD", exit_skip },
	[EXIT_XSETBV] = { "XSETBV", exit_undefined_opcode },
	[EXIT_APIC_WRITE] = { "APIC write", exit_unexpected },
	[EXIT_RDRAND] = { "RDRAND", exit_rdrand },
	[EXIT_INVPCID] = { "INVPCID", exit_undefined_opcode },
	[EXIT_VMFUNC] = { "VMFUNC", exit_undefined_opcode },
	[EXIT_ENCLS] = { "ENCLS", exit_undefined_opcode },
	[EXIT_RDSEED] = { "RDSEED", exit_rdrand },
	[EXIT_PML_FULL] = { "PML full", exit_unexpected },
	[EXIT_XSAVES] = { "XSAVES", exit_undefined_opcode },
	[EXIT_XRSTORS] = { "XRSTORS", exit_undefined_opcode },
};

const char *exit_reason_name(uint32_t reason)
{
	if (reason < EXIT_REASON_COUNT && exit_table[reason].name)
		return exit_table[reason].name;
	return "unknown";
}

static void read_exit(struct vm_exit *e)
{
	e->raw_reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
	e->reason = EXIT_REASON_BASIC(e->raw_reason);
	e->qualification = vmcs_read(VMCS_EXIT_QUALIFICATION);
	e->instr_len = (uint32_t)vmcs_read(VMCS_EXIT_INSTRUCTION_LEN);
	e->instr_info = (uint32_t)vmcs_read(VMCS_EXIT_INSTRUCTION_INFO);
	e->intr_info = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO);
	e->guest_phys = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS);
	e->rip = vmcs_read(VMCS_GUEST_RIP);
}

void vcpu_run(struct vcpu *v)
{
	struct vm_exit e = { 0 };
	v->state = VCPU_RUNNING;

	while (v->state == VCPU_RUNNING) {
		if (v->service)
			v->service(v);
		nd_before_entry(v, inject_pending());
		if (v->state != VCPU_RUNNING)
			break;

		int rc = vmx_enter(&v->ctx);
		if (rc != 0) {
			uint32_t err = vmcs_instruction_error();
			vcpu_dump(v);
			vcpu_stop(v, STOP_VMX_SETUP, "%s failed: VM-instruction error %u (%s)",
				  v->ctx.launched ? "VMRESUME" : "VMLAUNCH", err,
				  vmcs_instruction_error_name(err));
			break;
		}
		v->ctx.launched = 1;
		read_exit(&e);
		v->ep->account_exit(v, &e);
		v->exits++;
		if (e.reason < EXIT_REASON_COUNT)
			v->exit_counts[e.reason]++;
		inject_interrupted(); /* before any handler queues behind it */
		if (e.raw_reason & EXIT_REASON_ENTRY_FAILURE) {
			vcpu_dump(v);
			vcpu_stop(v, STOP_GUEST_CRASHED,
				  "VM entry failed: %s (reason %u, qualification 0x%llx)",
				  exit_reason_name(e.reason), e.reason,
				  (unsigned long long)e.qualification);
			break;
		}
		/* The host's NMIs are not the guest's business: before any guest exit. */
		if (exit_host_nmi(v, &e) || v->ep->handle_exit(v, &e))
			continue;
		const struct exit_entry *h = e.reason < EXIT_REASON_COUNT ? &exit_table[e.reason] : NULL;
		if (h && h->handle)
			h->handle(v, &e);
		else
			exit_unexpected(v, &e);
	}
	vuart_flush(&v->uart);
	nd_guest_stopped(v);
}

void vcpu_print_exit_counts(const struct vcpu *v)
{
	log_info("vmx", "%llu VM exits, %llu interrupts injected, %llu host NMIs (%llu while the "
			"guest ran):",
		 (unsigned long long)v->exits, (unsigned long long)v->interrupts_injected,
		 (unsigned long long)(v->host_nmis + host_nmis_outside_guest),
		 (unsigned long long)v->host_nmis);
	for (uint32_t r = 0; r < EXIT_REASON_COUNT; r++)
		if (v->exit_counts[r])
			console_printf("  exit %-3u %-26s %10llu\n", r, exit_reason_name(r),
				       (unsigned long long)v->exit_counts[r]);
}
