/*
 * Deliberate changes to the CONTENT of a record log, for the self-check's
 * fault injection (replay.alter) and the tests: one event is changed,
 * dropped or repeated, and every batch from there on is encoded again, so
 * that the log still decodes cleanly (right CRCs, event indices that follow
 * on). Unlike log_corrupt.h, which the reader must refuse, an altered log
 * reaches the replay engine, whose divergence check must catch it. Pure.
 */
#ifndef FTV_LOG_ALTER_H
#define FTV_LOG_ALTER_H

#include <stddef.h>
#include <stdint.h>

#include "hv/eventlog/event.h"

/* In the order of the replay.alter config choices (hv/lib/config.c). */
enum log_alteration {
	ALTER_OFF,
	ALTER_TSC,    /* a TSC read's value + 1 */
	ALTER_INTR,   /* an interrupt one count earlier (one instruction, under the emulator) */
	ALTER_DROP,   /* an input (TSC, RAND or DEVICE) removed */
	ALTER_EXTRA,  /* an input given twice: a copy right after it */
	ALTER_HASH,   /* a state hash's value with its lowest bit flipped */
	ALTER_KIND_COUNT
};

const char *log_alteration_name(enum log_alteration kind);

/* The most events one batch may hold for log_alter (a 4 KiB batch holds
 * at most 1352). */
#define LOG_ALTER_MAX_BATCH_EVENTS 2048

struct log_alter_result {
	uint64_t index;     /* the event altered (for ALTER_EXTRA: the copy is index + 1) */
	struct ev before;   /* the event as it was */
	struct ev after;    /* as it is now (ALTER_DROP: as it was; ALTER_EXTRA: the copy) */
};

/*
 * Writes to out[0..out_cap) the log in[0..len) with the first event of the
 * kind's type at or after index 'from' altered (an interrupt only where the
 * event before it comes at an earlier count, so that the log stays in
 * order; a dropped input only in a batch of two events or more). Sets
 * *out_len and *res and returns 0; or returns -1 with why[] saying what:
 * a batch that does not decode, no such event, or no room in out (len +
 * LOG_EVENT_MAX_SIZE + 16 is always enough).
 */
int log_alter(const uint8_t *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len,
	      enum log_alteration kind, uint64_t from, struct log_alter_result *res, char *why,
	      size_t why_size);

#endif
