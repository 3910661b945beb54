#include "arch/x86_64/pmu.h"

#include <stdio.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"

/* "GenuineIntel" in CPUID leaf 0's EBX, EDX, ECX. */
#define CPUID_INTEL_EBX 0x756e6547u
#define CPUID_INTEL_EDX 0x49656e69u
#define CPUID_INTEL_ECX 0x6c65746eu

#define CPUID_LEAF_PERFMON 0x0a
#define CPUID_LEAF_HYBRID 0x1a
#define CPUID1_ECX_PDCM (1u << 15)
#define CPUID7_EDX_HYBRID (1u << 15)
#define PERFMON_EBX_NO_BRANCHES (1u << 5)   /* "branch instructions retired" unavailable */
#define HYBRID_CORE_TYPE(eax) ((eax) >> 24)
#define HYBRID_CORE_ATOM 0x20

#define XAPIC_LVT_PERFMON 0x340
#define X2APIC_LVT_PERFMON_MSR 0x834

/*
 * BR_INST_RETIRED is event C4H everywhere; the unit mask that selects
 * conditional branches (taken or not) changed with the core:
 * "CONDITIONAL" up to Comet Lake, "COND" from Ice Lake on, "JCC" on the
 * Atom line. pmu_probe() checks the choice on the CPU itself.
 */
#define EVENT_BR_INST_RETIRED 0xc4
#define UMASK_CONDITIONAL 0x01
#define UMASK_COND 0x11
#define UMASK_JCC 0x7e

/* The overflow interrupt's lateness margin, in branches; newer big cores
 * run further ahead of retirement. */
#define SKID_DEFAULT 100
#define SKID_DEEP 125

struct branch_event_model {
	uint8_t model;       /* family 6 */
	uint8_t umask;
	uint8_t skid;
	uint8_t hybrid;      /* big and small cores: small ones use UMASK_JCC */
	const char *uarch;
};

