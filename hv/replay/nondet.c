#include "hv/replay/nondet.h"

#include <stdio.h>

#include "hv/eventlog/event_log.h"
#include "hv/core/exit_handlers.h"
#include "hv/lib/log.h"
#include "hv/lib/stop.h"
#include "hv/eventlog/log_codec.h"
#include "hv/replay/state_hash.h"
#include "hv/vmx/vcpu.h"
#include "hv/vmx/host.h"
#include "hv/vmx/inject.h"
#include "hv/vmx/vmcs.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"

void nd_init(struct nondet *nd, enum nd_mode mode, struct event_log *log)
{
	uint64_t limit = nd->record_limit;
	uint32_t hi = nd->hash_interval, mi = nd->memhash_interval, ce = nd->checkpoint_every;
	*nd = (struct nondet){ 0 };
	nd->mode = mode;
	nd->log = log;
	nd->record_limit = limit;
	nd->hash_interval = hi;
	nd->memhash_interval = mi;
	nd->checkpoint_every = ce;
}

/* ---- recording ---- */

static void count_event(struct nondet *nd, const struct ev *e)
{
	nd->events++;
	nd->events_by_type[e->type]++;
	if (e->type == EV_INTR)
		nd->interrupts++;
	nd->since_hash++;
	nd->since_memhash++;
}

static void record(struct vcpu *v, uint8_t type, uint32_t key, uint64_t value, uint8_t flag)
{
	struct nondet *nd = v->nd;
	struct ev e = { type, flag, key, value, v->point };
	if (event_log_append(nd->log, &e) != 0) {
		vcpu_stop(v, STOP_RECORD_LIMIT, "the record log is full after %llu events "
						 "(raise replay.log_mb)",
			  (unsigned long long)nd->events);
		return;
	}
	count_event(nd, &e);
}

/* ---- replaying ---- */

static void diverge(struct vcpu *v, const struct ev *want, const char *doing)
{
	char expected[160];
	const char *damage = event_log_error(v->nd->log);
	if (!want && damage[0]) {
		/* Nothing of a damaged batch is ever applied: stop before it. */
		vcpu_stop(v, STOP_DIVERGED, "replay stopped at count %llu rip 0x%llx: the record log "
					    "cannot be read further (%s); nothing after event #%llu was replayed",
			  (unsigned long long)v->point.count, (unsigned long long)v->point.rip, damage,
			  (unsigned long long)event_log_read_index(v->nd->log));
		return;
	}
	if (want)
		ev_describe(want, event_log_read_index(v->nd->log), expected, sizeof(expected));
	else
		snprintf(expected, sizeof(expected), "the end of the log");
	vcpu_stop(v, STOP_DIVERGED, "replay diverged at count %llu rip 0x%llx: the guest %s, the log has %s",
		  (unsigned long long)v->point.count, (unsigned long long)v->point.rip, doing, expected);
}

/*
 * Whether the guest is at event e's point. Exact events (interrupts, hashes,
 * the stop) need the whole point: with a branch counter every iteration of
 * a REP string instruction has the same count and RIP, and only RCX tells
 * them apart. An input needs only count and RIP: the guest exits for it by
 * itself, and the log's order says which of several reads at one point it
 * is (the log does not store an input's RCX: a varint on every TSC read).
 */
static int at_event_point(const struct ev *e, const struct exec_point *p)
{
	if (ev_point_is_exact(e->type))
		return exec_point_equal(&e->at, p);
	/* An input carries no RCX in the log: the guest exits for it by itself. */
	return e->at.count == p->count && e->at.rip == p->rip;
}

/* The next event must be this synchronous input, here; returns it or NULL
 * after stopping the guest with a divergence report. */
static const struct ev *expect_input(struct vcpu *v, uint8_t type, uint32_t key, const char *doing)
{
	const struct ev *e = event_log_peek(v->nd->log);
	if (!e || e->type != type || e->key != key || !at_event_point(e, &v->point)) {
		diverge(v, e, doing);
		return NULL;
	}
	count_event(v->nd, e);
	return e;
}

/* ---- inputs ---- */

uint64_t nd_tsc(struct vcpu *v, enum ev_tsc_source source)
{
	struct nondet *nd = v->nd;
	if (nd->mode == ND_REPLAY) {
		const struct ev *e = expect_input(v, EV_TSC, source, "reads the TSC");
		uint64_t value = e ? e->value : 0;
		if (e)
			event_log_pop(nd->log);
		return value;
	}
	uint64_t now = vcpu_guest_tsc(v);
	if (nd->mode == ND_RECORD)
		record(v, EV_TSC, source, now, 0);
	return now;
}

int nd_rand(struct vcpu *v, int rdseed, uint64_t *value)
{
	struct nondet *nd = v->nd;
	if (nd->mode == ND_REPLAY) {
		const struct ev *e = expect_input(v, EV_RAND, (uint32_t)rdseed,
						  rdseed ? "executes RDSEED" : "executes RDRAND");
		*value = e ? e->value : 0;
		int ok = e ? e->flag : 0;
		if (e)
			event_log_pop(nd->log);
		return ok;
	}
	int ok = host_rdrand64(value);
	if (!ok)
		*value = 0;
	if (nd->mode == ND_RECORD)
		record(v, EV_RAND, (uint32_t)rdseed, *value, (uint8_t)ok);
	return ok;
}

