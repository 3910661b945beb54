/* Checks of instructions the hypervisor intercepts or passes through. */
#include "checks.h"
#include "codes.h"
#include "guest_abi.h"
#include "print.h"
#include "report.h"
#include "x86.h"

#define CPUID_VENDOR 0x0
#define CPUID_FEATURES 0x1
#define CPUID_HV_SIGNATURE 0x40000000
#define FEATURE_ECX_X2APIC (1u << 21)
#define FEATURE_ECX_RDRAND (1u << 30)
#define FEATURE_ECX_HYPERVISOR (1u << 31)
#define RDRAND_TRIES 10u

/* Lay out a register's bytes as a string, lowest byte first. */
static void reg_bytes(char *out, uint32_t reg)
{
	for (int i = 0; i < 4; i++)
		out[i] = (char)(reg >> (8 * i));
}

void check_cpuid(void)
{
	static const char expected[12] = { 'f', 't', 'v', 'i', 's', 'o', 'r' };
	struct cpuid_regs r = cpuid(CPUID_VENDOR, 0);
	char vendor[13] = { 0 };
	char signature[13] = { 0 };
	uint32_t max_leaf = r.eax;

	/* The vendor string is EBX, EDX, ECX in that order. */
	reg_bytes(vendor, r.ebx);
	reg_bytes(vendor + 4, r.edx);
	reg_bytes(vendor + 8, r.ecx);
	if (max_leaf < CPUID_FEATURES)
		fail(CODE_CPUID_MAX_LEAF, "cpuid: max basic leaf %u, vendor '%s'",
		     max_leaf, vendor);

	r = cpuid(CPUID_FEATURES, 0);
	if (!(r.ecx & FEATURE_ECX_HYPERVISOR))
		fail(CODE_CPUID_HV_BIT, "cpuid: leaf 1 ECX 0x%x lacks the hypervisor bit",
		     r.ecx);
	if (!(r.ecx & FEATURE_ECX_X2APIC))
		fail(CODE_CPUID_X2APIC, "cpuid: leaf 1 ECX 0x%x lacks x2APIC", r.ecx);

	/* The hypervisor signature is EBX, ECX, EDX (the KVM convention). */
	r = cpuid(CPUID_HV_SIGNATURE, 0);
	reg_bytes(signature, r.ebx);
	reg_bytes(signature + 4, r.ecx);
	reg_bytes(signature + 8, r.edx);
	for (int i = 0; i < 12; i++)
		if (signature[i] != expected[i])
			fail(CODE_CPUID_SIGNATURE,
			     "cpuid: leaf 0x40000000 is 0x%x 0x%x 0x%x, not 'ftvisor'",
			     r.ebx, r.ecx, r.edx);

	print("cpuid: vendor %s, hypervisor '%s', max leaf %u, x2APIC offered\n",
	      vendor, signature, max_leaf);
}

void check_tsc(void)
{
	uint64_t first = rdtsc();
	uint64_t second = rdtsc();

	if (second <= first)
		fail(CODE_TSC, "rdtsc: 0x%llx then 0x%llx", first, second);
	print("rdtsc: 0x%llx then 0x%llx\n", first, second);
}

void check_rdrand(void)
{
	uint32_t value;

	if (!(cpuid(CPUID_FEATURES, 0).ecx & FEATURE_ECX_RDRAND)) {
		print("rdrand: not offered\n");
		return;
	}
	/* CF=0 only means "no entropy yet"; the SDM suggests retrying ten times. */
	for (uint32_t i = 1; i <= RDRAND_TRIES; i++) {
		if (rdrand32(&value)) {
			print("rdrand: 0x%x (attempt %u)\n", value, i);
			return;
		}
	}
	fail(CODE_RDRAND, "rdrand: CF=0 on all %u attempts", RDRAND_TRIES);
}

void check_hypercall_version(void)
{
	uint32_t version = vmcall(FTV_HC_VERSION, 0, 0, 0);

	if (version != FTV_GUEST_ABI_VERSION)
		fail(CODE_HC_VERSION, "hypercall: VERSION returned 0x%x, want %u",
		     version, (uint32_t)FTV_GUEST_ABI_VERSION);
	print("hypercall: VERSION returned %u\n", version);
}
