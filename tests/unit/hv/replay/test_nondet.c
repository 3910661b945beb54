/*
 * hv/replay/nondet.c, the record/replay choke point, driven through the fake
 * VMCS and the fake host (tests/unit/fakes/): an input recorded at one
 * execution point is replayed there with the recorded value, and a guest that
 * asks for it elsewhere gets a divergence report naming the event.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/eventlog/event_log.h"
#include "hv/replay/nondet.h"
#include "hv/vmx/vcpu.h"
#include "tests/unit/fakes/fake_host.h"
#include "tests/unit/fakes/fake_serial.h"
#include "tests/unit/fakes/fake_vmcs.h"
#include "tests/unit/support/event_log_check.h"

struct rig {
	struct vcpu v;
	struct nondet nd;
	struct event_log log;
};

static int setup(void **state)
{
	static struct rig r;
	memset(&r, 0, sizeof(r));
	fake_vmcs_reset();
	fake_host_reset();
	fake_console_reset();
	assert_int_equal(event_log_init(&r.log, 64 * 1024, 4096), 0);
	r.v.nd = &r.nd;
	*state = &r;
	return 0;
}

static int teardown(void **state)
{
	struct rig *r = *state;
	free_log(&r->log);
	return 0;
}

static void at(struct vcpu *v, uint64_t count, uint64_t rip, uint64_t rcx)
{
	v->point = (struct exec_point){ count, rip, rcx };
	fake_vmcs_set(VMCS_GUEST_RIP, rip);
	v->ctx.gpr[GPR_RCX] = rcx;
}

static void test_tsc_replays_recorded_value(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	r->v.tsc_base = 1000;
	fake_host.tsc = 51000;
	at(&r->v, 10, 0x1000, 0);
	assert_int_equal(nd_tsc(&r->v, EV_TSC_RDTSC), 50000);
	event_log_flush(&r->log);

	nd_init(&r->nd, ND_REPLAY, &r->log);
	fake_host.tsc = 999999; /* the live TSC must not matter in replay */
	assert_int_equal(nd_tsc(&r->v, EV_TSC_RDTSC), 50000);
	assert_int_equal(r->v.state, VCPU_RUNNING);
}

static void test_input_elsewhere_diverges(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 10, 0x1000, 0);
	nd_tsc(&r->v, EV_TSC_RDTSC);
	event_log_flush(&r->log);

	nd_init(&r->nd, ND_REPLAY, &r->log);
	at(&r->v, 11, 0x1000, 0);
	nd_tsc(&r->v, EV_TSC_RDTSC);
	assert_int_equal(r->v.state, VCPU_STOPPED);
	assert_int_equal(r->v.stop_code, STOP_DIVERGED);
	assert_non_null(strstr(r->v.stop_reason, "replay diverged at count 11"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tsc_replays_recorded_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_elsewhere_diverges, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
