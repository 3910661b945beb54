/*
 * hv/core/vmexit.c, the run loop, through the fake host's VM entry
 * (fake_host.enter plays the guest to its next exit in the fake VMCS): a
 * failed entry, dispatch by exit reason, an unknown reason's report, the
 * reinjection of an event whose delivery the exit cut short, and the
 * services hook between entries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/core/vmexit.h"
#include "hv/eventlog/event_log.h"
#include "hv/replay/nondet.h"
#include "tests/unit/fakes/fake_host.h"
#include "tests/unit/fakes/fake_serial.h"
#include "tests/unit/fakes/fake_vmcs.h"
#include "tests/unit/support/event_log_check.h"

/* ---- a fake execution-point backend ---- */

static unsigned accounted, claimed;
static uint32_t claim_reason = UINT32_MAX;

static void ep_prepare(struct vcpu *v, const struct exec_point *s, int exact, uint32_t slice)
{
	(void)v;
	(void)s;
	(void)exact;
	(void)slice;
}

static void ep_account(struct vcpu *v, const struct vm_exit *e)
{
	accounted++;
	v->point.rip = e->rip;
}

static int ep_handle(struct vcpu *v, const struct vm_exit *e)
{
	(void)v;
	if (e->reason != claim_reason)
		return 0;
	claimed++;
	return 1;
}

static const struct execpoint_backend fake_ep = { "fake", NULL, ep_prepare, ep_account, ep_handle };

/* ---- the guest: a list of exits, one per entry ---- */

struct exit_script {
	uint32_t reason[8];
	uint32_t idt_info[8];       /* IDT-vectoring information of each exit */
	uint32_t entry_info[8];     /* VM-entry interruption info seen at each entry */
	uint32_t entry_error[8];
	unsigned n, next;
};

static struct exit_script script;
static struct vlapic *raise_on_exit; /* raises vector 0x50 at the first exit */

static int play_exit(struct vcpu_context *ctx, void *arg)
{
	(void)ctx;
	(void)arg;
	unsigned i = script.next++;
	assert_true(i < script.n);
	script.entry_info[i] = (uint32_t)fake_vmcs_get(VMCS_ENTRY_INTR_INFO);
	script.entry_error[i] = (uint32_t)fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERROR);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0); /* the processor clears it on entry */
	fake_vmcs_set(VMCS_EXIT_REASON, script.reason[i]);
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO, script.idt_info[i]);
	fake_vmcs_set(VMCS_IDT_VECTORING_ERROR, 0x1b);
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, INTR_INFO_VALID | 0x41);
	fake_vmcs_set(VMCS_GUEST_RIP, 0x1000 + 0x10 * i);
	if (i == 0 && raise_on_exit)
		vlapic_raise(raise_on_exit, 0x50);
	return 0;
}

struct rig {
	struct vcpu v;
	struct nondet nd;
	struct event_log log;
	struct vmx_plan plan;
	unsigned services;
};

static struct rig *current;

static void service(struct vcpu *v)
{
	(void)v;
	current->services++;
}

static int setup(void **state)
{
	static struct rig r;
	memset(&r, 0, sizeof(r));
	memset(&script, 0, sizeof(script));
	accounted = claimed = 0;
	claim_reason = UINT32_MAX;
	raise_on_exit = NULL;
	fake_vmcs_reset();
	fake_host_reset();
	fake_console_reset();
	assert_int_equal(event_log_init(&r.log, 16 * 1024, 4096), 0);
	nd_init(&r.nd, ND_LIVE, &r.log);
	r.v.nd = &r.nd;
	r.v.ep = &fake_ep;
	r.v.plan = &r.plan;
	r.v.timer_slice = 1000;
	vlapic_reset(&r.v.lapic);
	fake_host.enter = play_exit;
	current = &r;
	*state = &r;
	return 0;
}

static int teardown(void **state)
{
	struct rig *r = *state;
	free_log(&r->log);
	return 0;
}

static void test_entry_failure_stops(void **state)
{
	struct rig *r = *state;
	fake_host.enter = NULL; /* every entry fails */
	fake_vmcs_set(VMCS_VM_INSTRUCTION_ERROR, 7);
	vcpu_run(&r->v);
	assert_int_equal(r->v.stop_code, STOP_VMX_SETUP);
	assert_string_equal(r->v.stop_reason,
			    "VMLAUNCH failed: VM-instruction error 7 (fake VM-instruction error)");
	assert_int_equal(fake_host.entries, 1);
	assert_int_equal(r->v.exits, 0);
}

/* Exits go to their handler: an external interrupt to the host's handler,
 * HLT with interrupts off stops the guest; every exit is counted. */
