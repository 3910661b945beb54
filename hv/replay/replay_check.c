#include "hv/replay/replay_check.h"

#include <stdlib.h>
#include <string.h>

#include "hv/eventlog/event_log.h"
#include "hv/core/guest_load.h"
#include "hv/core/hv_state.h"
#include "hv/lib/log.h"
#include "hv/eventlog/log_codec.h"
#include "hv/eventlog/log_alter.h"
#include "hv/eventlog/log_corrupt.h"
#include "hv/eventlog/log_dump.h"
#include "hv/lib/memmap.h"
#include "hv/replay/nondet.h"
#include "hv/replay/snapshot.h"
#include "hv/lib/stop.h"
#include "hv/core/vmexit.h"
#include "arch/x86_64/cpu.h"

#define MIB (1ull << 20)

struct run_stats {
	uint64_t instructions;   /* execution-point count */
	uint64_t cycles;         /* host TSC (in Bochs: emulated instructions) */
	uint64_t exits;
	uint64_t interrupts;
};

static struct run_stats run(struct vcpu *v, enum nd_mode mode, const char *console_name)
{
	struct run_stats s;
	uint64_t count0 = v->point.count;
	nd_init(v->nd, mode, v->nd->log);
	v->uart.sink_ctx = (void *)console_name;
	v->exits = 0;
	v->interrupts_injected = 0;
	memset(v->exit_counts, 0, sizeof(v->exit_counts));
	uint64_t t0 = cpu_rdtsc();
	vcpu_run(v);
	s.cycles = cpu_rdtsc() - t0;
	s.instructions = v->point.count - count0;
	s.exits = v->exits;
	s.interrupts = v->interrupts_injected;
	return s;
}

static void print_run(const char *what, const struct run_stats *s, const struct run_stats *base)
{
	uint64_t per_kcycle = s->cycles ? s->instructions * 1000 / s->cycles : 0;
	log_info("replay", "%-7s %12llu guest instructions in %12llu cycles (%llu per 1000 cycles), "
			   "%llu exits, %llu interrupts",
		 what, (unsigned long long)s->instructions, (unsigned long long)s->cycles,
		 (unsigned long long)per_kcycle, (unsigned long long)s->exits,
		 (unsigned long long)s->interrupts);
	if (base && base->cycles && s->cycles) {
		/* Speed relative to the unrecorded run, in thousandths. */
		unsigned __int128 num = (unsigned __int128)s->instructions * base->cycles * 1000;
		unsigned __int128 den = (unsigned __int128)s->cycles * (base->instructions ? base->instructions : 1);
		uint64_t rel = (uint64_t)(num / den);
		log_info("replay", "%-7s speed %llu.%03llu of the unrecorded run", what,
			 (unsigned long long)(rel / 1000), (unsigned long long)(rel % 1000));
	}
}

static void print_log_stats(const struct nondet *nd, const struct event_log *log,
			    const struct run_stats *rec)
{
	static const char *const names[EV_TYPE_COUNT] = { "none", "tsc", "rand", "device", "intr",
							   "hash", "memhash", "stop" };
	log_info("replay", "log: %llu events in %llu bytes (%llu batches); %llu interrupts",
		 (unsigned long long)nd->events, (unsigned long long)log->bytes,
		 (unsigned long long)log->seq, (unsigned long long)nd->interrupts);
	for (int t = 1; t < EV_TYPE_COUNT; t++)
		if (nd->events_by_type[t])
			console_printf("  %-8s %10llu\n", names[t],
				       (unsigned long long)nd->events_by_type[t]);
	if (rec->instructions)
		log_info("replay", "log: %llu bytes per million guest instructions",
			 (unsigned long long)(log->bytes * 1000000 / rec->instructions));
}

/* The self-check's log releases nothing, so its batches lie back to back
 * from the start of the buffer, in one piece. */
static uint8_t *whole_log(struct event_log *log, size_t *len)
{
	uint8_t *bytes = event_log_contiguous(log, len);
	if (!bytes || log->oldest != 0)
		panic("replay: the self-check's log lost batches or wrapped around");
	return bytes;
}

