/*
 * hv/vmx_caps.c: turning VMX capability MSRs into a control plan. Fake CPUs
 * are built from a fully capable one by removing or forcing single bits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/vmx/vmx_caps.h"
#include "hv/vmx/vmx_defs.h"

/* Capability MSR layout: bits 31:0 must-be-one, bits 63:32 may-be-one. */
#define CAP(must1, may1) (((uint64_t)(may1) << 32) | (uint32_t)(must1))

static const uint64_t ept_vpid_full = EPT_CAP_WALK_4 | EPT_CAP_WB | EPT_CAP_2M | EPT_CAP_1G |
				      EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE |
				      EPT_CAP_INVEPT_ALL | VPID_CAP_INVVPID |
				      VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL;

/* Everything allowed, nothing forced; revision 0x12, 4 KiB VMCS, WB. */
static struct vmx_caps full_cpu(void)
{
	struct vmx_caps c;
	memset(&c, 0, sizeof(c));
	c.basic = 0x12 | (0x1000ull << 32) | ((uint64_t)VMX_MEMTYPE_WB << 50) |
		  VMX_BASIC_TRUE_CONTROLS;
	c.misc = 5 | VMX_MISC_ACTIVITY_HLT;
	c.pin = c.proc = c.proc2 = c.exit = c.entry = CAP(0, 0xffffffffu);
	c.ept_vpid = ept_vpid_full;
	return c;
}

/* Values of the form a Skylake-era Intel core reports: the TRUE_ control
 * MSRs' must-be-one bits are the SDM's documented defaults (0x16, 0x04006172,
 * 0x36dfb, 0x11fb), the allowed bits a typical superset, VMCS revision 4 of
 * 1 KiB, preemption timer at TSC/128. */
static struct vmx_caps realistic_cpu(void)
{
	struct vmx_caps c;
	memset(&c, 0, sizeof(c));
	c.basic = 0x00da040000000004ull;
	c.misc = 0x000000007004c1e7ull;
	c.pin = 0x0000007f00000016ull;
	c.proc = 0xfff9fffe04006172ull;
	c.proc2 = 0x0053ffbf00000000ull;
	c.exit = 0x01ffffff00036dfbull;
	c.entry = 0x0003ffff000011fbull;
	c.ept_vpid = 0x00000f0106734141ull;
	return c;
}

static uint64_t *cap_field(struct vmx_caps *c, enum vmx_ctl_kind k)
{
	switch (k) {
	case CTL_PIN: return &c->pin;
	case CTL_PROC: return &c->proc;
	case CTL_PROC2: return &c->proc2;
	case CTL_EXIT: return &c->exit;
	default: return &c->entry;
	}
}

/* Takes 'bit' out of the allowed-1 half of a control MSR. */
static void disallow(struct vmx_caps *c, enum vmx_ctl_kind k, uint32_t bit)
{
	*cap_field(c, k) &= ~((uint64_t)bit << 32);
}

static int plan(const struct vmx_caps *c, struct vmx_plan *p, char *why, size_t n)
{
	memset(p, 0x5a, sizeof(*p));
	return vmx_plan_make(c, p, why, n);
}

static void expect_named(const char *why, const char *name)
{
	if (!strstr(why, name))
		fail_msg("\"%s\" does not name \"%s\"", why, name);
}

/* Must-be-one bits are forced on; wanted bits the CPU cannot set are
 * reported missing and left out; allowed wanted bits pass through. */
static void test_adjust(void **state)
{
	(void)state;
	uint32_t missing = 0xdead;
	assert_int_equal(vmx_adjust(CAP(0x16, 0xff), 0, &missing), 0x16);
	assert_int_equal(missing, 0);
	assert_int_equal(vmx_adjust(CAP(0x16, 0xff), 0x41, &missing), 0x57);
	assert_int_equal(missing, 0);
	assert_int_equal(vmx_adjust(CAP(0x16, 0x7f), 0x180, &missing), 0x16);
	assert_int_equal(missing, 0x180);
	assert_int_equal(vmx_adjust(CAP(0, 0xffffffffu), 0x80000001u, &missing), 0x80000001u);
	assert_int_equal(missing, 0);
	assert_int_equal(vmx_adjust(CAP(0, 0), 0xffffffffu, &missing), 0);
	assert_int_equal(missing, 0xffffffffu);
}

/* The table is well formed: one bit per entry, named, no duplicates. */
static void test_table(void **state)
{
	(void)state;
	size_t n = 0;
	const struct vmx_ctl *t = vmx_ctl_table(&n);
	assert_true(n > 10);
	for (size_t i = 0; i < n; i++) {
		assert_true((unsigned)t[i].kind < CTL_KIND_COUNT);
		assert_int_equal(__builtin_popcount(t[i].bit), 1);
		assert_non_null(t[i].name);
		assert_non_null(t[i].why);
		for (size_t j = 0; j < i; j++)
			assert_false(t[j].kind == t[i].kind && t[j].bit == t[i].bit);
	}
	assert_string_equal(vmx_ctl_kind_name(CTL_PIN), "pin-based");
	assert_string_equal(vmx_ctl_kind_name(CTL_ENTRY), "VM-entry");
	assert_string_equal(vmx_ctl_kind_name(CTL_KIND_COUNT), "?");
}

