/*
 * What the CPU's VMX capability MSRs allow, and the plan ftvisor derives
 * from them: every VM-execution/exit/entry control value, adjusted once
 * from the (TRUE_) capability MSRs out of one table of wanted controls.
 * Pure: the host tests feed it capability values of real and imaginary CPUs.
 */
#ifndef FTV_VMX_CAPS_H
#define FTV_VMX_CAPS_H

#include <stddef.h>
#include <stdint.h>

struct vmx_caps {
	uint64_t basic, misc;
	uint64_t pin, proc, proc2, exit, entry;   /* TRUE_ variants when offered */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_vpid;
};

enum vmx_ctl_kind {
	CTL_PIN, CTL_PROC, CTL_PROC2, CTL_EXIT, CTL_ENTRY, CTL_KIND_COUNT
};

enum vmx_ctl_need {
	CTL_REQUIRED,    /* set at start; ftvisor cannot run without it */
	CTL_OPTIONAL,    /* set at start when offered; a feature is lost without it */
	CTL_ON_DEMAND,   /* must be offered; set and cleared while running */
};

struct vmx_ctl {
	enum vmx_ctl_kind kind;
	uint32_t bit;
	enum vmx_ctl_need need;
	const char *name;
	const char *why;
};

struct vmx_plan {
	uint32_t ctl[CTL_KIND_COUNT];        /* values to write at start */
	uint32_t dropped[CTL_KIND_COUNT];    /* optional bits the CPU lacks */
	uint32_t revision;
	uint32_t vmcs_size;
	unsigned preemption_rate;            /* timer ticks every 2^rate TSC ticks */
	int ept_1g;
	int vpid;
	int rdtscp;
	int rdrand_exiting;
	int rdseed_exiting;
};

#define VMX_PLAN_ERROR_MAX 512

/* 0 and a plan, or -1 and a sentence naming every missing feature. */
int vmx_plan_make(const struct vmx_caps *caps, struct vmx_plan *plan, char *why, size_t why_size);

/* Whether the guest's random numbers can be recorded and replayed: only if
 * RDRAND and RDSEED exit, since hiding them in CPUID does not stop a guest
 * from executing them. cpu_rdrand, cpu_rdseed: the CPU has the instruction.
 * 0, or -1 and why[] names each missing control. */
int vmx_plan_can_record(const struct vmx_plan *plan, int cpu_rdrand, int cpu_rdseed, char *why,
			size_t why_size);

/* The value a control field must have: wanted bits, plus the bits the CPU
 * forces to 1, minus nothing (callers check *missing). */
uint32_t vmx_adjust(uint64_t cap_msr, uint32_t wanted, uint32_t *missing);

const struct vmx_ctl *vmx_ctl_table(size_t *count);
const char *vmx_ctl_kind_name(enum vmx_ctl_kind kind);

#endif