/* Puts the recorded log back, batch by batch, from a good copy of it. */
static void restore_log(struct event_log *log, const uint8_t *good, size_t len)
{
	event_log_clear(log);
	for (size_t pos = 0; pos < len;) {
		struct log_batch_info info;
		if (log_batch_decode(good + pos, len - pos, &info, NULL, 0, NULL, 0) != LOG_OK ||
		    event_log_append_batch(log, good + pos, info.size) != 0)
			panic("replay: the copy of the recorded log does not go back");
		pos += info.size;
	}
}

/*
 * Replays damaged copies of the log from the snapshot: every one must stop
 * with the damage named, before any event of the damaged batch is applied.
 */
static int replay_damaged_logs(struct vcpu *v, struct vcpu_snapshot *snap)
{
	struct event_log *log = v->nd->log;
	size_t good_len;
	const uint8_t *recorded = whole_log(log, &good_len);
	uint8_t *good = malloc(good_len);
	int failures = 0;
	if (!good) {
		log_error("replay", "out of heap for a copy of the log");
		return -1;
	}
	memcpy(good, recorded, good_len);
	for (int kind = 0; kind < DAMAGE_KIND_COUNT; kind++) {
		size_t len;
		uint8_t *bytes = whole_log(log, &len);
		int batch = log_damage(bytes, &len, (enum log_damage)kind);
		event_log_truncate(log, log->tail + len);
		if (batch < 0) {
			log_error("replay", "the log has too few batches to damage (record more events)");
			failures++;
			break;
		}
		snapshot_restore(v, snap);
		event_log_rewind(log);
		run(v, ND_REPLAY, "damaged");
		int refused = v->stop_code == STOP_DIVERGED && event_log_error(log)[0];
		if (refused)
			log_info("replay", "damaged log (%s in batch %d) refused: %s",
				 log_damage_name((enum log_damage)kind), batch, v->stop_reason);
		else
			log_error("replay", "damaged log (%s in batch %d) was NOT refused: %s",
				  log_damage_name((enum log_damage)kind), batch, v->stop_reason);
		failures += !refused;
		restore_log(log, good, good_len);
	}
	free(good);
	return failures ? -1 : 0;
}

/*
 * Replays a copy of the log with one event's content altered and its
 * batches encoded again, with right CRCs: the decoder has nothing to
 * refuse, so only the replay engine can notice, and it must diverge at
 * that event (or at the first hash after it, where only the guest's state
 * shows the change), naming it.
 */
static int replay_altered_log(struct vcpu *v, struct vcpu_snapshot *snap,
			      enum log_alteration kind, uint64_t from)
{
	struct event_log *log = v->nd->log;
	size_t len, out_len = 0;
	const uint8_t *recorded = whole_log(log, &len);
	size_t cap = len + LOG_EVENT_MAX_SIZE + 16;
	uint8_t *good = malloc(len), *altered = malloc(cap);
	int rc = -1;
	if (!good || !altered) {
		log_error("replay", "out of heap for an altered copy of the log");
		goto out;
	}
	memcpy(good, recorded, len);
	struct log_alter_result res;
	char why[192], before[160], after[160];
	if (log_alter(good, len, altered, cap, &out_len, kind, from, &res, why, sizeof(why)) != 0) {
		log_error("replay", "cannot alter the log (%s): %s", log_alteration_name(kind), why);
		goto out;
	}
	ev_describe(&res.before, res.index, before, sizeof(before));
	ev_describe(&res.after, kind == ALTER_EXTRA ? res.index + 1 : res.index, after, sizeof(after));
	log_info("replay", "altered log (%s): %s; now %s", log_alteration_name(kind), before,
		 kind == ALTER_DROP ? "gone" : after);
	restore_log(log, altered, out_len);
	snapshot_restore(v, snap);
	event_log_rewind(log);
	run(v, ND_REPLAY, "altered");
	int caught = v->stop_code == STOP_DIVERGED && !event_log_error(log)[0];
	if (caught)
		log_info("replay", "altered log (%s at event #%llu) diverged: %s",
			 log_alteration_name(kind), (unsigned long long)res.index, v->stop_reason);
	else
		log_error("replay", "altered log (%s at event #%llu) was NOT caught: %s",
			  log_alteration_name(kind), (unsigned long long)res.index, v->stop_reason);
	rc = caught ? 0 : -1;
	restore_log(log, good, len);
out:
	free(good);
	free(altered);
	return rc;
}

