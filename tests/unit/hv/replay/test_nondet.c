/*
 * hv/replay/nondet.c, the record/replay choke point, driven through the fake
 * VMCS and the fake host (tests/unit/fakes/) and a fake execution-point
 * backend that remembers what it was asked. A scripted guest (a straight
 * run of two-byte instructions with exits at given counts, played by a
 * small loop shaped like vcpu_run) is recorded, its log altered with
 * log_alter (right CRCs, wrong content), and replayed: replay must stop at
 * the altered event, or at the first hash after it when the change only
 * shows in the guest's state, and the report must name that event.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/eventlog/event_log.h"
#include "hv/eventlog/log_alter.h"
#include "hv/eventlog/log_codec.h"
#include "hv/replay/nondet.h"
#include "hv/vmx/vcpu.h"
#include "tests/unit/fakes/fake_host.h"
#include "tests/unit/fakes/fake_serial.h"
#include "tests/unit/fakes/fake_vmcs.h"
#include "tests/unit/support/event_log_check.h"

#define VECTOR 0x30
/* IA32_APIC_BASE: BSP, x2APIC mode, enabled (SDM vol. 3A 11.12.1) */
#define APIC_BASE_X2APIC_ON (VLAPIC_DEFAULT_BASE | (1u << 8) | (1u << 10) | (1u << 11))
#define X2APIC_EOI 0x80b
#define X2APIC_SVR 0x80f
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_INITIAL_COUNT 0x838
#define X2APIC_DIVIDE 0x83e

/* ---- a fake execution-point backend: remembers the last prepare_entry ---- */

static struct {
	unsigned calls;
	int has_stop;
	struct exec_point stop_at;
	int exact;
	uint32_t slice;
} ep_seen;

static void ep_prepare(struct vcpu *v, const struct exec_point *stop_at, int exact, uint32_t slice)
{
	(void)v;
	ep_seen.calls++;
	ep_seen.has_stop = stop_at != NULL;
	if (stop_at)
		ep_seen.stop_at = *stop_at;
	ep_seen.exact = exact;
	ep_seen.slice = slice;
}

static const struct execpoint_backend fake_ep = { "fake", NULL, ep_prepare, NULL, NULL };

/* ---- the rig ---- */

struct rig {
	struct vcpu v;
	struct nondet nd;
	struct event_log log;
	struct vmx_plan plan;
	uint8_t ram[256];
	unsigned services;
};

static struct rig *rig_service_owner;

/* The guest's APIC at power-on, then switched to x2APIC mode and enabled. */
static void lapic_on(struct vlapic *l)
{
	vlapic_reset(l);
	assert_int_equal(vlapic_write_base(l, APIC_BASE_X2APIC_ON), VLAPIC_OK);
	assert_int_equal(vlapic_wrmsr(l, X2APIC_SVR, 0x1ff, 0), VLAPIC_OK);
}

static void count_service(struct vcpu *v)
{
	(void)v;
	rig_service_owner->services++;
}

