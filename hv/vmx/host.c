#include "hv/vmx/host.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "hv/lib/log.h"

uint64_t host_rdtsc(void)
{
	return cpu_rdtsc();
}

int host_rdrand64(uint64_t *value)
{
	return cpu_rdrand64(value);
}

uint64_t host_rdmsr(uint32_t msr)
{
	return cpu_rdmsr(msr);
}

void host_wrmsr(uint32_t msr, uint64_t value)
{
	cpu_wrmsr(msr, value);
}

#define CPUID_80000001_EDX_RDTSCP (1u << 27)
#define CPUID_7_ECX_RDPID (1u << 22)

/* TSC_AUX exists only with RDTSCP or RDPID; without, it stays 0. Asked
 * once: the state hash saves these registers often, and CPUID is slow (under
 * nested virtualization it exits). */
static int has_tsc_aux(void)
{
	static int known, has;
	if (!known) {
		has = (cpu_cpuid(0x80000001u, 0).edx & CPUID_80000001_EDX_RDTSCP) ||
		      (cpu_cpuid(0, 0).eax >= 7 && (cpu_cpuid(7, 0).ecx & CPUID_7_ECX_RDPID));
		known = 1;
	}
	return has;
}

void host_save_unswitched(struct guest_unswitched *s)
{
	s->cr2 = cpu_read_cr2();
	s->dr[0] = cpu_read_dr0();
	s->dr[1] = cpu_read_dr1();
	s->dr[2] = cpu_read_dr2();
	s->dr[3] = cpu_read_dr3();
	s->dr6 = cpu_read_dr6();
	s->kernel_gs_base = cpu_rdmsr(MSR_IA32_KERNEL_GS_BASE);
	s->star = cpu_rdmsr(MSR_IA32_STAR);
	s->lstar = cpu_rdmsr(MSR_IA32_LSTAR);
	s->cstar = cpu_rdmsr(MSR_IA32_CSTAR);
	s->fmask = cpu_rdmsr(MSR_IA32_FMASK);
	s->tsc_aux = has_tsc_aux() ? cpu_rdmsr(MSR_IA32_TSC_AUX) : 0;
}

void host_load_unswitched(const struct guest_unswitched *s)
{
	cpu_write_cr2(s->cr2);
	cpu_write_dr0(s->dr[0]);
	cpu_write_dr1(s->dr[1]);
	cpu_write_dr2(s->dr[2]);
	cpu_write_dr3(s->dr[3]);
	cpu_write_dr6(s->dr6);
	cpu_wrmsr(MSR_IA32_KERNEL_GS_BASE, s->kernel_gs_base);
	cpu_wrmsr(MSR_IA32_STAR, s->star);
	cpu_wrmsr(MSR_IA32_LSTAR, s->lstar);
	cpu_wrmsr(MSR_IA32_CSTAR, s->cstar);
	cpu_wrmsr(MSR_IA32_FMASK, s->fmask);
	if (has_tsc_aux())
		cpu_wrmsr(MSR_IA32_TSC_AUX, s->tsc_aux);
}

struct cpuid_regs host_cpuid(uint32_t leaf, uint32_t subleaf)
{
	return cpu_cpuid(leaf, subleaf);
}

#define CPUID_7_EBX_HLE (1u << 4)
#define CPUID_7_EBX_RTM (1u << 11)
#define CPUID_7_EDX_TSX_FORCE_ABORT (1u << 13)
#define CPUID_7_EDX_ARCH_CAPABILITIES (1u << 29)

void host_tsx_off(void)
{
	if (cpu_cpuid(0, 0).eax < 7)
		return;
	struct cpuid_regs r = cpu_cpuid(7, 0);
	int tsx = (r.ebx & (CPUID_7_EBX_HLE | CPUID_7_EBX_RTM)) != 0;
	if ((r.edx & CPUID_7_EDX_ARCH_CAPABILITIES) &&
	    (cpu_rdmsr(MSR_IA32_ARCH_CAPABILITIES) & ARCH_CAP_TSX_CTRL)) {
		/* Transactions abort for reasons outside the guest (other
		 * cores, interrupts, cache pressure): not replayable. */
		cpu_wrmsr(MSR_IA32_TSX_CTRL, cpu_rdmsr(MSR_IA32_TSX_CTRL) | TSX_CTRL_RTM_DISABLE |
						     TSX_CTRL_CPUID_CLEAR);
		log_info("cpu", "TSX off: IA32_TSX_CTRL makes XBEGIN always abort");
	} else if (r.edx & CPUID_7_EDX_TSX_FORCE_ABORT) {
		/* Older parts (the TSX microcode updates of 2019) offer this instead. */
		cpu_wrmsr(MSR_TSX_FORCE_ABORT, cpu_rdmsr(MSR_TSX_FORCE_ABORT) | TSX_FORCE_ABORT_RTM);
		log_info("cpu", "TSX off: TSX_FORCE_ABORT makes XBEGIN always abort");
	} else if (tsx) {
		log_warn("cpu", "this CPU has TSX and no IA32_TSX_CTRL: it is only hidden in CPUID, "
				"a guest that uses XBEGIN anyway cannot be replayed");
	}
}

void host_nmi_unblock(void)
{
	cpu_unblock_nmi();
}
