/*
 * RDMSR/WRMSR: every MSR the guest may touch is in one table; the rest
 * raise #GP, as they would on a CPU that does not have them.
 */
#include "hv/core/exit_handlers.h"
#include "hv/devices/cpuid_policy.h"

#include "hv/lib/log.h"
#include "hv/replay/nondet.h"
#include "hv/vmx/host.h"
#include "hv/vmx/inject.h"
#include "hv/vmx/vmcs.h"
#include "arch/x86_64/msr.h"

#define MISC_ENABLE_FAST_STRINGS (1ull << 0)
#define MISC_ENABLE_BTS_UNAVAILABLE (1ull << 11)
#define MISC_ENABLE_PEBS_UNAVAILABLE (1ull << 12)
#define EFER_GUEST_WRITABLE (1ull << 0 | EFER_LME | 1ull << 11) /* SCE, LME, NXE */
#define UNKNOWN_MSR_REPORT_LIMIT 8

enum msr_result { MSR_DONE, MSR_FAULT };

struct msr_entry {
	uint32_t msr;
	enum vmcs_field field;
};

/* MSRs that are simply guest state held in the VMCS. */
static const struct msr_entry vmcs_msrs[] = {
	{ MSR_IA32_SYSENTER_CS, VMCS_GUEST_SYSENTER_CS },
	{ MSR_IA32_SYSENTER_ESP, VMCS_GUEST_SYSENTER_ESP },
	{ MSR_IA32_SYSENTER_EIP, VMCS_GUEST_SYSENTER_EIP },
	{ MSR_IA32_PAT, VMCS_GUEST_PAT },
	{ MSR_IA32_FS_BASE, VMCS_GUEST_FS_BASE },
	{ MSR_IA32_GS_BASE, VMCS_GUEST_GS_BASE },
};

static const struct msr_entry *vmcs_msr(uint32_t msr)
{
	for (size_t i = 0; i < sizeof(vmcs_msrs) / sizeof(vmcs_msrs[0]); i++)
		if (vmcs_msrs[i].msr == msr)
			return &vmcs_msrs[i];
	return NULL;
}

/* MSRs that are guest state VMX does not switch: the real register holds
 * the guest's value (hv/vmx/host.h says why). Each with the check hardware
 * makes, so that the host's own WRMSR cannot fault. */
enum msr_check { ANY_VALUE, CANONICAL, LOW_32_BITS };

static const struct {
	uint32_t msr;
	enum msr_check check;
} unswitched_msrs[] = {
	{ MSR_IA32_KERNEL_GS_BASE, CANONICAL },
	{ MSR_IA32_STAR, ANY_VALUE },
	{ MSR_IA32_LSTAR, CANONICAL },
	{ MSR_IA32_CSTAR, CANONICAL },
	{ MSR_IA32_FMASK, LOW_32_BITS },
	{ MSR_IA32_TSC_AUX, LOW_32_BITS },
};

static int unswitched_msr(const struct vcpu *v, uint32_t msr, enum msr_check *check)
{
	/* TSC_AUX exists for RDTSCP (RDPID is hidden). */
	if (msr == MSR_IA32_TSC_AUX && !v->plan->rdtscp)
		return 0;
	for (size_t i = 0; i < sizeof(unswitched_msrs) / sizeof(unswitched_msrs[0]); i++)
		if (unswitched_msrs[i].msr == msr) {
			*check = unswitched_msrs[i].check;
			return 1;
		}
	return 0;
}

static int value_fits(enum msr_check check, uint64_t value)
{
	switch (check) {
	case CANONICAL: {
		int64_t top = (int64_t)value >> (GUEST_LINEAR_BITS - 1);
		return top == 0 || top == -1;
	}
	case LOW_32_BITS: return (value >> 32) == 0;
	default: return 1;
	}
}

static int is_x2apic(uint32_t msr)
{
	return msr >= MSR_IA32_X2APIC_FIRST && msr <= MSR_IA32_X2APIC_LAST;
}

/* The APIC registers that follow real time (the timer's count, requests
 * raised by the timer) are inputs; the rest is deterministic state. */
static int lapic_reg_is_input(uint32_t msr)
{
	return msr == MSR_X2APIC_TIMER_CURRENT ||
	       (msr >= MSR_X2APIC_IRR0 && msr < MSR_X2APIC_IRR0 + 8);
}

static uint64_t lapic_live_read(struct vcpu *v, uint32_t reg)
{
	uint64_t value = 0;
	vlapic_rdmsr(&v->lapic, MSR_IA32_X2APIC_FIRST + reg, vcpu_guest_tsc(v), &value);
	return value;
}

/* An EOI also ends the I/O APIC's level-triggered delivery of that vector
 * (the LAPIC broadcasts EOIs to it; the glue forwards them). */
