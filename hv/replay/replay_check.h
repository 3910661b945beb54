/*
 * The self-check of record/replay on one machine: from a snapshot of the
 * guest, record N events (or until the guest stops), restore the snapshot,
 * replay the log, and compare every state and memory hash on the way. With
 * 'bench', the same run first goes unrecorded, so the costs can be compared.
 */
#ifndef FTV_REPLAY_CHECK_H
#define FTV_REPLAY_CHECK_H

#include <stdint.h>

struct hv_state;

/* 0 when the replay matched the recording exactly, -1 otherwise. */
struct replay_check_options {
	uint64_t events;     /* record this many events (the guest may stop sooner) */
	int bench;           /* first run the same guest unrecorded, and compare */
	int dump;            /* print the log on the console */
	int corrupt;         /* then replay damaged copies of the log: each must be refused */
	int alter;           /* then replay a copy with one event altered (enum log_alteration;
			      * 0: off): replay must diverge */
	uint64_t alter_event; /* the first event the alteration may pick */
};

int replay_check(struct hv_state *hv, const struct replay_check_options *opt);

#endif