static int setup(void **state)
{
	static struct rig r;
	memset(&r, 0, sizeof(r));
	memset(&ep_seen, 0, sizeof(ep_seen));
	fake_vmcs_reset();
	fake_host_reset();
	fake_console_reset();
	assert_int_equal(event_log_init(&r.log, 64 * 1024, 4096), 0);
	r.v.nd = &r.nd;
	r.v.ep = &fake_ep;
	r.v.plan = &r.plan;
	r.v.ram = r.ram;
	r.v.ram_size = sizeof(r.ram);
	r.v.timer_slice = 100000;
	lapic_on(&r.v.lapic);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
	rig_service_owner = &r;
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

/* The events of the log, from the start. */
static size_t log_events(struct event_log *l, struct ev *out, size_t max)
{
	size_t n = 0;
	event_log_rewind(l);
	for (const struct ev *e; n < max && (e = event_log_peek(l)) != NULL; event_log_pop(l))
		out[n++] = *e;
	event_log_rewind(l);
	return n;
}

/* ---- exact events need the whole point ---- */

/* A hash taken inside a REP string instruction: with a branch counter,
 * every iteration has the same count and RIP, and RCX tells them apart. */
static void test_hash_in_rep_is_checked_at_its_iteration(void **state)
{
	struct rig *r = *state;
	r->nd.hash_interval = 1;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 90, 0x1f00, 0);
	nd_tsc(&r->v, EV_TSC_RDTSC);
	at(&r->v, 100, 0x2000, 5); /* rep movsb, five iterations left */
	nd_before_entry(&r->v, 0);
	at(&r->v, 120, 0x2010, 0); /* the log goes on after the hash */
	nd_tsc(&r->v, EV_TSC_RDTSC);
	event_log_flush(&r->log);
	struct ev ev[4];
	assert_int_equal(log_events(&r->log, ev, 4), 3);
	assert_int_equal(ev[1].type, EV_HASH);
	assert_int_equal(ev[1].at.rcx, 5);

	nd_init(&r->nd, ND_REPLAY, &r->log);
	at(&r->v, 90, 0x1f00, 0);
	nd_tsc(&r->v, EV_TSC_RDTSC);
	at(&r->v, 100, 0x2000, 7); /* two iterations earlier */
	nd_before_entry(&r->v, 0);
	assert_int_equal(r->v.state, VCPU_RUNNING);
	assert_true(ep_seen.has_stop && ep_seen.exact);
	assert_int_equal(ep_seen.stop_at.rcx, 5);
	at(&r->v, 100, 0x2000, 5);
	nd_before_entry(&r->v, 0);
	assert_int_equal(r->v.state, VCPU_RUNNING);
	assert_int_equal(r->nd.hashes, 1);
}

/* An interrupt, too, belongs to one iteration. */
static void test_interrupt_in_rep_waits_for_its_iteration(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 50, 0x3000, 3);
	vlapic_raise(&r->v.lapic, VECTOR);
	nd_before_entry(&r->v, 0);
	at(&r->v, 120, 0x3010, 0);
	nd_tsc(&r->v, EV_TSC_RDTSC);
	event_log_flush(&r->log);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	vlapic_wrmsr(&r->v.lapic, X2APIC_EOI, 0, 0);

	nd_init(&r->nd, ND_REPLAY, &r->log);
	at(&r->v, 50, 0x3000, 4);
	nd_before_entry(&r->v, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_true(ep_seen.has_stop && ep_seen.exact);
	at(&r->v, 50, 0x3000, 3);
	nd_before_entry(&r->v, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), INTR_INFO_VALID | VECTOR);
	assert_int_equal(r->v.state, VCPU_RUNNING);
}

/* Inputs are matched without RCX (the log does not keep it): the guest
 * exits for them, and the log's order places them. */
static void test_input_matched_without_rcx(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 10, 0x1000, 0x55);
	uint64_t t = nd_tsc(&r->v, EV_TSC_RDTSC);
	event_log_flush(&r->log);

	nd_init(&r->nd, ND_REPLAY, &r->log);
	at(&r->v, 10, 0x1000, 0x55);
	assert_int_equal(nd_tsc(&r->v, EV_TSC_RDTSC), t);
	assert_int_equal(r->v.state, VCPU_RUNNING);
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

static void test_rand_replays_value_and_carry(void **state)
{
	struct rig *r = *state;
	uint64_t value;
	nd_init(&r->nd, ND_RECORD, &r->log);
	fake_host.rand_value = 0x1234;
	at(&r->v, 10, 0x1000, 0);
	assert_int_equal(nd_rand(&r->v, 0, &value), 1);
	fake_host.rand_ok = 0;
	at(&r->v, 12, 0x1010, 0);
	assert_int_equal(nd_rand(&r->v, 1, &value), 0);
	event_log_flush(&r->log);

	nd_init(&r->nd, ND_REPLAY, &r->log);
	fake_host.rand_ok = 1;
	fake_host.rand_value = 0x9999;
	unsigned calls = fake_host.rand_calls;
	at(&r->v, 10, 0x1000, 0);
	assert_int_equal(nd_rand(&r->v, 0, &value), 1);
	assert_int_equal(value, 0x1234);
	at(&r->v, 12, 0x1010, 0);
	assert_int_equal(nd_rand(&r->v, 1, &value), 0);
	assert_int_equal(value, 0);
	assert_int_equal(fake_host.rand_calls, calls); /* no live entropy in replay */
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
	assert_non_null(strstr(r->v.stop_reason, "the guest reads the TSC, the log has #0 TSC"));
}

