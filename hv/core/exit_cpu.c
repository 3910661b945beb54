/* Exits for instructions: CPUID, control registers, HLT, VMCALL, and the
 * ones a guest may not use (#UD / #GP as hardware without them would). */
#include "hv/core/exit_handlers.h"

#include "hv/devices/cpu_model.h"
#include "hv/core/guest_abi.h"
#include "hv/lib/log.h"
#include "hv/replay/nondet.h"
#include "hv/vmx/inject.h"
#include "hv/vmx/vmcs.h"
#include "hv/vmx/vmcs_setup.h"

void exit_skip(struct vcpu *v, const struct vm_exit *e)
{
	vcpu_skip_instruction(v, e);
}

void exit_undefined_opcode(struct vcpu *v, const struct vm_exit *e)
{
	(void)e;
	inject_exception(v, VECTOR_UD, 0);
}

void exit_general_protection(struct vcpu *v, const struct vm_exit *e)
{
	(void)e;
	inject_exception(v, VECTOR_GP, 0);
}

void exit_cpuid(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t *g = v->ctx.gpr;
	struct cpuid_regs r = cpu_model_cpuid(v->cpu_model, (uint32_t)g[GPR_RAX], (uint32_t)g[GPR_RCX]);
	g[GPR_RAX] = r.eax;
	g[GPR_RBX] = r.ebx;
	g[GPR_RCX] = r.ecx;
	g[GPR_RDX] = r.edx;
	vcpu_skip_instruction(v, e);
}

/* Exit qualification for control-register accesses (SDM table 28-3). */
#define CR_NUMBER(q) ((unsigned)(q) & 0xf)
#define CR_ACCESS_TYPE(q) (((unsigned)(q) >> 4) & 3)
#define CR_GPR(q) (((unsigned)(q) >> 8) & 0xf)
#define CR_LMSW_DATA(q) (((q) >> 16) & 0xffff)
#define CR_MOV_TO 0
#define CR_MOV_FROM 1
#define CR_CLTS 2
#define CR_LMSW 3
#define CR0_TS (1ull << 3)

void exit_cr_access(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t q = e->qualification;
	unsigned cr = CR_NUMBER(q);
	switch (CR_ACCESS_TYPE(q)) {
	case CR_MOV_TO: {
		uint64_t val = vcpu_read_gpr(v, CR_GPR(q));
		if (cr == 0) {
			if ((val & CR0_PG) && !(vmcs_read(VMCS_GUEST_EFER) & EFER_LME) &&
			    (vmcs_read(VMCS_CR4_SHADOW) & CR4_PAE)) {
				/* With EPT, PAE paging needs the PDPTEs loaded by hand. */
				vcpu_stop(v, STOP_GUEST_CRASHED,
					  "guest enabled 32-bit PAE paging, which ftvisor does not support");
				return;
			}
			vcpu_set_cr0(v, val);
		} else if (cr == 4) {
			if (val & ~vcpu_cr4_allowed(v)) {
				/* A reserved bit, or the bit of a feature CPUID hides. */
				inject_exception(v, VECTOR_GP, 0);
				return;
			}
			vcpu_set_cr4(v, val);
		} else if (cr == 8) {
			v->lapic.tpr = (uint32_t)(val & 0xf) << 4;
		} else {
			vcpu_stop(v, STOP_GUEST_CRASHED, "unexpected write to CR%u", cr);
			return;
		}
		break;
	}
	case CR_MOV_FROM:
		if (cr != 8) {
			vcpu_stop(v, STOP_GUEST_CRASHED, "unexpected read of CR%u", cr);
			return;
		}
		vcpu_write_gpr(v, CR_GPR(q), v->lapic.tpr >> 4);
		break;
	case CR_CLTS:
		vcpu_set_cr0(v, vmcs_read(VMCS_CR0_SHADOW) & ~CR0_TS);
		break;
	case CR_LMSW: {
		/* LMSW writes CR0 bits 0-3 but can never clear PE. */
		uint64_t old = vmcs_read(VMCS_CR0_SHADOW);
		uint64_t src = CR_LMSW_DATA(q) & 0xf;
		vcpu_set_cr0(v, (old & ~0xeull) | src | (old & CR0_PE));
		break;
	}
	}
	vcpu_skip_instruction(v, e);
}

void exit_hlt(struct vcpu *v, const struct vm_exit *e)
{
	vcpu_skip_instruction(v, e);
	if (!(vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF)) {
		vcpu_stop(v, STOP_GUEST_CRASHED,
			  "guest executed HLT with interrupts disabled at RIP 0x%llx: nothing can wake it",
			  (unsigned long long)e->rip);
		return;
	}
	/* Idle until the virtual timer raises something the guest will take. */
	nd_idle(v);
}

void exit_vmcall(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t *g = v->ctx.gpr;
	if (vcpu_cpl() != 0) {
		/* Hypercalls are for the guest kernel only. */
		inject_exception(v, VECTOR_UD, 0);
		return;
	}
	vcpu_skip_instruction(v, e);
	switch ((uint32_t)g[GPR_RAX]) {
	case FTV_HC_REPORT:
		v->report_code = (uint32_t)g[GPR_RBX];
		if (v->report_code == 0)
			vcpu_stop(v, STOP_GUEST_PASSED, "guest reported: test passed");
		else
			vcpu_stop(v, STOP_GUEST_FAILED, "guest reported: test FAILED with code %u",
				  v->report_code);
		break;
	case FTV_HC_VERSION:
		g[GPR_RAX] = FTV_GUEST_ABI_VERSION;
		break;
	default:
		log_warn("guest", "unknown hypercall %u", (unsigned)(uint32_t)g[GPR_RAX]);
		g[GPR_RAX] = FTV_HC_EINVAL;
		break;
	}
}