uint64_t nd_device(struct vcpu *v, enum ev_device dev, uint32_t reg, nd_live_fn live)
{
	struct nondet *nd = v->nd;
	uint32_t key = EV_DEVICE_KEY(dev, reg);
	if (nd->mode == ND_REPLAY) {
		const struct ev *e = expect_input(v, EV_DEVICE, key, "reads a device register");
		uint64_t value = e ? e->value : 0;
		if (e)
			event_log_pop(nd->log);
		return value;
	}
	uint64_t value = live(v, reg);
	if (nd->mode == ND_RECORD)
		record(v, EV_DEVICE, key, value, 0);
	return value;
}

#define IDLE_SLICE_US 1000

void nd_idle(struct vcpu *v)
{
	if (v->nd->mode == ND_REPLAY)
		return; /* the interrupt that ended the idle period is in the log */
	for (;;) {
		vlapic_advance(&v->lapic, vcpu_guest_tsc(v));
		if (vlapic_pending(&v->lapic) >= 0)
			return;
		uint64_t due = vlapic_next_deadline(&v->lapic), now = vcpu_guest_tsc(v);
		if (!due) {
			vcpu_stop(v, STOP_GUEST_CRASHED,
				  "guest halted at RIP 0x%llx with no timer armed: it would sleep forever",
				  (unsigned long long)vmcs_read(VMCS_GUEST_RIP));
			return;
		}
		/* The host sleeps too, until the guest's timer is due, a frame
		 * comes, or IDLE_SLICE_US passed: its own work (heartbeats, the
		 * log stream) goes on while the guest idles. */
		if (v->service)
			v->service(v);
		uint64_t us = due > now ? log_tsc_to_us(due - now) + 1 : 0;
		irq_wait(us < IDLE_SLICE_US ? us : IDLE_SLICE_US);
		cpu_pause();
	}
}

/* ---- interrupts and hashes before each entry ---- */