/* ---- a scripted guest ---- */

enum step_kind {
	STEP_TSC,   /* RDTSC: the value goes into RAX */
	STEP_IRQ,   /* a device raises VECTOR (live and record only: in replay it is in the log) */
	STEP_HLT,   /* HLT with the timer armed */
	STEP_STOP,  /* the guest reports that it passed */
};

struct step {
	uint64_t count;
	enum step_kind kind;
};

/* Counts of the exits; the guest's interrupt handler and RDTSC leave the
 * time and the count they came at in RAX, so a change shows in the state. */
static const struct step program[] = {
	{ 10, STEP_TSC }, { 25, STEP_IRQ }, { 40, STEP_TSC }, { 40, STEP_TSC }, { 60, STEP_IRQ },
	{ 80, STEP_TSC }, { 95, STEP_IRQ }, { 120, STEP_TSC }, { 150, STEP_TSC }, { 170, STEP_IRQ },
	{ 200, STEP_TSC }, { 230, STEP_STOP },
};
#define NSTEPS (sizeof(program) / sizeof(program[0]))

/* Runs the guest to count c: two bytes an instruction. */
static void run_to(struct vcpu *v, uint64_t c)
{
	uint64_t rip = v->point.rip + 2 * (c - v->point.count);
	at(v, c, rip, v->ctx.gpr[GPR_RCX]);
}

/* What the guest does on entry with an event injected: its handler. */
static void take_injected(struct vcpu *v)
{
	uint32_t info = (uint32_t)fake_vmcs_get(VMCS_ENTRY_INTR_INFO);
	if (!(info & INTR_INFO_VALID))
		return;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	v->ctx.gpr[GPR_RAX] = v->ctx.gpr[GPR_RAX] * 31 + v->point.count * 1000 + (info & 0xff);
	vlapic_wrmsr(&v->lapic, X2APIC_EOI, 0, 0);
}

/*
 * The guest runs to its next exit: its next exiting instruction, or in
 * replay a device interrupt's step is no exit at all and the backend stops
 * it where asked (exact), or one count past a bound. Asked to stop where
 * it already is (the RIP differs), the backend overshoots by one count, as
 * the preemption timer does. Returns the step it exited for, or NULL for a
 * timer exit.
 */
static const struct step *guest_runs(struct rig *r, size_t *next, enum nd_mode mode)
{
	struct vcpu *v = &r->v;
	while (*next < NSTEPS && mode == ND_REPLAY && program[*next].kind == STEP_IRQ)
		++*next;
	assert_true(*next < NSTEPS);
	const struct step *s = &program[*next];
	if (mode == ND_REPLAY && ep_seen.has_stop) {
		uint64_t c = ep_seen.stop_at.count;
		if (!ep_seen.exact)
			c++;
		if (c <= v->point.count)
			c = v->point.count + 1;
		if (c < s->count) {
			run_to(v, c);
			return NULL;
		}
	}
	run_to(v, s->count);
	++*next;
	return s;
}

/* A loop shaped like vcpu_run (hv/core/vmexit.c) around the choke point. */
static void play(struct rig *r, enum nd_mode mode)
{
	struct vcpu *v = &r->v;
	size_t next = 0;
	nd_init(&r->nd, mode, &r->log);
	if (mode == ND_REPLAY)
		event_log_rewind(&r->log);
	fake_vmcs_reset();
	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
	memset(&v->ctx, 0, sizeof(v->ctx));
	lapic_on(&v->lapic);
	at(v, 0, 0x1000, 0);
	fake_host.tsc = 7000;
	fake_host.tsc_step = 13;
	v->state = VCPU_RUNNING;
	memset(&ep_seen, 0, sizeof(ep_seen));

	while (v->state == VCPU_RUNNING) {
		nd_before_entry(v, 0);
		if (v->state != VCPU_RUNNING)
			break;
		take_injected(v);
		const struct step *s = guest_runs(r, &next, mode);
		if (!s)
			continue; /* a timer exit */
		switch (s->kind) {
		case STEP_TSC:
			v->ctx.gpr[GPR_RAX] ^= nd_tsc(v, EV_TSC_RDTSC);
			break;
		case STEP_IRQ:
			vlapic_raise(&v->lapic, VECTOR);
			continue; /* an external-interrupt exit: no instruction */
		case STEP_HLT:
			nd_idle(v);
			break;
		case STEP_STOP:
			vcpu_stop(v, STOP_GUEST_PASSED, "guest passed");
			break;
		}
		/* The exiting instruction is done: RIP moves on, the count stays. */
		at(v, v->point.count, v->point.rip + 2, v->ctx.gpr[GPR_RCX]);
	}
	nd_guest_stopped(v);
}

