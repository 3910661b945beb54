/*
 * The instructions whose results differ between two runs: the TSC and the
 * random-number generator. Their values come from the record/replay choke
 * point (nondet.c).
 */
#include "hv/core/exit_handlers.h"

#include "hv/replay/nondet.h"
#include "hv/vmx/host.h"
#include "hv/vmx/vmcs.h"
#include "arch/x86_64/msr.h"

static void set_edx_eax(struct vcpu *v, uint64_t value)
{
	v->ctx.gpr[GPR_RAX] = (uint32_t)value;
	v->ctx.gpr[GPR_RDX] = value >> 32;
}

void exit_rdtsc(struct vcpu *v, const struct vm_exit *e)
{
	set_edx_eax(v, nd_tsc(v, EV_TSC_RDTSC));
	vcpu_skip_instruction(v, e);
}

void exit_rdtscp(struct vcpu *v, const struct vm_exit *e)
{
	set_edx_eax(v, nd_tsc(v, EV_TSC_RDTSCP));
	/* The guest's own IA32_TSC_AUX (0 from power-on), as RDPID reads it. */
	v->ctx.gpr[GPR_RCX] = (uint32_t)host_rdmsr(MSR_IA32_TSC_AUX);
	vcpu_skip_instruction(v, e);
}

/* VM-exit instruction information for RDRAND/RDSEED (SDM table 28-12). */
#define RAND_DEST_REG(i) (((i) >> 3) & 0xf)
#define RAND_OPERAND_SIZE(i) (((i) >> 11) & 3)  /* 0: 16, 1: 32, 2: 64 bits */

void exit_rdrand(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t value = 0;
	int ok = nd_rand(v, e->reason == EXIT_RDSEED, &value);
	unsigned reg = RAND_DEST_REG(e->instr_info);
	uint64_t old = vcpu_read_gpr(v, reg);
	switch (RAND_OPERAND_SIZE(e->instr_info)) {
	case 0: value = (old & ~0xffffull) | (value & 0xffff); break;
	case 1: value = (uint32_t)value; break; /* 32-bit writes zero-extend */
	default: break;
	}
	vcpu_write_gpr(v, reg, value);
	/* CF says whether the value is valid; the other arithmetic flags clear. */
	uint64_t rflags = vmcs_read(VMCS_GUEST_RFLAGS) & ~RFLAGS_ARITH_MASK;
	vmcs_write(VMCS_GUEST_RFLAGS, rflags | (ok ? RFLAGS_CF : 0));
	vcpu_skip_instruction(v, e);
}
