/*
 * The one vCPU's operations on its VMCS and registers that exit handlers,
 * the choke point and the run loop share: guest time, stopping, skipping,
 * register access, the interrupt window, and the state dump.
 */
#include "hv/vmx/vcpu.h"

#include <stdarg.h>
#include <stdio.h>

#include "hv/lib/log.h"
#include "hv/vmx/host.h"
#include "hv/vmx/vmcs.h"

uint64_t vcpu_guest_tsc(const struct vcpu *v)
{
	return host_rdtsc() - v->tsc_base;
}

void vcpu_stop(struct vcpu *v, enum ftv_stop code, const char *fmt, ...)
{
	va_list ap;
	if (v->state == VCPU_STOPPED)
		return; /* the first reason is the one that matters */
	va_start(ap, fmt);
	vsnprintf(v->stop_reason, sizeof(v->stop_reason), fmt, ap);
	va_end(ap);
	v->stop_code = code;
	v->state = VCPU_STOPPED;
}

void vcpu_skip_instruction(struct vcpu *v, const struct vm_exit *e)
{
	(void)v;
	vmcs_write(VMCS_GUEST_RIP, e->rip + e->instr_len);
	/* Blocking by STI/MOV SS ends with the instruction that follows them;
	 * having emulated that instruction, we must end it too (SDM 26.3.1.5). */
	uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
			   intr & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

uint64_t vcpu_read_gpr(const struct vcpu *v, unsigned n)
{
	return n == GPR_RSP ? vmcs_read(VMCS_GUEST_RSP) : v->ctx.gpr[n & 15];
}

void vcpu_write_gpr(struct vcpu *v, unsigned n, uint64_t value)
{
	if (n == GPR_RSP)
		vmcs_write(VMCS_GUEST_RSP, value);
	else
		v->ctx.gpr[n & 15] = value;
}

unsigned vcpu_cpl(void)
{
	return (unsigned)(vmcs_read(VMCS_GUEST_SS_AR) >> 5) & 3;
}

void vcpu_set_interrupt_window(struct vcpu *v, int on)
{
	uint32_t want = on ? v->proc_ctl | PROC_INTERRUPT_WINDOW_EXITING
			   : v->proc_ctl & ~PROC_INTERRUPT_WINDOW_EXITING;
	if (want != v->proc_ctl) {
		v->proc_ctl = want;
		vmcs_write(VMCS_PROC_CONTROLS, want);
	}
}

void vcpu_dump(const struct vcpu *v)
{
	const uint64_t *g = v->ctx.gpr;
	console_printf("guest state:\n");
	console_printf("  RIP %016llx  RSP %016llx  RFLAGS %08llx\n",
		       (unsigned long long)vmcs_read(VMCS_GUEST_RIP),
		       (unsigned long long)vmcs_read(VMCS_GUEST_RSP),
		       (unsigned long long)vmcs_read(VMCS_GUEST_RFLAGS));
	console_printf("  CR0 %08llx (guest sees %08llx)  CR3 %016llx  CR4 %08llx (guest sees %08llx)\n",
		       (unsigned long long)vmcs_read(VMCS_GUEST_CR0),
		       (unsigned long long)vmcs_read(VMCS_CR0_SHADOW),
		       (unsigned long long)vmcs_read(VMCS_GUEST_CR3),
		       (unsigned long long)vmcs_read(VMCS_GUEST_CR4),
		       (unsigned long long)vmcs_read(VMCS_CR4_SHADOW));
	console_printf("  EFER %llx  CS %04llx base %llx AR %llx  SS AR %llx\n",
		       (unsigned long long)vmcs_read(VMCS_GUEST_EFER),
		       (unsigned long long)vmcs_read(VMCS_GUEST_CS_SEL),
		       (unsigned long long)vmcs_read(VMCS_GUEST_CS_BASE),
		       (unsigned long long)vmcs_read(VMCS_GUEST_CS_AR),
		       (unsigned long long)vmcs_read(VMCS_GUEST_SS_AR));
	console_printf("  interruptibility %llx  activity %llx  IDT-vectoring %llx\n",
		       (unsigned long long)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY),
		       (unsigned long long)vmcs_read(VMCS_GUEST_ACTIVITY_STATE),
		       (unsigned long long)vmcs_read(VMCS_IDT_VECTORING_INFO));
	console_printf("  RAX %016llx  RBX %016llx  RCX %016llx  RDX %016llx\n",
		       (unsigned long long)g[GPR_RAX], (unsigned long long)g[GPR_RBX],
		       (unsigned long long)g[GPR_RCX], (unsigned long long)g[GPR_RDX]);
	console_printf("  RSI %016llx  RDI %016llx  RBP %016llx\n",
		       (unsigned long long)g[GPR_RSI], (unsigned long long)g[GPR_RDI],
		       (unsigned long long)g[GPR_RBP]);
}