static const struct branch_event_model intel_models[] = {
	{ 0x1a, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Nehalem" },
	{ 0x1e, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Nehalem" },
	{ 0x1f, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Nehalem" },
	{ 0x2e, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Nehalem-EX" },
	{ 0x25, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Westmere" },
	{ 0x2c, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Westmere-EP" },
	{ 0x2f, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Westmere-EX" },
	{ 0x2a, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Sandy Bridge" },
	{ 0x2d, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Sandy Bridge-EP" },
	{ 0x3a, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Ivy Bridge" },
	{ 0x3e, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Ivy Bridge-EP" },
	{ 0x3c, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Haswell" },
	{ 0x3f, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Haswell-EP" },
	{ 0x45, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Haswell" },
	{ 0x46, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Haswell" },
	{ 0x3d, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Broadwell" },
	{ 0x47, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Broadwell" },
	{ 0x4f, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Broadwell-EP" },
	{ 0x56, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Broadwell-DE" },
	{ 0x4e, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Skylake" },
	{ 0x5e, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Skylake" },
	{ 0x55, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Skylake-SP" },
	{ 0x8e, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Kaby Lake" },
	{ 0x9e, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Coffee Lake" },
	{ 0xa5, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Comet Lake" },
	{ 0xa6, UMASK_CONDITIONAL, SKID_DEFAULT, 0, "Comet Lake" },
	{ 0x7d, UMASK_COND, SKID_DEFAULT, 0, "Ice Lake" },
	{ 0x7e, UMASK_COND, SKID_DEFAULT, 0, "Ice Lake" },
	{ 0x6a, UMASK_COND, SKID_DEFAULT, 0, "Ice Lake-SP" },
	{ 0x6c, UMASK_COND, SKID_DEFAULT, 0, "Ice Lake-D" },
	{ 0x8c, UMASK_COND, SKID_DEFAULT, 0, "Tiger Lake" },
	{ 0x8d, UMASK_COND, SKID_DEFAULT, 0, "Tiger Lake" },
	{ 0xa7, UMASK_COND, SKID_DEFAULT, 0, "Rocket Lake" },
	{ 0x8f, UMASK_COND, SKID_DEEP, 0, "Sapphire Rapids" },
	{ 0xcf, UMASK_COND, SKID_DEEP, 0, "Emerald Rapids" },
	{ 0x97, UMASK_COND, SKID_DEEP, 1, "Alder Lake" },
	{ 0x9a, UMASK_COND, SKID_DEEP, 1, "Alder Lake" },
	{ 0xb7, UMASK_COND, SKID_DEEP, 1, "Raptor Lake" },
	{ 0xba, UMASK_COND, SKID_DEEP, 1, "Raptor Lake" },
	{ 0xbf, UMASK_COND, SKID_DEEP, 1, "Raptor Lake" },
	{ 0xaa, UMASK_COND, SKID_DEEP, 1, "Meteor Lake" },
	{ 0xac, UMASK_COND, SKID_DEEP, 1, "Meteor Lake" },
	{ 0x37, UMASK_JCC, SKID_DEFAULT, 0, "Silvermont" },
	{ 0x4d, UMASK_JCC, SKID_DEFAULT, 0, "Silvermont" },
	{ 0x4c, UMASK_JCC, SKID_DEFAULT, 0, "Airmont" },
	{ 0x5c, UMASK_JCC, SKID_DEFAULT, 0, "Goldmont" },
	{ 0x5f, UMASK_JCC, SKID_DEFAULT, 0, "Goldmont" },
	{ 0x7a, UMASK_JCC, SKID_DEFAULT, 0, "Goldmont Plus" },
	{ 0x86, UMASK_JCC, SKID_DEFAULT, 0, "Tremont" },
	{ 0x96, UMASK_JCC, SKID_DEFAULT, 0, "Tremont" },
	{ 0x9c, UMASK_JCC, SKID_DEFAULT, 0, "Tremont" },
};

/* The probe loop: each iteration retires one conditional and one
 * unconditional branch, so an event that counts all branches, or only
 * taken ones, is told apart from the right one. */
#define PROBE_ITERATIONS 1000u
#define PROBE_KEEPS 0x5a5a5a5aull       /* bit 31 clear: reads back as written */
#define PROBE_EXTENDS 0xa5a5a5a5ull     /* bit 31 set: reads back sign-extended */

static uint64_t width_mask(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

static uint64_t event_select(const struct pmu_info *info)
{
	return info->event | ((uint64_t)info->umask << 8) | PERFEVTSEL_USR | PERFEVTSEL_OS |
	       PERFEVTSEL_EN;
}

static const struct branch_event_model *find_model(uint32_t model)
{
	for (size_t i = 0; i < sizeof(intel_models) / sizeof(intel_models[0]); i++)
		if (intel_models[i].model == model)
			return &intel_models[i];
	return NULL;
}

/* On a hybrid part, whether this logical processor is a small (Atom) core. */
static int on_atom_core(uint32_t max_leaf)
{
	if (max_leaf < CPUID_LEAF_HYBRID || !(cpu_cpuid(7, 0).edx & CPUID7_EDX_HYBRID))
		return 0;
	return HYBRID_CORE_TYPE(cpu_cpuid(CPUID_LEAF_HYBRID, 0).eax) == HYBRID_CORE_ATOM;
}

int pmu_detect(struct pmu_info *info, char *why, size_t why_size)
{
	struct cpuid_regs r0 = cpu_cpuid(0, 0);
	struct pmu_info found = { 0 };

	if (r0.ebx != CPUID_INTEL_EBX || r0.edx != CPUID_INTEL_EDX || r0.ecx != CPUID_INTEL_ECX) {
		snprintf(why, why_size, "not an Intel CPU");
		return -1;
	}
	struct cpuid_regs r1 = cpu_cpuid(1, 0);
	found.family = (r1.eax >> 8) & 0xf;
	found.model = (r1.eax >> 4) & 0xf;
	if (found.family == 0xf)
		found.family += (r1.eax >> 20) & 0xff;
	if (found.family == 6 || found.family == 0xf)
		found.model |= ((r1.eax >> 16) & 0xf) << 4;

	if (r0.eax < CPUID_LEAF_PERFMON) {
		snprintf(why, why_size, "CPUID has no leaf 0AH (architectural performance monitoring)");
		return -1;
	}
	struct cpuid_regs pm = cpu_cpuid(CPUID_LEAF_PERFMON, 0);
	found.version = pm.eax & 0xff;
	found.counters = (pm.eax >> 8) & 0xff;
	found.width = (pm.eax >> 16) & 0xff;
	unsigned ebx_bits = (pm.eax >> 24) & 0xff;
	/* Version 2 brings IA32_PERF_GLOBAL_CTRL, _STATUS and _OVF_CTRL. */
	if (found.version < 2) {
		snprintf(why, why_size, "architectural performance monitoring version %u (2 or later "
					"needed)", found.version);
		return -1;
	}
	if (found.counters < 1 || found.width < 32) {
		snprintf(why, why_size, "%u general-purpose counters of %u bits (one of 32 bits or "
					"more needed)", found.counters, found.width);
		return -1;
	}
	if (ebx_bits > 5 && (pm.ebx & PERFMON_EBX_NO_BRANCHES)) {
		snprintf(why, why_size, "the CPU reports its branch-retired events unavailable");
		return -1;
	}

	const struct branch_event_model *m = found.family == 6 ? find_model(found.model) : NULL;
	if (!m) {
		snprintf(why, why_size, "unknown CPU model (family %u model 0x%02x): its retired "
					"conditional branch event is not in ftvisor's table",
			 found.family, found.model);
		return -1;
	}
	found.event = EVENT_BR_INST_RETIRED;
	found.umask = m->umask;
	found.skid = m->skid;
	found.uarch = m->uarch;
	if (m->hybrid && on_atom_core(r0.eax)) {
		found.umask = UMASK_JCC;
		found.skid = SKID_DEFAULT;
	}
	found.freeze_in_smm = (r1.ecx & CPUID1_ECX_PDCM) &&
			      (cpu_rdmsr(MSR_IA32_PERF_CAPABILITIES) & PERF_CAP_FREEZE_WHILE_SMM);
	*info = found;
	return 0;
}

/* Counts the probe loop with nothing else enabled: the counter is switched
 * on and off inside the same asm, around the loop alone. */
static uint64_t count_probe_loop(void)
{
	uint32_t n = PROBE_ITERATIONS;
	uint32_t global = (uint32_t)PERF_GLOBAL_PMC0;
	__asm__ volatile("wrmsr\n\t"
			 "1: jmp 2f\n\t"
			 "2: dec %[n]\n\t"
			 "jnz 1b\n\t"
			 "xor %%eax, %%eax\n\t"
			 "wrmsr"
			 : [n] "+r"(n), "+a"(global)
			 : "c"(MSR_IA32_PERF_GLOBAL_CTRL), "d"(0)
			 : "cc", "memory");
	return cpu_rdmsr(MSR_IA32_PMC0);
}

static void counter_off(void)
{
	cpu_wrmsr(MSR_IA32_PERF_GLOBAL_CTRL, 0);
	cpu_wrmsr(MSR_IA32_PERFEVTSEL0, 0);
	cpu_wrmsr(MSR_IA32_PMC0, 0);
	cpu_wrmsr(MSR_IA32_PERF_GLOBAL_OVF_CTRL, PERF_GLOBAL_PMC0);
}

int pmu_probe(const struct pmu_info *info, char *why, size_t why_size)
{
	uint64_t mask = width_mask(info->width);
	uint64_t extended = (0xffffffff00000000ull | PROBE_EXTENDS) & mask;

	counter_off();
	/* Emulators without a PMU (Bochs) read these MSRs as 0 and drop writes. */
	cpu_wrmsr(MSR_IA32_PMC0, PROBE_KEEPS);
	uint64_t kept = cpu_rdmsr(MSR_IA32_PMC0);
	cpu_wrmsr(MSR_IA32_PMC0, extended);
	uint64_t back = cpu_rdmsr(MSR_IA32_PMC0);
	if (kept != PROBE_KEEPS || back != extended) {
		counter_off();
		snprintf(why, why_size, "IA32_PMC0 does not hold what is written (0x%llx and 0x%llx "
					"read back as 0x%llx and 0x%llx): no usable PMU",
			 (unsigned long long)PROBE_KEEPS, (unsigned long long)extended,
			 (unsigned long long)kept, (unsigned long long)back);
		return -1;
	}

	cpu_wrmsr(MSR_IA32_PMC0, 0);
	cpu_wrmsr(MSR_IA32_PERFEVTSEL0, event_select(info));
	uint64_t counted = count_probe_loop();
	counter_off();
	if (counted != PROBE_ITERATIONS) {
		snprintf(why, why_size, "%s event %02xH umask %02xH counted %llu for a loop of exactly "
					"%u conditional branches",
			 info->uarch, info->event, info->umask, (unsigned long long)counted,
			 PROBE_ITERATIONS);
		return -1;
	}
	return 0;
}

/* The local APIC's performance-counter entry: fixed delivery, unmasked. */
static void lvt_perfmon_route(void)
{
	uint64_t base = cpu_rdmsr(MSR_IA32_APIC_BASE);
	if (base & APIC_BASE_X2APIC)
		cpu_wrmsr(X2APIC_LVT_PERFMON_MSR, PMU_INTERRUPT_VECTOR);
	else
		*(volatile uint32_t *)((base & 0xffffff000ull) + XAPIC_LVT_PERFMON) =
			PMU_INTERRUPT_VECTOR;
}

void pmu_start(const struct pmu_info *info)
{
	counter_off();
	cpu_wrmsr(MSR_IA32_PERFEVTSEL0, event_select(info) | PERFEVTSEL_INT);
	lvt_perfmon_route();
}

uint64_t pmu_read(void)
{
	/* RDPMC: the cheapest read, legal at CPL 0 whatever CR4.PCE says. */
	uint32_t lo, hi;
	__asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

void pmu_write(uint64_t value)
{
	cpu_wrmsr(MSR_IA32_PMC0, value);
}

void pmu_ack_interrupt(void)
{
	cpu_wrmsr(MSR_IA32_PERF_GLOBAL_OVF_CTRL, PERF_GLOBAL_PMC0);
	lvt_perfmon_route();
}