static int can_inject(int event_busy)
{
	uint64_t rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	return !event_busy && (rflags & RFLAGS_IF) &&
	       !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

static void inject(struct vcpu *v, int vector)
{
	/* Only called after can_inject(): the entry slot is free, so the merge
	 * cannot make the interrupt wait. */
	if (inject_event(v, event_external_interrupt((unsigned)vector)) != 0)
		panic("interrupt 0x%x had to wait although the entry slot was free", vector);
	vlapic_accept(&v->lapic, vector);
	v->interrupts_injected++;
}

static void refresh_point(struct vcpu *v)
{
	v->point.rip = vmcs_read(VMCS_GUEST_RIP);
	v->point.rcx = v->ctx.gpr[GPR_RCX];
}

/* The guest's next forced exit: the slice, or the virtual timer if sooner. */
static uint32_t live_slice(struct vcpu *v)
{
	uint64_t ticks = v->timer_slice;
	uint64_t deadline = vlapic_next_deadline(&v->lapic);
	if (deadline) {
		uint64_t now = vcpu_guest_tsc(v);
		uint64_t until = deadline > now ? (deadline - now) >> v->plan->preemption_rate : 0;
		if (until + 1 < ticks)
			ticks = until + 1;
	}
	return (uint32_t)(ticks > 0xffffffffull ? 0xffffffffull : ticks);
}

/* Both sides of a pair print the same line for the same hash. */
static void checkpoint(struct vcpu *v, uint64_t hash, const char *how)
{
	struct nondet *nd = v->nd;
	if (nd->checkpoint_every && nd->hashes % nd->checkpoint_every == 0)
		log_info("replay", "checkpoint %llu: count %llu rip 0x%llx state 0x%016llx %s",
			 (unsigned long long)(nd->hashes / nd->checkpoint_every),
			 (unsigned long long)v->point.count, (unsigned long long)v->point.rip,
			 (unsigned long long)hash, how);
}

static void record_hashes(struct vcpu *v, int force)
{
	struct nondet *nd = v->nd;
	if (force || (nd->hash_interval && nd->since_hash >= nd->hash_interval)) {
		uint64_t h = state_hash(v);
		nd->since_hash = 0;
		record(v, EV_HASH, 0, h, 0);
		nd->hashes++;
		checkpoint(v, h, "recorded");
	}
	if (nd->memhash_interval && (force || nd->since_memhash >= nd->memhash_interval)) {
		nd->since_memhash = 0;
		record(v, EV_MEMHASH, 0, memory_hash(v), 0);
		nd->memhashes++;
	}
}

static void before_entry_live(struct vcpu *v, int event_busy)
{
	struct nondet *nd = v->nd;
	vlapic_advance(&v->lapic, vcpu_guest_tsc(v));
	int vector = vlapic_pending(&v->lapic);
	if (vector >= 0 && can_inject(event_busy)) {
		inject(v, vector);
		if (nd->mode == ND_RECORD)
			record(v, EV_INTR, (uint32_t)vector, 0, 0);
		vector = vlapic_pending(&v->lapic);
	}
	/* Anything still pending waits for the guest to open its window. */
	vcpu_set_interrupt_window(v, vector >= 0);
	if (nd->mode == ND_RECORD) {
		record_hashes(v, 0);
		if (nd->record_limit && nd->events >= nd->record_limit)
			vcpu_stop(v, STOP_RECORD_LIMIT, "recorded %llu events, as asked",
				  (unsigned long long)nd->events);
	}
	v->ep->prepare_entry(v, NULL, 0, live_slice(v));
}

/* Compares a recorded hash with the replayed state's. */
static int check_hash(struct vcpu *v, const struct ev *e)
{
	uint64_t now = e->type == EV_HASH ? state_hash(v) : memory_hash(v);
	if (now != e->value) {
		char what[96];
		snprintf(what, sizeof(what), "has %s hash 0x%llx",
			 e->type == EV_HASH ? "state" : "memory", (unsigned long long)now);
		if (e->type == EV_HASH)
			vcpu_dump(v);
		diverge(v, e, what);
		return -1;
	}
	if (e->type == EV_HASH) {
		v->nd->hashes++;
		checkpoint(v, now, "matched");
	} else {
		v->nd->memhashes++;
	}
	return 0;
}

/* Applies every logged event that belongs exactly here; 1 if the log ended. */
static int replay_events_here(struct vcpu *v, int event_busy)
{
	struct nondet *nd = v->nd;
	const struct ev *e;
	while ((e = event_log_peek(nd->log)) != NULL) {
		if (e->at.count < v->point.count) {
			diverge(v, e, "ran past the point of the next event");
			return 1;
		}
		if (!at_event_point(e, &v->point))
			return 0;
		switch (e->type) {
		case EV_INTR:
			if (!can_inject(event_busy)) {
				diverge(v, e, "cannot take an interrupt here (IF=0, blocked, or busy)");
				return 1;
			}
			inject(v, (int)e->key);
			event_busy = 1;
			break;
		case EV_HASH:
		case EV_MEMHASH:
			if (check_hash(v, e) != 0)
				return 1;
			break;
		case EV_STOP:
			count_event(nd, e);
			event_log_pop(nd->log);
			nd->ended = 1;
			vcpu_stop(v, STOP_REPLAY_END, "replay reached the end of the log (the recorded "
						      "run stopped here: %s)",
				  stop_name((enum ftv_stop)e->key));
			return 1;
		default:
			return 0; /* an input the guest's next instruction will ask for */
		}
		count_event(nd, e);
		event_log_pop(nd->log);
	}
	diverge(v, NULL, "keeps running");
	return 1;
}

static void before_entry_replay(struct vcpu *v, int event_busy)
{
	if (replay_events_here(v, event_busy))
		return;
	const struct ev *next = event_log_peek(v->nd->log);
	/* Interrupts and hashes belong exactly at their point; an input is
	 * met when the guest exits for it, so a bound is enough. */
	int exact = ev_point_is_exact(next->type);
	/* At an input's own point, the next instruction is the input: run freely. */
	const struct exec_point *stop_at = !exact && at_event_point(next, &v->point) ? NULL
										 : &next->at;
	v->ep->prepare_entry(v, stop_at, exact, (uint32_t)v->timer_slice);
}

void nd_before_entry(struct vcpu *v, int event_busy)
{
	refresh_point(v);
	if (v->nd->mode == ND_REPLAY)
		before_entry_replay(v, event_busy);
	else
		before_entry_live(v, event_busy);
}

void nd_guest_stopped(struct vcpu *v)
{
	struct nondet *nd = v->nd;
	refresh_point(v);
	if (nd->mode == ND_RECORD) {
		enum ftv_stop code = v->stop_code;
		record_hashes(v, 1);
		record(v, EV_STOP, code, v->report_code, 0);
		event_log_flush(nd->log);
		v->stop_code = code; /* a full log must not rename why the run ended */
		return;
	}
	if (nd->mode != ND_REPLAY || nd->ended || v->stop_code == STOP_DIVERGED)
		return;
	/* The guest stopped by itself in replay: the log must end the same way, here. */
	enum ftv_stop code = v->stop_code;
	v->state = VCPU_RUNNING;
	const struct ev *e;
	while ((e = event_log_peek(nd->log)) != NULL && at_event_point(e, &v->point) &&
	       (e->type == EV_HASH || e->type == EV_MEMHASH)) {
		if (check_hash(v, e) != 0)
			return;
		count_event(nd, e);
		event_log_pop(nd->log);
	}
	e = event_log_peek(nd->log);
	if (!e || e->type != EV_STOP || e->key != (uint32_t)code || !at_event_point(e, &v->point)) {
		char doing[96];
		snprintf(doing, sizeof(doing), "stopped (%s)", stop_name(code));
		diverge(v, e, doing);
		return;
	}
	count_event(nd, e);
	event_log_pop(nd->log);
	nd->ended = 1;
	v->state = VCPU_STOPPED;
	v->stop_code = code;
}