int replay_check(struct hv_state *hv, const struct replay_check_options *opt)
{
	struct vcpu *v = hv->vcpu;
	static struct vcpu_snapshot snap;
	uint64_t events = opt->events;
	int bench = opt->bench;

	if (!hv->log.buf &&
	    event_log_init(&hv->log, hv->config.replay_log_mb * MIB, EVENT_LOG_BATCH_BYTES) != 0) {
		log_error("replay", "out of heap for a %llu MiB record log (lower replay.log_mb or "
				    "raise hv.heap_mb)", (unsigned long long)hv->config.replay_log_mb);
		return -1;
	}
	/* The replay starts from the first event: the log keeps every batch,
	 * and a full one stops the recording. */
	hv->log.drop_when_full = 0;
	if (!snap.ram) {
		uint64_t base;
		if (memmap_carve(&hv->memmap, v->ram_size, 2 * MIB, MIB, &base) != 0) {
			log_error("replay", "no room for a %llu MiB snapshot of guest RAM: the self-check "
					    "needs twice the guest's memory",
				  (unsigned long long)(v->ram_size / MIB));
			return -1;
		}
		snap.ram = (uint8_t *)base;
	}
	event_log_clear(v->nd->log);
	v->nd->record_limit = events;
	v->nd->hash_interval = (uint32_t)hv->config.replay_hash_interval;
	v->nd->memhash_interval = (uint32_t)hv->config.replay_memhash_interval;

	guest_power_on(v, &hv->guest);
	snapshot_take(v, &snap);
	log_info("replay", "self-check: %s%llu events with the %s counter, state hash every %u "
			   "events, memory hash every %u",
		 events ? "" : "until the guest stops, ", (unsigned long long)events, v->ep->name,
		 v->nd->hash_interval, v->nd->memhash_interval);

	struct run_stats live = { 0 }, rec, rep;
	if (bench) {
		live = run(v, ND_LIVE, "guest");
		log_info("replay", "unrecorded run: %s", v->stop_reason);
		snapshot_restore(v, &snap);
	}
	rec = run(v, ND_RECORD, "guest");
	log_info("replay", "recorded run: %s", v->stop_reason);
	struct nondet recorded = *v->nd;
	snapshot_restore(v, &snap);
	event_log_rewind(v->nd->log);
	rep = run(v, ND_REPLAY, "replay");

	if (bench)
		print_run("live", &live, NULL);
	print_run("record", &rec, bench ? &live : NULL);
	print_run("replay", &rep, bench ? &live : NULL);
	print_log_stats(&recorded, v->nd->log, &rec);
	if (opt->dump) {
		size_t len;
		const uint8_t *bytes = whole_log(v->nd->log, &len);
		log_dump(bytes, len);
	}

	if (v->stop_code == STOP_DIVERGED || !v->nd->ended) {
		const char *why = event_log_error(v->nd->log);
		log_error("replay", "self-check FAILED: %s%s%s", v->stop_reason, why[0] ? "; log: " : "",
			  why);
		return -1;
	}
	log_info("replay", "self-check PASSED: %llu events replayed, %llu interrupts at their "
			   "recorded points, %llu state hashes and %llu memory hashes matched",
		 (unsigned long long)v->nd->events, (unsigned long long)v->nd->interrupts,
		 (unsigned long long)v->nd->hashes, (unsigned long long)v->nd->memhashes);
	int rc = 0;
	if (opt->corrupt)
		rc = replay_damaged_logs(v, &snap);
	if (opt->alter && replay_altered_log(v, &snap, (enum log_alteration)opt->alter,
					     opt->alter_event) != 0)
		rc = -1;
	return rc;
}