static void test_exits_dispatched_by_reason(void **state)
{
	struct rig *r = *state;
	r->v.service = service;
	script.reason[0] = EXIT_EXTERNAL_INTERRUPT;
	script.reason[1] = EXIT_HLT;
	script.n = 2;
	vcpu_run(&r->v);
	assert_int_equal(fake_host.dispatches, 1);
	assert_int_equal(fake_host.dispatched[0], 0x41);
	assert_int_equal(r->v.stop_code, STOP_GUEST_CRASHED);
	assert_string_equal(r->v.stop_reason, "guest executed HLT with interrupts disabled at RIP "
					      "0x1010: nothing can wake it");
	assert_int_equal(r->v.exits, 2);
	assert_int_equal(r->v.exit_counts[EXIT_EXTERNAL_INTERRUPT], 1);
	assert_int_equal(r->v.exit_counts[EXIT_HLT], 1);
	assert_int_equal(accounted, 2);
	assert_int_equal(r->services, 2); /* once before every entry */
	assert_int_equal(r->v.ctx.launched, 1);
}

/* An exit the backend claims goes no further. */
static void test_backend_claims_its_exits(void **state)
{
	struct rig *r = *state;
	claim_reason = EXIT_MONITOR_TRAP_FLAG;
	script.reason[0] = EXIT_MONITOR_TRAP_FLAG; /* exit_unexpected if dispatched */
	script.reason[1] = EXIT_HLT;
	script.n = 2;
	vcpu_run(&r->v);
	assert_int_equal(claimed, 1);
	assert_non_null(strstr(r->v.stop_reason, "HLT with interrupts disabled"));
}

static void test_unknown_reason_reported(void **state)
{
	struct rig *r = *state;
	script.reason[0] = 70; /* beyond the table */
	script.n = 1;
	vcpu_run(&r->v);
	assert_int_equal(r->v.stop_code, STOP_GUEST_CRASHED);
	assert_string_equal(r->v.stop_reason, "unexpected VM exit: unknown (reason 70) at RIP 0x1000");
	assert_true(fake_console_has("unexpected VM exit 70 (unknown)"));

	memset(&script, 0, sizeof(script));
	script.reason[0] = EXIT_NMI_WINDOW; /* in the table, without a handler of its own */
	script.n = 1;
	vcpu_run(&r->v);
	assert_string_equal(r->v.stop_reason,
			    "unexpected VM exit: NMI window (reason 8) at RIP 0x1000");
}

static void test_entry_failure_exit_reported(void **state)
{
	struct rig *r = *state;
	script.reason[0] = EXIT_REASON_ENTRY_FAILURE | EXIT_ENTRY_FAIL_GUEST_STATE;
	script.n = 1;
	vcpu_run(&r->v);
	assert_int_equal(r->v.stop_code, STOP_GUEST_CRASHED);
	assert_non_null(strstr(r->v.stop_reason, "VM entry failed: entry failure: invalid guest state"));
}

/* A page fault cut short by an exit is delivered again on the next entry,
 * with its error code, and nothing is injected over it. */
static void test_interrupted_event_reinjected(void **state)
{
	struct rig *r = *state;
	uint32_t pf = INTR_INFO_VALID | INTR_INFO_ERROR_CODE_VALID | (INTR_TYPE_HW_EXCEPTION << 8) | 14;
	script.reason[0] = EXIT_EXTERNAL_INTERRUPT;
	script.idt_info[0] = pf | (1u << 12);
	script.reason[1] = EXIT_PAUSE;
	script.reason[2] = EXIT_NMI_WINDOW; /* stops the guest */
	script.n = 3;
	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
	r->v.lapic.svr = 0x1ff;
	vlapic_raise(&r->v.lapic, 0x30);
	raise_on_exit = &r->v.lapic; /* 0x50 comes with the exit: it waits for the fault */
	vcpu_run(&r->v);
	assert_int_equal(script.entry_info[0], INTR_INFO_VALID | (INTR_TYPE_EXTERNAL << 8) | 0x30);
	assert_int_equal(script.entry_info[1], pf);
	assert_int_equal(script.entry_error[1], 0x1b);
	assert_int_equal(script.entry_info[2], INTR_INFO_VALID | (INTR_TYPE_EXTERNAL << 8) | 0x50);
	assert_int_equal(r->v.interrupts_injected, 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_entry_failure_stops),
		T(test_exits_dispatched_by_reason),
		T(test_backend_claims_its_exits),
		T(test_unknown_reason_reported),
		T(test_entry_failure_exit_reported),
		T(test_interrupted_event_reinjected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
