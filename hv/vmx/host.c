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

struct cpuid_regs host_cpuid(uint32_t leaf, uint32_t subleaf)
{
	return cpu_cpuid(leaf, subleaf);
}

#define CPUID_7_EBX_HLE (1u << 4)
#define CPUID_7_EBX_RTM (1u << 11)
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
	} else if (tsx) {
		log_warn("cpu", "this CPU has TSX and no IA32_TSX_CTRL: it is only hidden in CPUID, "
				"a guest that uses XBEGIN anyway cannot be replayed");
	}
}

void host_nmi_unblock(void)
{
	cpu_unblock_nmi();
}
