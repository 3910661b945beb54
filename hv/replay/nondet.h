/*
 * The record/replay choke point. Every input that could make two runs of the
 * guest differ passes through these functions: time (RDTSC, RDTSCP, the TSC
 * MSR, idling in HLT), random numbers (RDRAND, RDSEED), device registers
 * whose value comes from outside (the APIC timer's current count, the RTC),
 * and interrupts. Only this file knows whether ftvisor is recording,
 * replaying, or neither; devices and exit handlers just ask it for values.
 */
#ifndef FTV_NONDET_H
#define FTV_NONDET_H

#include <stdint.h>

#include "hv/eventlog/event.h"

struct vcpu;
struct event_log;

enum nd_mode { ND_LIVE = 0, ND_RECORD = 1, ND_REPLAY = 2 };

struct nondet {
	enum nd_mode mode;
	struct event_log *log;
	uint64_t record_limit;       /* record: stop after this many events (0: no limit) */
	uint32_t hash_interval;      /* events between architectural-state hashes */
	uint32_t memhash_interval;   /* events between guest-memory hashes, and one at the
				      * end (0: memory is never hashed) */
	uint32_t since_hash, since_memhash;
	uint32_t checkpoint_every;   /* state hashes between console checkpoint lines (0: none) */
	int ended;                   /* replay: the log's STOP event was reached */

	/* statistics for the console and the benchmarks */
	uint64_t events;
	uint64_t interrupts;
	uint64_t hashes;             /* recorded, or compared and matched */
	uint64_t memhashes;
	uint64_t events_by_type[EV_TYPE_COUNT];
};

typedef uint64_t (*nd_live_fn)(struct vcpu *v, uint32_t reg);

void nd_init(struct nondet *nd, enum nd_mode mode, struct event_log *log);

/* Inputs. */
uint64_t nd_tsc(struct vcpu *v, enum ev_tsc_source source);
/* Returns the carry flag the instruction sets (1: *value is valid). */
int nd_rand(struct vcpu *v, int rdseed, uint64_t *value);
uint64_t nd_device(struct vcpu *v, enum ev_device dev, uint32_t reg, nd_live_fn live);

/* The guest executed HLT: wait until an interrupt is due (live, record)
 * or carry on to the next logged one (replay). */
void nd_idle(struct vcpu *v);

/* Before every VM entry: interrupts, state hashes, and how far the guest
 * may run. event_busy: an event is already queued for this entry. */
void nd_before_entry(struct vcpu *v, int event_busy);

/* The guest stopped: record the final hashes and the stop, or check them. */
void nd_guest_stopped(struct vcpu *v);

#endif
