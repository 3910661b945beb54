/*
 * Deliberate damage to a record log, for the self-check's fault injection
 * (replay.corrupt) and the tests: each kind of damage must be caught by the
 * reader before any event of the damaged batch is replayed. Pure.
 */
#ifndef FTV_LOG_CORRUPT_H
#define FTV_LOG_CORRUPT_H

#include <stddef.h>
#include <stdint.h>

enum log_damage {
	DAMAGE_FLIP_BIT,        /* one bit of a middle batch's payload */
	DAMAGE_TRUNCATE,        /* the log ends inside a middle batch */
	DAMAGE_REORDER,         /* two neighbouring batches swapped */
	DAMAGE_VERSION,         /* a middle batch claims another format version (valid CRC) */
	DAMAGE_KIND_COUNT
};

const char *log_damage_name(enum log_damage kind);

/* Damages buf[0..*len) in place (may shorten *len). Returns the index of
 * the first damaged batch, or -1 if the log has too few batches (3 needed). */
int log_damage(uint8_t *buf, size_t *len, enum log_damage kind);

#endif