static void record_program(struct rig *r)
{
	r->nd.hash_interval = 2;
	play(r, ND_RECORD);
	assert_int_equal(r->v.stop_code, STOP_GUEST_PASSED);
	assert_true(r->nd.interrupts >= 3);
	assert_true(r->nd.hashes >= 5);
}

/* Replaces the log by its altered copy, batch by batch. */
static struct log_alter_result alter_log(struct rig *r, enum log_alteration kind, uint64_t from)
{
	size_t len, out_len = 0;
	const uint8_t *bytes = event_log_contiguous(&r->log, &len);
	assert_non_null(bytes);
	uint8_t *copy = malloc(len), *out = malloc(len + LOG_EVENT_MAX_SIZE + 16);
	assert_non_null(copy);
	assert_non_null(out);
	memcpy(copy, bytes, len);
	struct log_alter_result res;
	char why[200];
	if (log_alter(copy, len, out, len + LOG_EVENT_MAX_SIZE + 16, &out_len, kind, from, &res, why,
		      sizeof(why)))
		fail_msg("log_alter: %s", why);
	event_log_clear(&r->log);
	for (size_t pos = 0; pos < out_len;) {
		struct log_batch_info info;
		assert_int_equal(log_batch_decode(out + pos, out_len - pos, &info, NULL, 0, NULL, 0),
				 LOG_OK);
		assert_int_equal(event_log_append_batch(&r->log, out + pos, info.size), 0);
		pos += info.size;
	}
	free(copy);
	free(out);
	return res;
}

/* The replay stopped with a divergence whose report names event #index
 * of the given type, and the decoder had nothing to say. */
static void expect_divergence_at(struct rig *r, uint64_t index, const char *type)
{
	char name[48];
	snprintf(name, sizeof(name), "the log has #%llu %s ", (unsigned long long)index, type);
	assert_int_equal(r->v.state, VCPU_STOPPED);
	assert_int_equal(r->v.stop_code, STOP_DIVERGED);
	assert_string_equal(event_log_error(&r->log), "");
	if (!strstr(r->v.stop_reason, "replay diverged at count ") || !strstr(r->v.stop_reason, name))
		fail_msg("want a divergence naming \"%s\", got \"%s\"", name, r->v.stop_reason);
}

/* The first event of this type after index i in the recorded log. */
static uint64_t next_of_type(const struct ev *ev, size_t n, uint64_t i, uint8_t type)
{
	for (uint64_t k = i + 1; k < n; k++)
		if (ev[k].type == type)
			return k;
	fail_msg("no event of type %u after #%llu", type, (unsigned long long)i);
	return 0;
}

static void test_unaltered_log_replays_to_its_end(void **state)
{
	struct rig *r = *state;
	record_program(r);
	uint64_t events = r->nd.events, rax = r->v.ctx.gpr[GPR_RAX];
	play(r, ND_REPLAY);
	assert_int_equal(r->v.stop_code, STOP_GUEST_PASSED);
	assert_true(r->nd.ended);
	assert_int_equal(r->nd.events, events);
	assert_int_equal(r->v.ctx.gpr[GPR_RAX], rax);
}