/* A fully capable CPU: success, every REQUIRED and OPTIONAL control set,
 * ON_DEMAND ones clear, nothing dropped, every feature flag on. */
static void test_full_cpu(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	size_t n;
	const struct vmx_ctl *t = vmx_ctl_table(&n);
	uint32_t expect[CTL_KIND_COUNT] = { 0 };
	for (size_t i = 0; i < n; i++)
		if (t[i].need != CTL_ON_DEMAND)
			expect[t[i].kind] |= t[i].bit;
	for (int k = 0; k < CTL_KIND_COUNT; k++) {
		assert_int_equal(p.ctl[k], expect[k]);
		assert_int_equal(p.dropped[k], 0);
	}
	/* spot checks against the SDM bit names */
	assert_true(p.ctl[CTL_PROC2] & PROC2_EPT);
	assert_true(p.ctl[CTL_PROC2] & PROC2_UNRESTRICTED_GUEST);
	assert_true(p.ctl[CTL_PIN] & PIN_PREEMPTION_TIMER);
	assert_true(p.ctl[CTL_PROC] & PROC_RDTSC_EXITING);
	assert_true(p.ctl[CTL_EXIT] & EXIT_HOST_ADDRESS_SPACE_SIZE);
	assert_false(p.ctl[CTL_PROC] & PROC_INTERRUPT_WINDOW_EXITING);
	assert_false(p.ctl[CTL_ENTRY] & ENTRY_IA32E_MODE_GUEST);
	assert_int_equal(p.revision, 0x12);
	assert_int_equal(p.vmcs_size, 0x1000);
	assert_int_equal(p.preemption_rate, 5);
	assert_int_equal(p.ept_1g, 1);
	assert_int_equal(p.vpid, 1);
	assert_int_equal(p.rdtscp, 1);
	assert_int_equal(p.rdrand_exiting, 1);
	assert_int_equal(p.rdseed_exiting, 1);
}

/* Realistic values: success, and the CPU's must-be-one bits are in the plan. */
static void test_realistic_cpu(void **state)
{
	(void)state;
	struct vmx_caps c = realistic_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	if (plan(&c, &p, why, sizeof(why)) != 0)
		fail_msg("refused: %s", why);
	assert_int_equal(p.ctl[CTL_PIN] & 0x16, 0x16);
	assert_int_equal(p.ctl[CTL_PROC] & 0x04006172, 0x04006172);
	assert_int_equal(p.ctl[CTL_EXIT] & 0x36dfb, 0x36dfb);
	assert_int_equal(p.ctl[CTL_ENTRY] & 0x11fb, 0x11fb);
	assert_true(p.ctl[CTL_PROC2] & PROC2_EPT);
	assert_int_equal(p.revision, 4);
	assert_int_equal(p.vmcs_size, 0x400);
	assert_int_equal(p.preemption_rate, 7);
	assert_int_equal(p.ept_1g, 1);
	assert_int_equal(p.vpid, 1);
	/* every planned bit is one the CPU allows */
	for (int k = 0; k < CTL_KIND_COUNT; k++)
		assert_int_equal(p.ctl[k] & ~(uint32_t)(*cap_field(&c, (enum vmx_ctl_kind)k) >> 32), 0);
}

/* No EPT: refused, and the sentence says why. */
static void test_no_ept(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	disallow(&c, CTL_PROC2, PROC2_EPT);
	assert_int_equal(plan(&c, &p, why, sizeof(why)), -1);
	expect_named(why, "EPT");
	assert_null(strstr(why, "unrestricted"));
}

static void test_no_unrestricted_guest(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	disallow(&c, CTL_PROC2, PROC2_UNRESTRICTED_GUEST);
	assert_int_equal(plan(&c, &p, why, sizeof(why)), -1);
	expect_named(why, "unrestricted guest");
}

/* Several missing features are all named, not only the first. */
static void test_names_every_missing_feature(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	disallow(&c, CTL_PIN, PIN_PREEMPTION_TIMER);
	disallow(&c, CTL_PROC, PROC_HLT_EXITING);
	disallow(&c, CTL_EXIT, EXIT_SAVE_PREEMPTION_TIMER);
	disallow(&c, CTL_ENTRY, ENTRY_LOAD_EFER);
	assert_int_equal(plan(&c, &p, why, sizeof(why)), -1);
	expect_named(why, "VMX-preemption timer");
	expect_named(why, "HLT exiting");
	expect_named(why, "save preemption timer");
	expect_named(why, "load guest EFER");
	expect_named(why, "; ");
}

