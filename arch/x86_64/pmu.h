/*
 * The host's performance-monitoring unit, as the PMU execution-point
 * backend uses it: general-purpose counter 0 counts retired conditional
 * branches (user and kernel mode) and raises an interrupt when it
 * overflows. Intel SDM vol. 3B ch. 20 (architectural performance
 * monitoring), vol. 4 (the MSRs), and Intel's per-microarchitecture event
 * tables for BR_INST_RETIRED.
 */
#ifndef FTV_ARCH_PMU_H
#define FTV_ARCH_PMU_H

#include <stddef.h>
#include <stdint.h>

#define MSR_IA32_PMC0                 0x0c1
#define MSR_IA32_PERFEVTSEL0          0x186
#define MSR_IA32_DEBUGCTL             0x1d9
#define MSR_IA32_PERF_CAPABILITIES    0x345
#define MSR_IA32_PERF_GLOBAL_OVF_CTRL 0x390

/* IA32_PERFEVTSELx */
#define PERFEVTSEL_USR (1ull << 16)
#define PERFEVTSEL_OS  (1ull << 17)
#define PERFEVTSEL_INT (1ull << 20)
#define PERFEVTSEL_EN  (1ull << 22)

/* Counter 0's bit in IA32_PERF_GLOBAL_CTRL (enable), _STATUS (overflowed)
 * and _OVF_CTRL (clear the overflow). */
#define PERF_GLOBAL_PMC0 (1ull << 0)

#define DEBUGCTL_FREEZE_WHILE_SMM (1ull << 14)
#define PERF_CAP_FREEZE_WHILE_SMM (1ull << 12)

/*
 * The overflow interrupt's vector (fixed delivery through the local APIC's
 * performance-counter LVT entry). The host runs with interrupts disabled
 * and has no IDT entry for it: it only ever reaches ftvisor as an
 * external-interrupt VM exit, acknowledged on exit.
 */
#define PMU_INTERRUPT_VECTOR 0xfe

struct pmu_info {
	uint32_t family, model;   /* CPUID.1 display family and model */
	unsigned version;         /* architectural performance monitoring version */
	unsigned counters;        /* general-purpose counters per logical processor */
	unsigned width;           /* their width, bits */
	uint8_t event, umask;     /* retired conditional branches on this core */
	uint32_t skid;            /* branches the overflow interrupt may come late, plus one */
	const char *uarch;
	int freeze_in_smm;        /* IA32_DEBUGCTL.FREEZE_WHILE_SMM exists */
};

/* Reads CPUID and picks the event for this core: 0, or -1 and why[] says
 * what is missing (not Intel, no architectural PMU v2, unknown model). */
int pmu_detect(struct pmu_info *info, char *why, size_t why_size);

/* Checks that counter 0 holds what is written (emulators without a PMU
 * read 0) and counts exactly the conditional branches of a known loop.
 * Leaves counter 0 disabled and zero. 0, or -1 with why[]. */
int pmu_probe(const struct pmu_info *info, char *why, size_t why_size);

/* Programs counter 0 for the branch event with an interrupt on overflow,
 * routes that interrupt to PMU_INTERRUPT_VECTOR, and leaves counting off
 * in the host (IA32_PERF_GLOBAL_CTRL = 0; VM entry turns it on). */
void pmu_start(const struct pmu_info *info);

/* Counter 0, all 'width' bits. */
uint64_t pmu_read(void);

/* Sets counter 0 to a 'width'-bit value. Through IA32_PMC0 the CPU takes
 * bits 31:0 and sign-extends bit 31, so only values that agree are exact:
 * -(n) for 1 <= n <= PMU_MAX_ARM, or small non-negative ones. */
void pmu_write(uint64_t value);

/* The most branches counter 0 can be armed for with pmu_write(). */
#define PMU_MAX_ARM 0x7fffffffull

/* The overflow interrupt's handler (the vector is ours alone; irq.c sends
 * the end of interrupt): clears counter 0's overflow flag and unmasks the
 * LVT entry, which some cores mask on delivery. */
void pmu_ack_interrupt(void);

#endif