static void test_changed_tsc_diverges_at_next_hash(void **state)
{
	struct rig *r = *state;
	struct ev ev[128];
	record_program(r);
	size_t n = log_events(&r->log, ev, 128);
	struct log_alter_result res = alter_log(r, ALTER_TSC, 3);
	assert_int_equal(ev[res.index].type, EV_TSC);
	play(r, ND_REPLAY);
	expect_divergence_at(r, next_of_type(ev, n, res.index, EV_HASH), "HASH");
	assert_non_null(strstr(r->v.stop_reason, "the guest has state hash"));
}

static void test_moved_interrupt_diverges_at_it(void **state)
{
	struct rig *r = *state;
	record_program(r);
	struct log_alter_result res = alter_log(r, ALTER_INTR, 0);
	play(r, ND_REPLAY);
	expect_divergence_at(r, res.index, "INTR");
	assert_non_null(strstr(r->v.stop_reason, "ran past the point of the next event"));
}

static void test_missing_input_diverges_at_its_read(void **state)
{
	struct rig *r = *state;
	struct ev ev[128];
	record_program(r);
	log_events(&r->log, ev, 128);
	struct log_alter_result res = alter_log(r, ALTER_DROP, 4);
	play(r, ND_REPLAY);
	/* The guest reads the time where the dropped event was; the log has
	 * what came after it, under the dropped event's number. */
	char where[128];
	snprintf(where, sizeof(where), "replay diverged at count %llu rip 0x%llx: the guest reads",
		 (unsigned long long)res.before.at.count, (unsigned long long)res.before.at.rip);
	assert_non_null(strstr(r->v.stop_reason, where));
	expect_divergence_at(r, res.index, ev_type_name(ev[res.index + 1].type));
}

static void test_extra_input_diverges_at_it(void **state)
{
	struct rig *r = *state;
	record_program(r);
	struct log_alter_result res = alter_log(r, ALTER_EXTRA, 0);
	assert_int_equal(res.before.type, EV_TSC);
	play(r, ND_REPLAY);
	expect_divergence_at(r, res.index + 1, "TSC");
}

static void test_changed_hash_diverges_at_it(void **state)
{
	struct rig *r = *state;
	record_program(r);
	struct log_alter_result res = alter_log(r, ALTER_HASH, 5);
	play(r, ND_REPLAY);
	expect_divergence_at(r, res.index, "HASH");
	char where[64];
	snprintf(where, sizeof(where), "diverged at count %llu ", (unsigned long long)res.before.at.count);
	assert_non_null(strstr(r->v.stop_reason, where));
	/* The report goes with a dump of the state that did not match. */
	assert_true(fake_console()[0] != 0);
}

/* ---- nd_before_entry, live and record ---- */

static void test_interrupt_injected_and_recorded(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 30, 0x1200, 9);
	vlapic_raise(&r->v.lapic, VECTOR);
	nd_before_entry(&r->v, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), INTR_INFO_VALID | VECTOR);
	assert_int_equal(r->v.interrupts_injected, 1);
	assert_int_equal(r->v.proc_ctl & PROC_INTERRUPT_WINDOW_EXITING, 0);
	assert_false(ep_seen.has_stop);
	assert_int_equal(ep_seen.slice, r->v.timer_slice);
	event_log_flush(&r->log);
	struct ev ev[2];
	assert_int_equal(log_events(&r->log, ev, 2), 1);
	assert_int_equal(ev[0].type, EV_INTR);
	assert_int_equal(ev[0].key, VECTOR);
	assert_int_equal(ev[0].at.count, 30);
	assert_int_equal(ev[0].at.rip, 0x1200);
	assert_int_equal(ev[0].at.rcx, 9);
}

static void test_live_injects_and_records_nothing(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_LIVE, &r->log);
	at(&r->v, 30, 0x1200, 0);
	vlapic_raise(&r->v.lapic, VECTOR);
	nd_before_entry(&r->v, 0);
	nd_tsc(&r->v, EV_TSC_RDTSC);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), INTR_INFO_VALID | VECTOR);
	event_log_flush(&r->log);
	assert_int_equal(r->log.appended, 0);
}

/* No injection with IF=0, STI blocking, or an event already queued: the
 * interrupt waits, with an interrupt-window exit asked for. */
