/*
 * SCSI sense data (SPC-4 4.5: fixed format 70h/71h, descriptor format
 * 72h/73h) and what a command's outcome means to the initiator. Pure.
 */
#ifndef FTV_SCSI_SENSE_H
#define FTV_SCSI_SENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SAM status codes. */
#define SCSI_STATUS_GOOD 0x00
#define SCSI_STATUS_CHECK_CONDITION 0x02
#define SCSI_STATUS_BUSY 0x08
#define SCSI_STATUS_RESERVATION_CONFLICT 0x18
#define SCSI_STATUS_TASK_SET_FULL 0x28

/* Sense keys. */
#define SCSI_SENSE_NOT_READY 0x2
#define SCSI_SENSE_ILLEGAL_REQUEST 0x5
#define SCSI_SENSE_UNIT_ATTENTION 0x6
#define SCSI_SENSE_MISCOMPARE 0xe

struct scsi_sense {
	uint8_t key, asc, ascq;
	bool deferred;          /* 71h / 73h: about an earlier command */
	bool info_valid;
	uint64_t info;          /* INFORMATION (miscompare offset, ...) */
};

/* false (and why) for sense data too short or of an unknown response code. */
bool scsi_sense_parse(const uint8_t *s, size_t len, struct scsi_sense *out, const char **why);

enum scsi_outcome {
	SCSI_OUTCOME_GOOD,
	SCSI_OUTCOME_RETRY,                /* UNIT ATTENTION, BUSY, TASK SET FULL: not executed */
	SCSI_OUTCOME_RESERVATION_CONFLICT, /* status 18h */
	SCSI_OUTCOME_MISCOMPARE,           /* CHECK CONDITION, E/1D/00 */
	SCSI_OUTCOME_ERROR,                /* anything else */
};

/* The outcome of a status and its sense data (sense may be NULL). */
enum scsi_outcome scsi_classify(uint8_t status, const uint8_t *sense, size_t sense_len,
				struct scsi_sense *parsed);
const char *scsi_outcome_name(enum scsi_outcome o);

#endif
