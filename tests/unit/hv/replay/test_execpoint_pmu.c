/*
 * hv/replay/execpoint_pmu.c, the PMU execution-point backend's glue, against
 * the fake VMCS and a simulated branch counter (tests/unit/fakes/fake_pmu.c):
 * what it writes to counter 0 and the VMCS before each entry, and how it
 * counts at each exit. pmu_stepper.c's decisions have their own test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/replay/execpoint.h"
#include "hv/vmx/vcpu.h"
#include "tests/unit/fakes/fake_host.h"
#include "tests/unit/fakes/fake_pmu.h"
#include "tests/unit/fakes/fake_serial.h"
#include "tests/unit/fakes/fake_vmcs.h"

#define SKID 20
#define SLICE 5000

struct rig {
	struct vcpu v;
	struct vmx_caps caps;
	struct vmx_plan plan;
};

static int setup(void **state)
{
	static struct rig r;
	memset(&r, 0, sizeof(r));
	fake_vmcs_reset();
	fake_host_reset();
	fake_console_reset();
	fake_pmu_reset(SKID);
	r.caps.proc = (uint64_t)PROC_MONITOR_TRAP_FLAG << 32;
	r.plan.ctl[CTL_ENTRY] = ENTRY_LOAD_PERF_GLOBAL_CTRL;
	r.plan.ctl[CTL_EXIT] = EXIT_LOAD_PERF_GLOBAL_CTRL;
	r.v.caps = &r.caps;
	r.v.plan = &r.plan;
	r.v.point = (struct exec_point){ 40, 0x1000, 0 };
	*state = &r;
	return 0;
}

static void init(struct rig *r)
{
	assert_int_equal(execpoint_pmu.init(&r->v), 0);
	assert_int_equal(fake_pmu.starts, 1);
}

/* The guest retires up to 'branches' branches (fewer if the counter
 * overflows) and exits at rip/rcx; returns the point's count after. */
static uint64_t guest_exits(struct rig *r, uint64_t branches, uint32_t reason, uint64_t rip,
			    uint64_t rcx)
{
	fake_pmu_run(branches);
	struct vm_exit e = { .reason = reason, .rip = rip };
	r->v.ctx.gpr[GPR_RCX] = rcx;
	execpoint_pmu.account_exit(&r->v, &e);
	return r->v.point.count;
}

static void test_init_starts_counter_and_handler(void **state)
{
	struct rig *r = *state;
	init(r);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_PERF_GLOBAL_CTRL), PERF_GLOBAL_PMC0);
	assert_int_equal(fake_host.irq_vector, PMU_INTERRUPT_VECTOR);
	fake_host.irq_fn(fake_host.irq_ctx, PMU_INTERRUPT_VECTOR);
	assert_int_equal(fake_pmu.acks, 1);
	assert_int_equal(r->v.pmu.interrupts, 1);
	assert_true(fake_console_has("branch counter: fake"));
}

static void test_init_refusals(void **state)
{
	struct rig *r = *state;
	r->caps.proc = 0;
	assert_int_equal(execpoint_pmu.init(&r->v), -1);
	assert_true(fake_console_has("no monitor trap flag"));
	r->caps.proc = (uint64_t)PROC_MONITOR_TRAP_FLAG << 32;
	r->plan.ctl[CTL_EXIT] = 0;
	assert_int_equal(execpoint_pmu.init(&r->v), -1);
	assert_true(fake_console_has("IA32_PERF_GLOBAL_CTRL"));
	r->plan.ctl[CTL_EXIT] = EXIT_LOAD_PERF_GLOBAL_CTRL;
	fake_pmu.probe_fails = 1;
	assert_int_equal(execpoint_pmu.init(&r->v), -1);
	assert_true(fake_console_has("no branch counter: fake: counter 0 reads 0"));
	assert_int_equal(fake_pmu.starts, 0);
}

/* A bound (an input the guest exits for): the counter overflows one branch
 * past the input's count, so a guest that diverged cannot run a whole
 * slice before "ran past" is seen. */
static void test_bound_is_armed(void **state)
{
	struct rig *r = *state;
	init(r);
	const struct exec_point input = { 100, 0x2000, 0 };
	execpoint_pmu.prepare_entry(&r->v, &input, 0, SLICE);
	assert_int_equal(fake_vmcs_get(VMCS_PREEMPTION_TIMER), SLICE);
	assert_int_equal(fake_pmu.writes, 1);
	assert_false(r->v.pmu.mtf);
	/* The guest never reads the input: it is stopped at 101, not 1040. */
	assert_int_equal(guest_exits(r, 1000, EXIT_EXTERNAL_INTERRUPT, 0x2100, 0), 101);
}

/* After an unrelated exit the counter already holds the overflow point. */
static void test_bound_kept_across_unrelated_exit(void **state)
{
	struct rig *r = *state;
	init(r);
	const struct exec_point input = { 100, 0x2000, 0 };
	execpoint_pmu.prepare_entry(&r->v, &input, 0, SLICE);
	assert_int_equal(guest_exits(r, 10, EXIT_CPUID, 0x1800, 0), 50);
	execpoint_pmu.prepare_entry(&r->v, &input, 0, SLICE);
	assert_int_equal(fake_pmu.writes, 1);
	assert_int_equal(guest_exits(r, 1000, EXIT_EXTERNAL_INTERRUPT, 0x2100, 0), 101);
	/* A new bound further on is armed again. */
	const struct exec_point next = { 300, 0x3000, 0 };
	execpoint_pmu.prepare_entry(&r->v, &next, 0, SLICE);
	assert_int_equal(fake_pmu.writes, 2);
	assert_int_equal(guest_exits(r, 1000, EXIT_EXTERNAL_INTERRUPT, 0x3100, 0), 301);
}

