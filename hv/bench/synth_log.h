/*
 * A synthetic record log for the logging-channel benchmark (ft.bench_mb):
 * events shaped like the test guest's under test=replay, so batches encode
 * to realistic sizes. Each timer tick is an interrupt and the TSC read of
 * its handler; one tick in four also runs a work loop (a TSC read, an
 * RDRAND, an APIC timer-count read); a state hash follows every
 * SYNTH_HASH_INTERVAL events, as with replay.hash_interval's default.
 * Deterministic for a seed; every event may follow the ones before it in
 * a log (log_encoder_check accepts it). Pure: host-tested.
 */
#ifndef FTV_SYNTH_LOG_H
#define FTV_SYNTH_LOG_H

#include <stdint.h>

#include "hv/eventlog/event.h"

#define SYNTH_HASH_INTERVAL 64

struct synth_log {
	uint64_t rng;
	struct exec_point at;      /* where the last event happened */
	uint64_t tsc;              /* the last TSC value read */
	uint64_t events;           /* events produced so far */
	unsigned step;             /* position in the current tick's pattern */
	int work;                  /* this tick runs the work loop */
};

void synth_log_init(struct synth_log *s, uint64_t seed);
/* The next event. */
void synth_log_next(struct synth_log *s, struct ev *out);
/* The last event of a log: the guest stopped, passed, where the last
 * event happened. */
void synth_log_stop(const struct synth_log *s, struct ev *out);

#endif
