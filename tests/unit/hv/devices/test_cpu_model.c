/*
 * hv/devices/cpu_model.c: the guest's CPU, built once from a host-CPUID
 * callback. The hosts here are a plausible Intel CPU described by a few
 * leaves, and an "everything set" CPU to see what the model never offers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/devices/cpu_model.h"

#define BIT(n) (1u << (n))
#define CR4(n) (1ull << (n))

static const struct cpuid_features all = { 1, 1, 1 };

/* A host CPU: the leaves it answers, and a count of questions. */
static struct {
	uint32_t signature;   /* leaf 1 EAX */
	uint32_t leaf7_ebx, leaf7_ecx;
	unsigned calls;
	int all_ones;
} host;

static struct cpuid_regs put_string(const char *s)
{
	struct cpuid_regs r;
	memcpy(&r, s, 16);
	return r;
}

static struct cpuid_regs host_cpuid(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };
	host.calls++;
	if (host.all_ones) {
		r = (struct cpuid_regs){ ~0u, ~0u, ~0u, ~0u };
		if (leaf == 0)
			r.eax = 0x1f;
		if (leaf == 0x80000000u)
			r.eax = 0x80000021u;
		if (leaf == 4 && sub >= 2)
			r.eax = 0; /* two caches */
		return r;
	}
	switch (leaf) {
	case 0: return (struct cpuid_regs){ 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 };
	case 1: return (struct cpuid_regs){ host.signature, 0x02100800, 0x7ffafbff, 0xbfebfbff };
	case 4:
		if (sub < 4)
			return (struct cpuid_regs){ 0x1c004121u + sub, 0x01c0003f, 0x3f, 0 };
		return r;
	case 7:
		if (sub == 0)
			return (struct cpuid_regs){ 2, host.leaf7_ebx, host.leaf7_ecx, 0xbc000400 };
		return (struct cpuid_regs){ 0, 0, 0, 0x10 };
	case 0x16: return (struct cpuid_regs){ 3000, 4000, 100, 0 };
	case 0x80000000u: return (struct cpuid_regs){ 0x80000008u, 0, 0, 0 };
	case 0x80000001u: return (struct cpuid_regs){ 0, 0, 0x121, 0x2c100800 };
	case 0x80000002u: return put_string("Intel(R) Xeon(R)");
	case 0x80000003u: return put_string(" Test CPU @ 3.00");
	case 0x80000004u: return put_string("GHz\0\0\0\0\0\0\0\0\0\0\0\0");
	case 0x80000008u: return (struct cpuid_regs){ 0x3027, 0, 0, 0 };
	default: return r;
	}
}

static int setup(void **state)
{
	(void)state;
	memset(&host, 0, sizeof(host));
	host.signature = 0x00050654; /* family 6, model 0x55, stepping 4 */
	host.leaf7_ebx = BIT(0) | BIT(7) | BIT(20) | BIT(4) | BIT(11); /* FSGSBASE SMEP SMAP HLE RTM */
	host.leaf7_ecx = BIT(2) | BIT(3) | BIT(22);                     /* UMIP PKU RDPID */
	return 0;
}

static struct cpu_model model;

static void test_answers_from_the_model_not_the_host(void **state)
{
	(void)state;
	cpu_model_build(&model, host_cpuid, &all);
	unsigned calls = host.calls;
	struct cpuid_regs r = cpu_model_cpuid(&model, 0, 0);
	assert_int_equal(r.eax, FTV_CPUID_MAX_BASIC);    /* 0x16 clamped by the policy */
	assert_int_equal(r.ebx, 0x756e6547);
	/* The host changes (another stepping): the model does not. */
	host.signature = 0x00050657;
	assert_int_equal(cpu_model_cpuid(&model, 1, 0).eax, 0x00050654);
	assert_int_equal(host.calls, calls);
	/* The policy was applied: TSX, PKU and RDPID hidden, APIC ID 0. */
	r = cpu_model_cpuid(&model, 7, 0);
	assert_int_equal(r.ebx & (BIT(4) | BIT(11)), 0);
	assert_int_equal(r.ecx & (BIT(3) | BIT(22)), 0);
	assert_true(r.ebx & BIT(7));
	assert_int_equal(r.eax, 0);                      /* no subleaf beyond 0 */
	assert_int_equal(cpu_model_cpuid(&model, 1, 0).ebx >> 16, 0);
}