/* A bound after an exact pursuit: the pursuit's overflow point must not
 * pass for the bound's. */
static void test_bound_after_pursuit_is_armed(void **state)
{
	struct rig *r = *state;
	init(r);
	const struct exec_point hash = { 100, 0x2000, 3 };
	execpoint_pmu.prepare_entry(&r->v, &hash, 1, SLICE);
	assert_int_equal(fake_pmu.writes, 1);
	r->v.point = (struct exec_point){ 100, 0x2000, 3 }; /* arrived (by steps) */
	r->v.pmu.count_seen = 100;
	const struct exec_point input = { 160, 0x2400, 0 };
	execpoint_pmu.prepare_entry(&r->v, &input, 0, SLICE);
	assert_int_equal(fake_pmu.writes, 2);
	assert_int_equal(fake_pmu.last_write, pmu_counter_arm_value(61, 48));
}

/* An exact point: overflow a margin early, then single-step. */
static void test_exact_point_arms_then_steps(void **state)
{
	struct rig *r = *state;
	init(r);
	const struct exec_point hash = { 100, 0x2000, 3 };
	execpoint_pmu.prepare_entry(&r->v, &hash, 1, SLICE);
	assert_int_equal(fake_pmu.writes, 1);
	assert_int_equal(fake_pmu.last_write, pmu_counter_arm_value(100 - 40 - SKID, 48));
	assert_int_equal(fake_vmcs_get(VMCS_PROC_CONTROLS) & PROC_MONITOR_TRAP_FLAG, 0);
	assert_int_equal(guest_exits(r, 1000, EXIT_EXTERNAL_INTERRUPT, 0x1900, 0), 80);

	execpoint_pmu.prepare_entry(&r->v, &hash, 1, SLICE);
	assert_true(fake_vmcs_get(VMCS_PROC_CONTROLS) & PROC_MONITOR_TRAP_FLAG);
	assert_true(r->v.pmu.mtf);
	struct vm_exit step = { .reason = EXIT_MONITOR_TRAP_FLAG };
	assert_int_equal(execpoint_pmu.handle_exit(&r->v, &step), 1);
	/* Inside the REP at the target's count: RCX not there yet, step on. */
	assert_int_equal(guest_exits(r, 20, EXIT_MONITOR_TRAP_FLAG, 0x2000, 5), 100);
	execpoint_pmu.prepare_entry(&r->v, &hash, 1, SLICE);
	assert_true(r->v.pmu.mtf);
	assert_int_equal(r->v.state, VCPU_RUNNING);

	/* Free running again: the trap flag goes. */
	execpoint_pmu.prepare_entry(&r->v, NULL, 0, SLICE);
	assert_int_equal(fake_vmcs_get(VMCS_PROC_CONTROLS) & PROC_MONITOR_TRAP_FLAG, 0);
	assert_int_equal(execpoint_pmu.handle_exit(&r->v, &step), 0);
}

static void test_exact_point_passed_is_reported(void **state)
{
	struct rig *r = *state;
	init(r);
	const struct exec_point hash = { 100, 0x2000, 3 };
	execpoint_pmu.prepare_entry(&r->v, &hash, 1, SLICE);
	guest_exits(r, 1000, EXIT_EXTERNAL_INTERRUPT, 0x1900, 0);
	r->v.point.count = 105; /* a late interrupt */
	r->v.pmu.count_seen = 105;
	r->v.pmu.pursuing = 1;
	execpoint_pmu.prepare_entry(&r->v, &hash, 1, SLICE);
	assert_int_equal(r->v.stop_code, STOP_DIVERGED);
	assert_non_null(strstr(r->v.stop_reason, "missed the execution point"));
	assert_non_null(strstr(r->v.stop_reason, "want 100/0x2000/0x3"));
}

/* A count set from outside (a snapshot restored): the counter no longer
 * tracks it, so the same bound is armed again. */
static void test_count_set_from_outside_rearms(void **state)
{
	struct rig *r = *state;
	init(r);
	const struct exec_point input = { 100, 0x2000, 0 };
	execpoint_pmu.prepare_entry(&r->v, &input, 0, SLICE);
	r->v.point.count = 40 - 1;
	execpoint_pmu.prepare_entry(&r->v, &input, 0, SLICE);
	assert_int_equal(fake_pmu.writes, 2);
	assert_int_equal(guest_exits(r, 1000, EXIT_EXTERNAL_INTERRUPT, 0x2100, 0), 101);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_starts_counter_and_handler),
		T(test_init_refusals),
		T(test_bound_is_armed),
		T(test_bound_kept_across_unrelated_exit),
		T(test_bound_after_pursuit_is_armed),
		T(test_exact_point_arms_then_steps),
		T(test_exact_point_passed_is_reported),
		T(test_count_set_from_outside_rearms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