static enum msr_result lapic_write(struct vcpu *v, uint32_t msr, uint64_t value)
{
	int eoi = msr == X2APIC_EOI ? vlapic_in_service(&v->lapic) : -1;
	if (vlapic_wrmsr(&v->lapic, msr, value, vcpu_guest_tsc(v)) != VLAPIC_OK)
		return MSR_FAULT;
	if (eoi >= 0)
		vioapic_eoi(&v->ioapic, (uint8_t)eoi);
	return MSR_DONE;
}

static enum msr_result lapic_read(struct vcpu *v, uint32_t msr, uint64_t *value)
{
	/* Validity (x2APIC mode, readable register) is deterministic: check it live. */
	if (vlapic_rdmsr(&v->lapic, msr, vcpu_guest_tsc(v), value) != VLAPIC_OK)
		return MSR_FAULT;
	if (lapic_reg_is_input(msr))
		*value = nd_device(v, EV_DEV_LAPIC, msr - MSR_IA32_X2APIC_FIRST, lapic_live_read);
	return MSR_DONE;
}

static enum msr_result msr_read(struct vcpu *v, uint32_t msr, uint64_t *value)
{
	const struct msr_entry *m = vmcs_msr(msr);
	enum msr_check check;
	if (m) {
		*value = vmcs_read(m->field);
		return MSR_DONE;
	}
	if (unswitched_msr(v, msr, &check)) {
		*value = host_rdmsr(msr);
		return MSR_DONE;
	}
	if (is_x2apic(msr))
		return lapic_read(v, msr, value);
	switch (msr) {
	case MSR_IA32_APIC_BASE: *value = vlapic_read_base(&v->lapic); return MSR_DONE;
	case MSR_IA32_EFER: *value = vmcs_read(VMCS_GUEST_EFER); return MSR_DONE;
	case MSR_IA32_TSC: *value = nd_tsc(v, EV_TSC_MSR); return MSR_DONE;
	case MSR_IA32_MISC_ENABLE:
		*value = MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAILABLE |
			 MISC_ENABLE_PEBS_UNAVAILABLE;
		return MSR_DONE;
	default: return MSR_FAULT;
	}
}

static enum msr_result msr_write(struct vcpu *v, uint32_t msr, uint64_t value)
{
	const struct msr_entry *m = vmcs_msr(msr);
	enum msr_check check;
	if (m) {
		vmcs_write(m->field, value);
		return MSR_DONE;
	}
	if (unswitched_msr(v, msr, &check)) {
		if (!value_fits(check, value))
			return MSR_FAULT;
		host_wrmsr(msr, value);
		return MSR_DONE;
	}
	if (is_x2apic(msr))
		return lapic_write(v, msr, value);
	switch (msr) {
	case MSR_IA32_APIC_BASE:
		return vlapic_write_base(&v->lapic, value) == VLAPIC_OK ? MSR_DONE : MSR_FAULT;
	case MSR_IA32_EFER: {
		if (value & ~(EFER_GUEST_WRITABLE | EFER_LMA))
			return MSR_FAULT;
		/* LMA is the CPU's to set; keep it as is. */
		uint64_t lma = vmcs_read(VMCS_GUEST_EFER) & EFER_LMA;
		vmcs_write(VMCS_GUEST_EFER, (value & EFER_GUEST_WRITABLE) | lma);
		return MSR_DONE;
	}
	case MSR_IA32_TSC:
		v->tsc_base = vcpu_guest_tsc(v) + v->tsc_base - value;
		return MSR_DONE;
	case MSR_IA32_MISC_ENABLE:
		return MSR_DONE; /* accepted and ignored, like most of its bits on hardware */
	default: return MSR_FAULT;
	}
}

static void fault(struct vcpu *v, const char *op, uint32_t msr)
{
	if (v->refused_msr_accesses++ < UNKNOWN_MSR_REPORT_LIMIT)
		log_warn("guest", "%s of MSR 0x%x refused: #GP injected", op, msr);
	inject_exception(v, VECTOR_GP, 0);
}

void exit_rdmsr(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t msr = (uint32_t)v->ctx.gpr[GPR_RCX];
	uint64_t value = 0;
	if (msr_read(v, msr, &value) != MSR_DONE) {
		fault(v, "read", msr);
		return;
	}
	v->ctx.gpr[GPR_RAX] = (uint32_t)value;
	v->ctx.gpr[GPR_RDX] = value >> 32;
	vcpu_skip_instruction(v, e);
}

void exit_wrmsr(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t msr = (uint32_t)v->ctx.gpr[GPR_RCX];
	uint64_t value = (v->ctx.gpr[GPR_RDX] << 32) | (uint32_t)v->ctx.gpr[GPR_RAX];
	if (msr_write(v, msr, value) != MSR_DONE) {
		fault(v, "write", msr);
		return;
	}
	vcpu_skip_instruction(v, e);
}