static void test_blocked_interrupt_opens_window(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 30, 0x1200, 0);
	vlapic_raise(&r->v.lapic, VECTOR);

	fake_vmcs_set(VMCS_GUEST_RFLAGS, 2);
	nd_before_entry(&r->v, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_true(fake_vmcs_get(VMCS_PROC_CONTROLS) & PROC_INTERRUPT_WINDOW_EXITING);

	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_STI);
	nd_before_entry(&r->v, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);

	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
	nd_before_entry(&r->v, 1);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(r->nd.interrupts, 0);

	nd_before_entry(&r->v, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), INTR_INFO_VALID | VECTOR);
	assert_int_equal(fake_vmcs_get(VMCS_PROC_CONTROLS) & PROC_INTERRUPT_WINDOW_EXITING, 0);
	assert_int_equal(r->nd.interrupts, 1);
}

static void test_hashes_at_their_intervals(void **state)
{
	struct rig *r = *state;
	r->nd.hash_interval = 3;
	r->nd.memhash_interval = 5;
	nd_init(&r->nd, ND_RECORD, &r->log);
	for (uint64_t i = 1; i <= 10; i++) {
		at(&r->v, 10 * i, 0x1000 + i, 0);
		nd_tsc(&r->v, EV_TSC_RDTSC);
		nd_before_entry(&r->v, 0);
	}
	event_log_flush(&r->log);
	struct ev ev[32];
	size_t n = log_events(&r->log, ev, 32);
	/* Every event counts towards the next hash, hashes included, and the
	 * hash comes at the first entry once the interval is reached: with one
	 * input an entry, 3 or 4 events apart (a memory hash may come between). */
	long last_hash = 0, last_memhash = 0;
	size_t hashes = 0, memhashes = 0;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].type == EV_HASH) {
			assert_in_range((long)i - last_hash, 3, 4);
			last_hash = (long)i;
			hashes++;
		} else if (ev[i].type == EV_MEMHASH) {
			assert_in_range((long)i - last_memhash, 5, 6);
			last_memhash = (long)i;
			memhashes++;
		} else {
			assert_int_equal(ev[i].type, EV_TSC);
		}
	}
	assert_int_equal(hashes, r->nd.hashes);
	assert_int_equal(hashes, 5);
	assert_int_equal(memhashes, 3);
	assert_int_equal(memhashes, r->nd.memhashes);
}

static void test_record_limit_stops(void **state)
{
	struct rig *r = *state;
	r->nd.record_limit = 3;
	nd_init(&r->nd, ND_RECORD, &r->log);
	for (uint64_t i = 1; i <= 2; i++) {
		at(&r->v, 10 * i, 0x1000, 0);
		nd_tsc(&r->v, EV_TSC_RDTSC);
		nd_before_entry(&r->v, 0);
		assert_int_equal(r->v.state, VCPU_RUNNING);
	}
	at(&r->v, 30, 0x1000, 0);
	nd_tsc(&r->v, EV_TSC_RDTSC);
	nd_before_entry(&r->v, 0);
	assert_int_equal(r->v.state, VCPU_STOPPED);
	assert_int_equal(r->v.stop_code, STOP_RECORD_LIMIT);
	assert_string_equal(r->v.stop_reason, "recorded 3 events, as asked");
}

/* The next forced exit comes when the guest's timer is due, if sooner. */
static void test_live_slice_follows_timer(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_LIVE, &r->log);
	fake_host.tsc = 1000;
	vlapic_wrmsr(&r->v.lapic, X2APIC_DIVIDE, 0xb, 1000);
	vlapic_wrmsr(&r->v.lapic, X2APIC_LVT_TIMER, VECTOR, 1000);
	vlapic_wrmsr(&r->v.lapic, X2APIC_INITIAL_COUNT, 500, 1000);
	nd_before_entry(&r->v, 0);
	assert_int_equal(ep_seen.slice, 501);
}

/* ---- replay before entry ---- */

