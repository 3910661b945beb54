/*
 * What the fault-tolerance roles decide about their log, as pure functions
 * (host-tested): whether a backup can resume where it asks, which batches
 * the backup no longer needs, how much unacknowledged log flow control may
 * allow, and when the primary closes its open batch.
 */
#ifndef FTV_FT_POLICY_H
#define FTV_FT_POLICY_H

#include <stdint.h>

enum ft_resume {
	FT_RESUME_OK,        /* the log holds the batch asked for (or it is the next one) */
	FT_RESUME_RELEASED,  /* it was released: only a state transfer can start that backup */
	FT_RESUME_AHEAD,     /* it was never written: the backup is confused */
};

/* A backup asks to resume at batch 'want'; the primary holds batches
 * oldest..next-1 and writes batch 'next' next. */
enum ft_resume ft_resume_at(uint64_t want, uint64_t oldest, uint64_t next);

/* Backup: the batches before the returned one were both replayed (the
 * reader is past them) and acknowledged to the primary. */
uint64_t ft_backup_release_before(uint64_t read_seq, uint64_t acked_seq);

/* Primary: the largest ft.max_unacked_kb for a log of log_bytes. The guest
 * pauses past that much unacknowledged log and is only checked now and
 * then, and the log also holds the open batch and the bytes skipped at the
 * end of a lap: half the log leaves room for all of it. */
uint64_t ft_max_unacked_kb(uint64_t log_bytes);

/*
 * Primary: the age of the open batch, from the first service that saw an
 * event in it. ft_flush_due() is called at every service with the open
 * batch's number and event count (0 when no batch is open); it returns 1
 * when that batch has waited max_age_us and should be closed now.
 */
struct ft_flush_clock {
	int timing;          /* a batch with events is open and being timed */
	uint64_t seq;        /* its number */
	uint64_t since_us;   /* when it was first seen with events */
};

int ft_flush_due(struct ft_flush_clock *c, uint64_t seq, uint32_t nevents, uint64_t now_us,
		 uint64_t max_age_us);

#endif
