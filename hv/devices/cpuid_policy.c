#include "hv/devices/cpuid_policy.h"

#include <stddef.h>


struct cpuid_rule {
	uint32_t leaf;
	enum cpuid_reg reg;
	uint32_t clear;
	const char *why;
};

#define ANY_SUBLEAF 0

/* Bits cleared unconditionally. Feature-dependent ones are in apply(). */
static const struct cpuid_rule hidden[] = {
	{ 1, CPUID_ECX, 1u << 3, "MONITOR/MWAIT: idle loops must exit" },
	{ 1, CPUID_ECX, 1u << 5, "VMX: no nested virtualization" },
	{ 1, CPUID_ECX, 1u << 6, "SMX" },
	{ 1, CPUID_ECX, 1u << 7 | 1u << 8, "EIST, TM2: host power management" },
	{ 1, CPUID_ECX, 1u << 15, "PDCM: the PMU is the host's" },
	{ 1, CPUID_ECX, 1u << 18, "DCA" },
	{ 1, CPUID_ECX, 1u << 24, "TSC-deadline timer: not modelled by the virtual APIC" },
	{ 1, CPUID_ECX, 1u << 26 | 1u << 27, "XSAVE/OSXSAVE: extended state is not switched yet" },
	{ 1, CPUID_ECX, 1u << 28 | 1u << 29 | 1u << 12, "AVX, F16C, FMA: need XSAVE" },
	{ 1, CPUID_EDX, 1u << 22 | 1u << 29 | 1u << 31, "ACPI thermal, TM, PBE" },
	{ 1, CPUID_EDX, 1u << 28, "HTT: one logical processor" },
	{ 7, CPUID_EBX, 1u << 1, "TSC_ADJUST" },
	{ 7, CPUID_EBX, 1u << 2, "SGX" },
	{ 7, CPUID_EBX, 1u << 4 | 1u << 11, "HLE, RTM: transactions abort non-deterministically" },
	{ 7, CPUID_EBX, 1u << 5, "AVX2: needs XSAVE" },
	{ 7, CPUID_EBX, 1u << 10, "INVPCID: not enabled in VMX" },
	{ 7, CPUID_EBX, 1u << 14, "MPX" },
	{ 7, CPUID_EBX, 0xdc230000u, "AVX-512: needs XSAVE" },
	{ 7, CPUID_EBX, 1u << 25, "Intel PT" },
	{ 7, CPUID_ECX, 1u << 3 | 1u << 4, "PKU, OSPKE: PKRU is not switched (CR4.PKE is refused)" },
	{ 7, CPUID_ECX, 1u << 5, "WAITPKG: UMWAIT/TPAUSE idle without exiting" },
	{ 7, CPUID_ECX, 1u << 7, "CET shadow stacks: CET state is not switched (CR4.CET is refused)" },
	{ 7, CPUID_ECX, 1u << 22, "RDPID: it cannot exit; it reads the guest's own TSC_AUX, but "
			    "a guest must not rely on an instruction CPUID hides" },
	{ 7, CPUID_ECX, 1u << 16, "LA57: 5-level paging; the guest's linear addresses are 48 bits "
			    "(leaf 0x80000008), as the canonical checks of its MSRs assume" },
	{ 7, CPUID_ECX, 1u << 23, "Key Locker: its state is not switched (CR4.KL is refused)" },
	{ 7, CPUID_ECX, 1u << 31, "PKS: not switched (CR4.PKS is refused)" },
	{ 7, CPUID_ECX, 0x00005842u, "AVX-512 extensions" },
	{ 7, CPUID_EDX, 1u << 11, "RTM_ALWAYS_ABORT" },
	{ 7, CPUID_EDX, 1u << 13, "TSX_FORCE_ABORT: its MSR is not offered" },
	{ 7, CPUID_EDX, 1u << 20, "CET indirect-branch tracking: CET state is not switched" },
	{ 7, CPUID_EDX, 0xfc000000u, "IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES, CORE_CAPABILITIES, "
			      "SSBD: their MSRs are not offered (#GP)" },
	{ 7, CPUID_EDX, 0x01c00000u, "AMX: needs XSAVE" },
	{ 0x80000001u, CPUID_ECX, 1u << 2, "SVM" },
	{ 0x80000007u, CPUID_EDX, 0xffffffffu, "power management: host's" },
};

static struct cpuid_regs zero(void)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };
	return r;
}

struct cpuid_regs cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, struct cpuid_regs host,
				     const struct cpuid_features *f)
{
	struct cpuid_regs r = host;

	if (leaf >= 0x40000000u && leaf <= 0x4fffffffu) {
		if (leaf != FTV_CPUID_SIGNATURE_LEAF)
			return zero();
		/* "ftvisor" and five NULs, little-endian across EBX, ECX, EDX. */
		r.eax = FTV_CPUID_SIGNATURE_LEAF;
		r.ebx = 'f' | 't' << 8 | 'v' << 16 | (uint32_t)'i' << 24;
		r.ecx = 's' | 'o' << 8 | 'r' << 16;
		r.edx = 0;
		return r;
	}
	switch (leaf) {
	case 0:
		if (r.eax > FTV_CPUID_MAX_BASIC)
			r.eax = FTV_CPUID_MAX_BASIC;
		break;
	case 1:
		r.ebx &= 0x0000ffffu;       /* APIC ID 0, one logical processor */
		r.ecx |= 1u << 21;          /* x2APIC: the only APIC interface we model */
		r.ecx |= 1u << 31;          /* running under a hypervisor */
		r.edx |= 1u << 9;           /* APIC present */
		if (!f->rdrand)
			r.ecx &= ~(1u << 30);
		break;
	case 4:
		r.eax &= 0x00003fffu;       /* one core, one thread per cache */
		break;
	case 6:                         /* thermal and power: host's */
	case 0xa:                       /* the PMU: host's, unrecordable */
	case 0xb:                       /* topology: one processor, no leaf */
	case 0xd:                       /* XSAVE: hidden */
	case 0xf:
	case 0x10:
	case 0x12:                      /* SGX */
	case 0x14:                      /* Intel PT */
		return zero();
	case 7:
		if (subleaf != 0)
			return zero();
		if (!f->rdseed)
			r.ebx &= ~(1u << 18);
		r.eax = 0;                  /* the highest subleaf: the others are hidden */
		break;
	case 0x80000001u:
		if (!f->rdtscp)
			r.edx &= ~(1u << 27);
		break;
	case 0x80000008u:
		/* Linear-address width (EAX[15:8]) at most 48: LA57 is hidden. */
		if (((r.eax >> 8) & 0xff) > GUEST_LINEAR_BITS)
			r.eax = (r.eax & ~0xff00u) | GUEST_LINEAR_BITS << 8;
		break;
	default:
		break;
	}
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		if (hidden[i].leaf == leaf && (leaf != 7 || subleaf == ANY_SUBLEAF))
			*cpuid_reg(&r, hidden[i].reg) &= ~hidden[i].clear;
	}
	return r;
}