static void test_leaves_beyond_and_subleaves(void **state)
{
	(void)state;
	cpu_model_build(&model, host_cpuid, &all);
	/* A basic leaf beyond the highest answers as the highest does. */
	struct cpuid_regs top = cpu_model_cpuid(&model, FTV_CPUID_MAX_BASIC, 0);
	struct cpuid_regs r = cpu_model_cpuid(&model, 0x16, 0);
	assert_memory_equal(&r, &top, sizeof(r));
	r = cpu_model_cpuid(&model, 0x80000009u, 0);
	assert_memory_equal(&r, &top, sizeof(r));
	/* Caches: four and the empty one; then zeros. */
	for (uint32_t sub = 0; sub < 4; sub++)
		assert_int_equal(cpu_model_cpuid(&model, 4, sub).eax, (0x1c004121u + sub) & 0x3fffu);
	assert_int_equal(cpu_model_cpuid(&model, 4, 4).eax, 0);
	assert_int_equal(cpu_model_cpuid(&model, 4, 9).ebx, 0);
	/* Leaves without subleaves ignore ECX, as the processor does. */
	r = cpu_model_cpuid(&model, 1, 5);
	assert_int_equal(r.eax, 0x00050654);
	assert_int_equal(cpu_model_cpuid(&model, 7, 1).edx, 0);
	/* The hypervisor range: the signature leaf, nothing else. */
	assert_int_equal(cpu_model_cpuid(&model, FTV_CPUID_SIGNATURE_LEAF, 0).eax,
			 FTV_CPUID_SIGNATURE_LEAF);
	r = cpu_model_cpuid(&model, 0x40000001u, 0);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_hash_names_the_model(void **state)
{
	(void)state;
	struct cpu_model other;
	cpu_model_build(&model, host_cpuid, &all);
	cpu_model_build(&other, host_cpuid, &all);
	assert_int_equal(model.hash, other.hash);
	host.signature = 0x00050657; /* another stepping */
	cpu_model_build(&other, host_cpuid, &all);
	assert_int_not_equal(model.hash, other.hash);
	host.signature = 0x00050654;
	host.leaf7_ebx &= ~BIT(20);  /* no SMAP */
	cpu_model_build(&other, host_cpuid, &all);
	assert_int_not_equal(model.hash, other.hash);
	/* What the policy hides cannot tell two CPUs apart. */
	host.leaf7_ebx |= BIT(20);
	host.leaf7_ecx &= ~BIT(22);  /* no RDPID */
	cpu_model_build(&other, host_cpuid, &all);
	assert_int_equal(model.hash, other.hash);
	/* Neither can the features VMX lacks, and they do change the model. */
	struct cpuid_features no_rdrand = { 1, 0, 1 };
	cpu_model_build(&other, host_cpuid, &no_rdrand);
	assert_int_not_equal(model.hash, other.hash);
}

static void test_cr4_follows_the_features(void **state)
{
	(void)state;
	cpu_model_build(&model, host_cpuid, &all);
	uint64_t a = model.cr4_allowed;
	/* Offered: the basic bits, FSGSBASE, SMEP, SMAP, UMIP, PCIDE. */
	const unsigned offered[] = { 0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 16, 17, 20, 21 };
	for (size_t i = 0; i < sizeof(offered) / sizeof(offered[0]); i++)
		if (!(a & CR4(offered[i])))
			fail_msg("CR4 bit %u refused", offered[i]);
	/* Never: PCE (no PMU), VMXE, SMXE, OSXSAVE, PKE (hidden), LA57 (absent). */
	const unsigned refused[] = { 8, 12, 13, 14, 18, 22 };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (a & CR4(refused[i]))
			fail_msg("CR4 bit %u allowed", refused[i]);

	/* A CPU with everything: still none of the hidden features' bits,
	 * and no reserved bit (15, 25 and up). */
	host.all_ones = 1;
	cpu_model_build(&model, host_cpuid, &all);
	a = model.cr4_allowed;
	const unsigned never[] = { 8, 12, 13, 14, 15, 18, 19, 22, 23, 24, 25, 31, 63 };
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (a & CR4(never[i]))
			fail_msg("CR4 bit %u allowed on an all-features CPU", never[i]);
	assert_true(a & CR4(11)); /* UMIP when the CPU has it (LA57 is hidden: bit 12 never) */
	assert_true(model.count <= CPU_MODEL_LEAVES_MAX);
	assert_int_equal(model.max_extended, CPU_MODEL_MAX_EXTENDED);
}

static void test_describe(void **state)
{
	(void)state;
	char s[160];
	cpu_model_build(&model, host_cpuid, &all);
	cpu_model_describe(&model, s, sizeof(s));
	assert_string_equal(s, "GenuineIntel family 6 model 0x55 stepping 4, "
			       "'Intel(R) Xeon(R) Test CPU @ 3.00GHz', 39/48-bit addresses");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_answers_from_the_model_not_the_host, setup),
		cmocka_unit_test_setup(test_leaves_beyond_and_subleaves, setup),
		cmocka_unit_test_setup(test_hash_names_the_model, setup),
		cmocka_unit_test_setup(test_cr4_follows_the_features, setup),
		cmocka_unit_test_setup(test_describe, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
