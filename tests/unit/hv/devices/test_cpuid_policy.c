/*
 * hv/cpuid_policy.c: what CPUID tells the guest. The host answers are
 * all-ones (to see what is hidden) or all-zeros (to see what is forced).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/devices/cpuid_policy.h"

#define BIT(n) (1u << (n))

static const struct cpuid_regs ones = { 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu };
static const struct cpuid_regs zeros = { 0, 0, 0, 0 };
static const struct cpuid_features all = { 1, 1, 1 };
static const struct cpuid_features none = { 0, 0, 0 };

static struct cpuid_regs apply(uint32_t leaf, uint32_t sub, struct cpuid_regs host,
			       const struct cpuid_features *f)
{
	return cpuid_policy_apply(leaf, sub, host, f);
}

static void expect_zero(struct cpuid_regs r)
{
	assert_int_equal(r.eax, 0);
	assert_int_equal(r.ebx, 0);
	assert_int_equal(r.ecx, 0);
	assert_int_equal(r.edx, 0);
}

/* Leaf 1 always says: under a hypervisor, x2APIC, APIC present; and APIC ID
 * 0 with one logical processor (EBX 31:16 clear). */
static void test_leaf1_forced(void **state)
{
	(void)state;
	struct cpuid_regs r = apply(1, 0, zeros, &all);
	assert_true(r.ecx & BIT(31));
	assert_true(r.ecx & BIT(21));
	assert_true(r.edx & BIT(9));
	r = apply(1, 0, ones, &all);
	assert_true(r.ecx & BIT(31));
	assert_true(r.ecx & BIT(21));
	assert_int_equal(r.ebx, 0x0000ffffu);
	assert_int_equal(r.eax, 0xffffffffu);   /* family/model/stepping untouched */
}

/* Leaf 1 hides VMX, MONITOR, TSC-deadline, XSAVE/OSXSAVE, AVX, FMA, F16C,
 * HTT, and keeps ordinary features such as SSE3/SSSE3/SSE4 and AES. */
static void test_leaf1_hidden(void **state)
{
	(void)state;
	struct cpuid_regs r = apply(1, 0, ones, &all);
	const unsigned hidden_ecx[] = { 3, 5, 12, 24, 26, 27, 28, 29 };
	for (unsigned i = 0; i < sizeof(hidden_ecx) / sizeof(hidden_ecx[0]); i++)
		if (r.ecx & BIT(hidden_ecx[i]))
			fail_msg("leaf 1 ECX bit %u visible", hidden_ecx[i]);
	assert_false(r.edx & BIT(28));                  /* HTT */
	const unsigned kept_ecx[] = { 0, 1, 9, 13, 19, 20, 22, 23, 25 };
	for (unsigned i = 0; i < sizeof(kept_ecx) / sizeof(kept_ecx[0]); i++)
		if (!(r.ecx & BIT(kept_ecx[i])))
			fail_msg("leaf 1 ECX bit %u hidden", kept_ecx[i]);
	assert_true(r.edx & BIT(0));                    /* FPU */
	assert_true(r.edx & BIT(4));                    /* TSC */
	assert_true(r.edx & BIT(26));                   /* SSE2 */
}

/* RDRAND (leaf 1 ECX 30) is offered exactly when it can be recorded. */
static void test_rdrand(void **state)
{
	(void)state;
	struct cpuid_features f = all;
	assert_true(apply(1, 0, ones, &f).ecx & BIT(30));
	f.rdrand = 0;
	assert_false(apply(1, 0, ones, &f).ecx & BIT(30));
	/* a host without RDRAND never gains it */
	assert_false(apply(1, 0, zeros, &all).ecx & BIT(30));
}

/* RDSEED (leaf 7.0 EBX 18) likewise. */
static void test_rdseed(void **state)
{
	(void)state;
	struct cpuid_features f = all;
	assert_true(apply(7, 0, ones, &f).ebx & BIT(18));
	f.rdseed = 0;
	assert_false(apply(7, 0, ones, &f).ebx & BIT(18));
	f = none;
	f.rdseed = 1;
	assert_true(apply(7, 0, ones, &f).ebx & BIT(18));
}

/* RDTSCP (0x80000001 EDX 27) only with the VMX control that enables it. */
static void test_rdtscp(void **state)
{
	(void)state;
	struct cpuid_features f = all;
	assert_true(apply(0x80000001u, 0, ones, &f).edx & BIT(27));
	f.rdtscp = 0;
	struct cpuid_regs r = apply(0x80000001u, 0, ones, &f);
	assert_false(r.edx & BIT(27));
	assert_true(r.edx & BIT(29));    /* long mode stays */
	assert_false(r.ecx & BIT(2));    /* SVM never shows */
}

/* Transactions (HLE bit 4, RTM bit 11) abort non-deterministically: hidden,
 * as are AVX2 (needs XSAVE) and the AVX-512 family; plain features stay. */
