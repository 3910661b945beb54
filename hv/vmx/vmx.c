#include "hv/vmx/vmx.h"

#include <malloc.h>
#include <string.h>

#include "hv/lib/log.h"
#include "hv/vmx/vmx_defs.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmx_ops.h"

#define CPUID_1_ECX_VMX (1u << 5)

static void read_caps(struct vmx_caps *c)
{
	c->basic = cpu_rdmsr(MSR_IA32_VMX_BASIC);
	int true_ctls = (c->basic & VMX_BASIC_TRUE_CONTROLS) != 0;
	/* The TRUE_ MSRs allow clearing "default1" bits that older CPUs forced. */
	c->pin = cpu_rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	c->proc = cpu_rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = cpu_rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	c->entry = cpu_rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	c->misc = cpu_rdmsr(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = cpu_rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = cpu_rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = cpu_rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = cpu_rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	/* Secondary controls and EPT capabilities exist only if allowed at all. */
	c->proc2 = (c->proc >> 32) & PROC_SECONDARY_CONTROLS ? cpu_rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) : 0;
	c->ept_vpid = (c->proc2 >> 32) & (PROC2_EPT | PROC2_VPID) ? cpu_rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) : 0;
}

enum ftv_stop vmx_detect(struct vmx_caps *caps, struct vmx_plan *plan)
{
	struct cpuid_regs r = cpu_cpuid(1, 0);
	if (!(r.ecx & CPUID_1_ECX_VMX)) {
		log_error("vmx", "VT-x is unavailable: this CPU does not offer VMX (CPUID.1:ECX.VMX = 0)");
		log_error("vmx", "run ftvisor on an Intel CPU with VT-x, under KVM with nested VMX, "
				 "or in Bochs with a VMX cpu model (make run-bochs)");
		return STOP_NO_VMX;
	}
	uint64_t fc = cpu_rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		log_error("vmx", "VT-x is disabled by firmware (IA32_FEATURE_CONTROL locked without "
				 "VMXON outside SMX): enable Intel Virtualization Technology in the "
				 "firmware setup");
		return STOP_VMX_DISABLED;
	}
	if (!(fc & FEATURE_CONTROL_LOCK)) {
		/* Unlocked (seen under OVMF in Bochs): enable VMX and lock it, as firmware would. */
		cpu_wrmsr(MSR_IA32_FEATURE_CONTROL,
			  fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	}
	read_caps(caps);
	static char why[VMX_PLAN_ERROR_MAX];
	if (vmx_plan_make(caps, plan, why, sizeof(why)) != 0) {
		log_error("vmx", "this CPU's VT-x lacks what ftvisor needs: %s", why);
		return STOP_VMX_SETUP;
	}
	return STOP_GUEST_PASSED;
}

void vmx_print_plan(const struct vmx_plan *plan)
{
	size_t n;
	const struct vmx_ctl *t = vmx_ctl_table(&n);
	log_info("vmx", "VT-x: VMCS revision 0x%x, %u-byte VMCS, preemption timer rate 2^%u, "
			"EPT %s, VPID %s",
		 plan->revision, plan->vmcs_size, plan->preemption_rate,
		 plan->ept_1g ? "4-level with 1 GiB pages" : "4-level with 2 MiB pages",
		 plan->vpid ? "on" : "off");
	for (size_t i = 0; i < n; i++)
		if (plan->dropped[t[i].kind] & t[i].bit)
			log_warn("vmx", "no %s (%s control): %s", t[i].name,
				 vmx_ctl_kind_name(t[i].kind), t[i].why);
}

int vmx_on(const struct vmx_plan *plan)
{
	struct vmx_caps c;
	read_caps(&c);
	/* VMXON needs CR0/CR4 within the fixed bits, CR4.VMXE among them. */
	cpu_write_cr0((cpu_read_cr0() | c.cr0_fixed0) & c.cr0_fixed1);
	cpu_write_cr4((cpu_read_cr4() | c.cr4_fixed0 | CR4_VMXE) & c.cr4_fixed1);

	uint32_t *region = memalign(4096, 4096);
	if (!region) {
		log_error("vmx", "out of memory for the VMXON region");
		return -1;
	}
	memset(region, 0, 4096);
	region[0] = plan->revision;
	int rc = vmxon((uint64_t)region);
	if (rc != VMX_OK) {
		log_error("vmx", "VMXON failed (%s)",
			  rc == VMX_FAIL_INVALID ? "VMfailInvalid" : "VMfailValid");
		return -1;
	}
	log_info("vmx", "VMX root operation entered");
	return 0;
}