/* Optional controls: their absence is not an error, the bit is dropped and
 * reported, and the matching feature flag is off. */
static void test_no_rdrand_exiting(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	disallow(&c, CTL_PROC2, PROC2_RDRAND_EXITING);
	assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
	assert_int_equal(p.rdrand_exiting, 0);
	assert_int_equal(p.dropped[CTL_PROC2], PROC2_RDRAND_EXITING);
	assert_false(p.ctl[CTL_PROC2] & PROC2_RDRAND_EXITING);
	assert_int_equal(p.rdseed_exiting, 1);
	assert_true(p.ctl[CTL_PROC2] & PROC2_EPT);
}

static void test_no_rdseed_no_rdtscp(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	disallow(&c, CTL_PROC2, PROC2_RDSEED_EXITING | PROC2_RDTSCP);
	assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
	assert_int_equal(p.rdseed_exiting, 0);
	assert_int_equal(p.rdtscp, 0);
	assert_int_equal(p.rdrand_exiting, 1);
	assert_int_equal(p.dropped[CTL_PROC2], PROC2_RDSEED_EXITING | PROC2_RDTSCP);
}

/* Without RDRAND or RDSEED exiting the guest still runs (the instruction
 * is hidden), but nothing records on a CPU that has the instruction: the
 * guest could execute it anyway and read live entropy no log holds. */
static void test_recording_needs_random_exits(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
	assert_int_equal(vmx_plan_can_record(&p, 1, 1, why, sizeof(why)), 0);
	assert_string_equal(why, "");

	disallow(&c, CTL_PROC2, PROC2_RDRAND_EXITING);
	assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
	assert_int_equal(vmx_plan_can_record(&p, 1, 1, why, sizeof(why)), -1);
	expect_named(why, "RDRAND exiting");
	assert_null(strstr(why, "RDSEED"));
	/* A CPU without RDRAND has nothing to leak. */
	assert_int_equal(vmx_plan_can_record(&p, 0, 1, why, sizeof(why)), 0);

	disallow(&c, CTL_PROC2, PROC2_RDSEED_EXITING);
	assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
	assert_int_equal(vmx_plan_can_record(&p, 1, 1, why, sizeof(why)), -1);
	expect_named(why, "RDRAND exiting");
	expect_named(why, "RDSEED exiting");
	assert_int_equal(vmx_plan_can_record(&p, 0, 1, why, sizeof(why)), -1);
	expect_named(why, "RDSEED exiting");
	assert_null(strstr(why, "RDRAND"));
	assert_int_equal(vmx_plan_can_record(&p, 0, 0, why, sizeof(why)), 0);
}

/* ON_DEMAND controls are not set at start but must be settable: a CPU that
 * cannot open an interrupt window or enter a 64-bit guest is refused. */
static void test_on_demand_must_be_allowed(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	disallow(&c, CTL_PROC, PROC_INTERRUPT_WINDOW_EXITING);
	assert_int_equal(plan(&c, &p, why, sizeof(why)), -1);
	expect_named(why, "interrupt-window exiting");

	c = full_cpu();
	disallow(&c, CTL_ENTRY, ENTRY_IA32E_MODE_GUEST);
	assert_int_equal(plan(&c, &p, why, sizeof(why)), -1);
	expect_named(why, "IA-32e mode guest");
}

/* A CPU that forces an ON_DEMAND control to 1 would make it impossible to
 * clear: refused. */
static void test_on_demand_forced_on(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	c.proc |= PROC_INTERRUPT_WINDOW_EXITING;
	assert_int_equal(plan(&c, &p, why, sizeof(why)), -1);
	expect_named(why, "interrupt-window exiting");
	expect_named(why, "forces it on");

	c = full_cpu();
	c.entry |= ENTRY_IA32E_MODE_GUEST;
	assert_int_equal(plan(&c, &p, why, sizeof(why)), -1);
	expect_named(why, "IA-32e mode guest");
}

/* Forced bits of other controls are simply carried into the plan. */
static void test_forced_bits_kept(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	c.proc |= PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING;
	c.exit |= EXIT_SAVE_DEBUG_CONTROLS;
	assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
	assert_true(p.ctl[CTL_PROC] & PROC_CR3_LOAD_EXITING);
	assert_true(p.ctl[CTL_PROC] & PROC_CR3_STORE_EXITING);
	assert_true(p.ctl[CTL_EXIT] & EXIT_SAVE_DEBUG_CONTROLS);
}