static void test_replay_bounds_run_to_next_input(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 40, 0x1000, 0);
	nd_tsc(&r->v, EV_TSC_RDTSC);
	event_log_flush(&r->log);

	nd_init(&r->nd, ND_REPLAY, &r->log);
	at(&r->v, 10, 0x900, 0);
	nd_before_entry(&r->v, 0);
	assert_true(ep_seen.has_stop);
	assert_false(ep_seen.exact);
	assert_int_equal(ep_seen.stop_at.count, 40);
	/* At the input's own point the guest runs freely into it. */
	at(&r->v, 40, 0x1000, 0);
	nd_before_entry(&r->v, 0);
	assert_false(ep_seen.has_stop);
}

static void test_replay_past_the_end_diverges(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_REPLAY, &r->log);
	at(&r->v, 10, 0x900, 0);
	nd_before_entry(&r->v, 0);
	assert_int_equal(r->v.stop_code, STOP_DIVERGED);
	assert_non_null(strstr(r->v.stop_reason, "keeps running, the log has the end of the log"));
}

/* An interrupt logged where the replayed guest cannot take it. */
static void test_replay_interrupt_blocked_diverges(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 30, 0x1200, 0);
	vlapic_raise(&r->v.lapic, VECTOR);
	nd_before_entry(&r->v, 0);
	event_log_flush(&r->log);

	nd_init(&r->nd, ND_REPLAY, &r->log);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 2);
	nd_before_entry(&r->v, 0);
	assert_int_equal(r->v.stop_code, STOP_DIVERGED);
	assert_non_null(strstr(r->v.stop_reason, "cannot take an interrupt here"));
	assert_non_null(strstr(r->v.stop_reason, "#0 INTR vector 0x30"));
}

/* ---- nd_idle ---- */

static void test_idle_waits_for_timer(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	r->v.service = count_service;
	fake_host.tsc = 1000;
	fake_host.tsc_step = 50;
	vlapic_wrmsr(&r->v.lapic, X2APIC_DIVIDE, 0xb, 1000);
	vlapic_wrmsr(&r->v.lapic, X2APIC_LVT_TIMER, VECTOR, 1000);
	vlapic_wrmsr(&r->v.lapic, X2APIC_INITIAL_COUNT, 2000, 1000);
	nd_idle(&r->v);
	assert_int_equal(r->v.state, VCPU_RUNNING);
	assert_int_equal(vlapic_pending(&r->v.lapic), VECTOR);
	assert_true(fake_host.waits > 0);
	assert_int_equal(r->services, fake_host.waits);
	assert_true(fake_host.tsc >= 3000);
}

static void test_idle_without_timer_stops(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_LIVE, &r->log);
	fake_vmcs_set(VMCS_GUEST_RIP, 0x4321);
	nd_idle(&r->v);
	assert_int_equal(r->v.stop_code, STOP_GUEST_CRASHED);
	assert_string_equal(r->v.stop_reason,
			    "guest halted at RIP 0x4321 with no timer armed: it would sleep forever");
}

static void test_idle_in_replay_returns_at_once(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_REPLAY, &r->log);
	nd_idle(&r->v);
	assert_int_equal(r->v.state, VCPU_RUNNING);
	assert_int_equal(fake_host.waits, 0);
}

/* ---- nd_guest_stopped ---- */

static void test_stop_recorded_with_final_hashes(void **state)
{
	struct rig *r = *state;
	r->nd.memhash_interval = 1000;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 70, 0x1700, 2);
	r->v.report_code = 5;
	vcpu_stop(&r->v, STOP_GUEST_FAILED, "guest failed");
	nd_guest_stopped(&r->v);
	assert_int_equal(r->v.stop_code, STOP_GUEST_FAILED);
	struct ev ev[4];
	assert_int_equal(log_events(&r->log, ev, 4), 3);
	assert_int_equal(ev[0].type, EV_HASH);
	assert_int_equal(ev[1].type, EV_MEMHASH);
	assert_int_equal(ev[2].type, EV_STOP);
	assert_int_equal(ev[2].key, STOP_GUEST_FAILED);
	assert_int_equal(ev[2].value, 5);
	assert_int_equal(ev[2].at.rcx, 2);
}

