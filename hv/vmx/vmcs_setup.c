/*
 * Building the VMCS: controls from the plan, the host state ftvisor returns
 * to on every exit, and (vcpu_reset.c) the guest's state at power-on.
 */
#include "hv/vmx/vmcs_setup.h"

#include <malloc.h>
#include <string.h>

#include "hv/lib/log.h"
#include "hv/vmx/vmcs.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/segments.h"
#include "arch/x86_64/vmx_ops.h"

#define FTV_VPID 1

static void write_controls(struct vcpu *v)
{
	const struct vmx_plan *p = v->plan;
	vmcs_write(VMCS_PIN_CONTROLS, p->ctl[CTL_PIN]);
	vmcs_write(VMCS_PROC_CONTROLS, p->ctl[CTL_PROC]);
	vmcs_write(VMCS_PROC_CONTROLS2, p->ctl[CTL_PROC2]);
	vmcs_write(VMCS_EXIT_CONTROLS, p->ctl[CTL_EXIT]);
	vmcs_write(VMCS_ENTRY_CONTROLS, p->ctl[CTL_ENTRY]);
	v->proc_ctl = p->ctl[CTL_PROC];

	vmcs_write(VMCS_EXCEPTION_BITMAP, 0);   /* the guest handles its own exceptions */
	vmcs_write(VMCS_PF_ERROR_MASK, 0);
	vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_EPT_POINTER, v->eptp);
	/* Counters off on both sides until the PMU backend enables the guest's. */
	if (p->ctl[CTL_ENTRY] & ENTRY_LOAD_PERF_GLOBAL_CTRL)
		vmcs_write(VMCS_GUEST_PERF_GLOBAL_CTRL, 0);
	if (p->ctl[CTL_EXIT] & EXIT_LOAD_PERF_GLOBAL_CTRL)
		vmcs_write(VMCS_HOST_PERF_GLOBAL_CTRL, 0);
	if (p->vpid)
		vmcs_write(VMCS_VPID, FTV_VPID);
	vmcs_write(VMCS_LINK_POINTER, ~0ull);
}

static void write_host_state(void)
{
	struct descriptor_table gdt = gdt_current(), idt = idt_current();
	vmcs_write(VMCS_HOST_CR0, cpu_read_cr0());
	vmcs_write(VMCS_HOST_CR3, cpu_read_cr3());
	vmcs_write(VMCS_HOST_CR4, cpu_read_cr4());
	vmcs_write(VMCS_HOST_CS_SEL, HOST_CS_SEL);
	vmcs_write(VMCS_HOST_SS_SEL, HOST_DS_SEL);
	vmcs_write(VMCS_HOST_DS_SEL, HOST_DS_SEL);
	vmcs_write(VMCS_HOST_ES_SEL, HOST_DS_SEL);
	vmcs_write(VMCS_HOST_FS_SEL, HOST_DS_SEL);
	vmcs_write(VMCS_HOST_GS_SEL, HOST_DS_SEL);
	vmcs_write(VMCS_HOST_TR_SEL, HOST_TSS_SEL);
	vmcs_write(VMCS_HOST_FS_BASE, 0);
	vmcs_write(VMCS_HOST_GS_BASE, 0);
	vmcs_write(VMCS_HOST_TR_BASE, tss_base());
	vmcs_write(VMCS_HOST_GDTR_BASE, gdt.base);
	vmcs_write(VMCS_HOST_IDTR_BASE, idt.base);
	vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_EFER, cpu_rdmsr(MSR_IA32_EFER));
	vmcs_write(VMCS_HOST_PAT, cpu_rdmsr(MSR_IA32_PAT));
	vmcs_write(VMCS_HOST_RIP, (uint64_t)vmx_exit_entry);
	/* HOST_RSP is written by vmx_enter, on the stack it is called from. */
}

int vmcs_create(struct vcpu *v)
{
	uint32_t *vmcs = memalign(4096, 4096);
	if (!vmcs) {
		log_error("vmx", "out of memory for the VMCS");
		return -1;
	}
	memset(vmcs, 0, 4096);
	vmcs[0] = v->plan->revision;
	v->vmcs_phys = (uint64_t)vmcs;
	if (vmclear(v->vmcs_phys) != VMX_OK || vmptrld(v->vmcs_phys) != VMX_OK) {
		log_error("vmx", "VMCLEAR/VMPTRLD failed (VM-instruction error %u)",
			  vmcs_instruction_error());
		return -1;
	}
	write_controls(v);
	write_host_state();
	vcpu_reset(v);
	return 0;
}