/* VPID without a usable INVVPID is dropped rather than used. */
static void test_vpid_without_invvpid(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	c.ept_vpid &= ~VPID_CAP_INVVPID;
	assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
	assert_int_equal(p.vpid, 0);
	assert_false(p.ctl[CTL_PROC2] & PROC2_VPID);
	assert_true(p.dropped[CTL_PROC2] & PROC2_VPID);

	/* INVVPID present but with neither the single-context nor all-context type */
	c = full_cpu();
	c.ept_vpid &= ~(VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL);
	assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
	assert_int_equal(p.vpid, 0);
	assert_true(p.dropped[CTL_PROC2] & PROC2_VPID);

	/* one type is enough */
	c = full_cpu();
	c.ept_vpid &= ~VPID_CAP_INVVPID_SINGLE;
	assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
	assert_int_equal(p.vpid, 1);
}

/* The preemption timer rate is IA32_VMX_MISC bits 4:0, nothing more. */
static void test_preemption_rate(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	const uint64_t misc[] = { 0, 0x1f, 0xffffffe3ull, 0x20 | 9 };
	const unsigned rate[] = { 0, 31, 3, 9 };
	for (int i = 0; i < 4; i++) {
		c.misc = misc[i];
		assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
		assert_int_equal(p.preemption_rate, rate[i]);
	}
}

/* VMX structures limited to 32-bit addresses cannot be used above 4 GiB. */
static void test_32bit_vmx_addresses(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	c.basic |= VMX_BASIC_32BIT_ADDRESSES;
	assert_int_equal(plan(&c, &p, why, sizeof(why)), -1);
	expect_named(why, "64-bit VMCS addresses");
}

/* The VMCS must be write-back (type 6); uncacheable (0) is refused. */
static void test_vmcs_memory_type(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	c.basic &= ~(0xfull << 50);
	assert_int_equal(plan(&c, &p, why, sizeof(why)), -1);
	expect_named(why, "write-back VMCS memory");
}

/* EPT offered but without what ftvisor's tables need: each one is named. */
static void test_ept_capabilities(void **state)
{
	(void)state;
	struct vmx_caps c;
	struct vmx_plan p;
	char why[VMX_PLAN_ERROR_MAX];
	const uint64_t cap[] = { EPT_CAP_WALK_4, EPT_CAP_WB, EPT_CAP_2M, EPT_CAP_INVEPT,
				 EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL };
	const char *name[] = { "EPT 4-level walk", "EPT write-back", "EPT 2 MiB pages", "INVEPT",
			       "INVEPT" };
	for (int i = 0; i < 5; i++) {
		c = full_cpu();
		c.ept_vpid &= ~cap[i];
		assert_int_equal(plan(&c, &p, why, sizeof(why)), -1);
		expect_named(why, name[i]);
	}
	/* 1 GiB pages are a bonus, not a need */
	c = full_cpu();
	c.ept_vpid &= ~EPT_CAP_1G;
	assert_int_equal(plan(&c, &p, why, sizeof(why)), 0);
	assert_int_equal(p.ept_1g, 0);
}

/* A short buffer gets a cut, terminated sentence; no buffer is fine too. */
static void test_short_why_buffer(void **state)
{
	(void)state;
	struct vmx_caps c = full_cpu();
	struct vmx_plan p;
	char why[24];
	memset(why, 'x', sizeof(why));
	disallow(&c, CTL_PROC2, PROC2_EPT | PROC2_UNRESTRICTED_GUEST);
	disallow(&c, CTL_PROC, PROC_RDTSC_EXITING);
	assert_int_equal(plan(&c, &p, why, 16), -1);
	assert_int_equal(strlen(why), 15);
	assert_int_equal(why[16], 'x');   /* nothing written past the size given */
	assert_int_equal(plan(&c, &p, NULL, 0), -1);
	assert_int_equal(plan(&c, &p, why, 1), -1);
	assert_string_equal(why, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adjust),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_full_cpu),
		cmocka_unit_test(test_realistic_cpu),
		cmocka_unit_test(test_no_ept),
		cmocka_unit_test(test_no_unrestricted_guest),
		cmocka_unit_test(test_names_every_missing_feature),
		cmocka_unit_test(test_no_rdrand_exiting),
		cmocka_unit_test(test_no_rdseed_no_rdtscp),
		cmocka_unit_test(test_recording_needs_random_exits),
		cmocka_unit_test(test_on_demand_must_be_allowed),
		cmocka_unit_test(test_on_demand_forced_on),
		cmocka_unit_test(test_forced_bits_kept),
		cmocka_unit_test(test_vpid_without_invvpid),
		cmocka_unit_test(test_preemption_rate),
		cmocka_unit_test(test_32bit_vmx_addresses),
		cmocka_unit_test(test_vmcs_memory_type),
		cmocka_unit_test(test_ept_capabilities),
		cmocka_unit_test(test_short_why_buffer),
	};
	return cmocka_run_group_tests_name("vmx_caps", tests, NULL, NULL);
}
