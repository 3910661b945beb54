/*
 * What CPUID tells the guest. One table lists every bit ftvisor hides or
 * forces and why: features that cannot be replayed (TSX, the PMU,
 * MONITOR/MWAIT), virtualization itself, and state ftvisor does not
 * switch yet (XSAVE/AVX). Pure: host-tested against recorded CPUs.
 */
#ifndef FTV_CPUID_POLICY_H
#define FTV_CPUID_POLICY_H

#include <stdint.h>

#include "arch/x86_64/cpu.h"

struct cpuid_features {
	int rdtscp;          /* RDTSCP can be offered (VMX control present) */
	int rdrand;          /* RDRAND exits, so its values can be recorded */
	int rdseed;
};

#define FTV_CPUID_SIGNATURE_LEAF 0x40000000u
#define FTV_CPUID_MAX_BASIC 0x14u
/* The guest's linear addresses (LA57 is hidden): what canonical means for it. */
#define GUEST_LINEAR_BITS 48u

/* host: what the CPU answered for (leaf, subleaf). Returns the guest's view. */
struct cpuid_regs cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, struct cpuid_regs host,
				     const struct cpuid_features *f);

#endif