static void test_leaf7(void **state)
{
	(void)state;
	struct cpuid_regs r = apply(7, 0, ones, &all);
	assert_false(r.ebx & BIT(4));
	assert_false(r.ebx & BIT(11));
	assert_false(r.ebx & BIT(5));
	assert_false(r.ebx & BIT(16));   /* AVX512F */
	assert_false(r.ecx & BIT(5));    /* WAITPKG */
	assert_true(r.ebx & BIT(0));     /* FSGSBASE */
	assert_true(r.ebx & BIT(3));     /* BMI1 */
	assert_true(r.ebx & BIT(8));     /* BMI2 */
	assert_true(r.ebx & BIT(9));     /* ERMS */
	/* Features whose state is not switched, RDPID (it cannot exit), and
	 * those whose MSRs are not offered. */
	const unsigned hidden_ecx[] = { 3, 4, 7, 16, 22, 23, 31 };
	for (unsigned i = 0; i < sizeof(hidden_ecx) / sizeof(hidden_ecx[0]); i++)
		if (r.ecx & BIT(hidden_ecx[i]))
			fail_msg("leaf 7 ECX bit %u visible", hidden_ecx[i]);
	const unsigned hidden_edx[] = { 11, 13, 20, 26, 27, 28, 29, 30, 31 };
	for (unsigned i = 0; i < sizeof(hidden_edx) / sizeof(hidden_edx[0]); i++)
		if (r.edx & BIT(hidden_edx[i]))
			fail_msg("leaf 7 EDX bit %u visible", hidden_edx[i]);
	assert_int_equal(r.eax, 0);   /* the highest subleaf: 0, the only one offered */
}

/* LA57 is hidden, so the guest's linear addresses are 48 bits however wide
 * the host's are; physical widths and the rest pass. */
static void test_address_widths(void **state)
{
	(void)state;
	struct cpuid_regs host = { 0x3934u, 0, 0, 0 };  /* 52 physical, 57 linear */
	struct cpuid_regs r = apply(0x80000008u, 0, host, &all);
	assert_int_equal(r.eax, 0x3034u);
	host.eax = 0x302eu;                             /* 46 / 48: unchanged */
	assert_int_equal(apply(0x80000008u, 0, host, &all).eax, 0x302eu);
}

/* Only subleaf 0 of leaf 7 is offered. */
static void test_leaf7_subleaf1(void **state)
{
	(void)state;
	expect_zero(apply(7, 1, ones, &all));
	expect_zero(apply(7, 2, ones, &all));
}

/* The PMU, thermal/power, topology and XSAVE leaves are blank. */
static void test_blank_leaves(void **state)
{
	(void)state;
	const uint32_t leaves[] = { 6, 0xa, 0xb, 0xd, 0x14 };
	for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		expect_zero(apply(leaves[i], 0, ones, &all));
		expect_zero(apply(leaves[i], 1, ones, &all));
	}
	assert_int_equal(apply(0x80000007u, 0, ones, &all).edx, 0);
}

/* 0x40000000: max hypervisor leaf in EAX, "ftvisor" and five NULs in
 * EBX, ECX, EDX, whatever the host said. */
static void test_signature(void **state)
{
	(void)state;
	struct cpuid_regs r = apply(FTV_CPUID_SIGNATURE_LEAF, 0, ones, &none);
	assert_int_equal(r.eax, 0x40000000u);
	char sig[12];
	memcpy(sig + 0, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	assert_memory_equal(sig, "ftvisor\0\0\0\0\0", 12);
	struct cpuid_regs z = apply(FTV_CPUID_SIGNATURE_LEAF, 0, zeros, &all);
	assert_memory_equal(&z, &r, sizeof(r));
}

/* The rest of the hypervisor range is empty: no other hypervisor's
 * interface leaks through (e.g. KVM's features at 0x40000001). */
static void test_other_hypervisor_leaves(void **state)
{
	(void)state;
	const uint32_t leaves[] = { 0x40000001u, 0x40000003u, 0x40000010u, 0x40000100u,
				    0x4fffffffu };
	for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		expect_zero(apply(leaves[i], 0, ones, &all));
}

/* Leaf 0: the highest basic leaf is capped, never raised; vendor kept. */
static void test_leaf0(void **state)
{
	(void)state;
	struct cpuid_regs host = { 0x20, 0x756e6547, 0x6c65746e, 0x49656e69 };  /* GenuineIntel */
	struct cpuid_regs r = apply(0, 0, host, &all);
	assert_int_equal(r.eax, FTV_CPUID_MAX_BASIC);
	assert_int_equal(r.ebx, host.ebx);
	assert_int_equal(r.ecx, host.ecx);
	assert_int_equal(r.edx, host.edx);
	host.eax = 0xd;
	assert_int_equal(apply(0, 0, host, &all).eax, 0xd);
	host.eax = FTV_CPUID_MAX_BASIC;
	assert_int_equal(apply(0, 0, host, &all).eax, FTV_CPUID_MAX_BASIC);
}

/* Leaf 4 reports one core and one thread per cache (EAX 31:14 clear). */
static void test_leaf4(void **state)
{
	(void)state;
	struct cpuid_regs r = apply(4, 1, ones, &all);
	assert_int_equal(r.eax, 0x3fffu);
	assert_int_equal(r.ebx, 0xffffffffu);
}

/* Leaves with nothing to hide pass through unchanged (brand string, cache). */
static void test_passthrough(void **state)
{
	(void)state;
	struct cpuid_regs host = { 0x65746e49, 0x2952286c, 0x726f4320, 0x4d542865 };
	const uint32_t leaves[] = { 2, 0x80000000u, 0x80000002u, 0x80000006u };
	for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		struct cpuid_regs r = apply(leaves[i], 0, host, &none);
		assert_memory_equal(&r, &host, sizeof(r));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1_forced),
		cmocka_unit_test(test_leaf1_hidden),
		cmocka_unit_test(test_rdrand),
		cmocka_unit_test(test_rdseed),
		cmocka_unit_test(test_rdtscp),
		cmocka_unit_test(test_leaf7),
		cmocka_unit_test(test_leaf7_subleaf1),
		cmocka_unit_test(test_blank_leaves),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_other_hypervisor_leaves),
		cmocka_unit_test(test_leaf0),
		cmocka_unit_test(test_leaf4),
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_address_widths),
	};
	return cmocka_run_group_tests_name("cpuid_policy", tests, NULL, NULL);
}