/* A log too full for the final events must not rename why the run ended. */
static void test_stop_keeps_its_code_when_log_full(void **state)
{
	struct rig *r = *state;
	free_log(&r->log);
	assert_int_equal(event_log_init(&r->log, LOG_BATCH_HEADER_SIZE + 12, LOG_BATCH_HEADER_SIZE + 12), 0);
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 70, 0x1700, 0);
	vcpu_stop(&r->v, STOP_GUEST_PASSED, "guest passed");
	nd_guest_stopped(&r->v);
	assert_int_equal(r->v.stop_code, STOP_GUEST_PASSED);
}

static void test_replay_stop_matches(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 70, 0x1700, 0);
	vcpu_stop(&r->v, STOP_GUEST_PASSED, "guest passed");
	nd_guest_stopped(&r->v);

	nd_init(&r->nd, ND_REPLAY, &r->log);
	r->v.state = VCPU_RUNNING;
	vcpu_stop(&r->v, STOP_GUEST_PASSED, "guest passed");
	nd_guest_stopped(&r->v);
	assert_int_equal(r->v.state, VCPU_STOPPED);
	assert_int_equal(r->v.stop_code, STOP_GUEST_PASSED);
	assert_true(r->nd.ended);
	assert_int_equal(r->nd.hashes, 1);
}

static void test_replay_stop_differs_diverges(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 70, 0x1700, 0);
	vcpu_stop(&r->v, STOP_GUEST_PASSED, "guest passed");
	nd_guest_stopped(&r->v);

	nd_init(&r->nd, ND_REPLAY, &r->log);
	r->v.state = VCPU_RUNNING;
	vcpu_stop(&r->v, STOP_GUEST_CRASHED, "triple fault");
	nd_guest_stopped(&r->v);
	assert_int_equal(r->v.stop_code, STOP_DIVERGED);
	assert_false(r->nd.ended);
	assert_non_null(strstr(r->v.stop_reason, "the guest stopped ("));
	assert_non_null(strstr(r->v.stop_reason, "the log has #1 STOP code 0"));
}

/* The recorded run stopped at its record limit: replay ends there too. */
static void test_replay_reaches_record_limit_stop(void **state)
{
	struct rig *r = *state;
	nd_init(&r->nd, ND_RECORD, &r->log);
	at(&r->v, 70, 0x1700, 0);
	vcpu_stop(&r->v, STOP_RECORD_LIMIT, "recorded 1 events, as asked");
	nd_guest_stopped(&r->v);

	nd_init(&r->nd, ND_REPLAY, &r->log);
	r->v.state = VCPU_RUNNING;
	nd_before_entry(&r->v, 0);
	assert_int_equal(r->v.stop_code, STOP_REPLAY_END);
	assert_true(r->nd.ended);
	assert_non_null(strstr(r->v.stop_reason, "replay reached the end of the log"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hash_in_rep_is_checked_at_its_iteration),
		T(test_interrupt_in_rep_waits_for_its_iteration),
		T(test_input_matched_without_rcx),
		T(test_tsc_replays_recorded_value),
		T(test_rand_replays_value_and_carry),
		T(test_input_elsewhere_diverges),
		T(test_unaltered_log_replays_to_its_end),
		T(test_changed_tsc_diverges_at_next_hash),
		T(test_moved_interrupt_diverges_at_it),
		T(test_missing_input_diverges_at_its_read),
		T(test_extra_input_diverges_at_it),
		T(test_changed_hash_diverges_at_it),
		T(test_interrupt_injected_and_recorded),
		T(test_live_injects_and_records_nothing),
		T(test_blocked_interrupt_opens_window),
		T(test_hashes_at_their_intervals),
		T(test_record_limit_stops),
		T(test_live_slice_follows_timer),
		T(test_replay_bounds_run_to_next_input),
		T(test_replay_past_the_end_diverges),
		T(test_replay_interrupt_blocked_diverges),
		T(test_idle_waits_for_timer),
		T(test_idle_without_timer_stops),
		T(test_idle_in_replay_returns_at_once),
		T(test_stop_recorded_with_final_hashes),
		T(test_stop_keeps_its_code_when_log_full),
		T(test_replay_stop_matches),
		T(test_replay_stop_differs_diverges),
		T(test_replay_reaches_record_limit_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
