#include "net/iscsi/scsi_sense.h"

#include <string.h>

#include "hv/lib/be_bytes.h"

#define SENSE_VALID 0x80 /* fixed format byte 0: INFORMATION is valid */
#define DESC_INFORMATION 0x00

/* Descriptor format: the INFORMATION descriptor, if any. */
static void descriptor_info(const uint8_t *s, size_t len, struct scsi_sense *out)
{
	size_t end = 8 + (size_t)s[7];
	if (end > len)
		end = len;
	for (size_t at = 8; at + 2 <= end;) {
		size_t n = s[at + 1];
		if (at + 2 + n > end)
			return;
		if (s[at] == DESC_INFORMATION && n >= 10 && (s[at + 2] & SENSE_VALID)) {
			out->info_valid = true;
			out->info = get_be(s + at + 4, 8);
		}
		at += 2 + n;
	}
}

bool scsi_sense_parse(const uint8_t *s, size_t len, struct scsi_sense *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (len < 1) {
		*why = "no sense data";
		return false;
	}
	uint8_t code = s[0] & 0x7f;
	switch (code) {
	case 0x70:
	case 0x71:
		/* Fixed: key in byte 2, INFORMATION 3-6, ASC/ASCQ 12-13 when the
		 * additional length (byte 7) reaches them. */
		if (len < 8) {
			*why = "fixed-format sense shorter than 8 bytes";
			return false;
		}
		out->deferred = code == 0x71;
		out->key = s[2] & 0x0f;
		out->info_valid = (s[0] & SENSE_VALID) != 0;
		out->info = get_be(s + 3, 4);
		if (len >= 14 && s[7] >= 6) {
			out->asc = s[12];
			out->ascq = s[13];
		}
		return true;
	case 0x72:
	case 0x73:
		if (len < 8) {
			*why = "descriptor-format sense shorter than 8 bytes";
			return false;
		}
		out->deferred = code == 0x73;
		out->key = s[1] & 0x0f;
		out->asc = s[2];
		out->ascq = s[3];
		descriptor_info(s, len, out);
		return true;
	default:
		*why = "unknown sense response code";
		return false;
	}
}

enum scsi_outcome scsi_classify(uint8_t status, const uint8_t *sense, size_t sense_len,
				struct scsi_sense *parsed)
{
	struct scsi_sense local;
	struct scsi_sense *sn = parsed ? parsed : &local;
	const char *why;
	memset(sn, 0, sizeof(*sn));
	switch (status) {
	case SCSI_STATUS_GOOD:
		return SCSI_OUTCOME_GOOD;
	case SCSI_STATUS_BUSY:
	case SCSI_STATUS_TASK_SET_FULL:
		return SCSI_OUTCOME_RETRY;
	case SCSI_STATUS_RESERVATION_CONFLICT:
		return SCSI_OUTCOME_RESERVATION_CONFLICT;
	case SCSI_STATUS_CHECK_CONDITION:
		if (!sense || !scsi_sense_parse(sense, sense_len, sn, &why))
			return SCSI_OUTCOME_ERROR;
		if (sn->key == SCSI_SENSE_UNIT_ATTENTION)
			return SCSI_OUTCOME_RETRY;
		if (sn->key == SCSI_SENSE_MISCOMPARE && sn->asc == 0x1d && sn->ascq == 0x00)
			return SCSI_OUTCOME_MISCOMPARE;
		return SCSI_OUTCOME_ERROR;
	default:
		return SCSI_OUTCOME_ERROR;
	}
}

const char *scsi_outcome_name(enum scsi_outcome o)
{
	switch (o) {
	case SCSI_OUTCOME_GOOD: return "good";
	case SCSI_OUTCOME_RETRY: return "retry (not executed)";
	case SCSI_OUTCOME_RESERVATION_CONFLICT: return "reservation conflict";
	case SCSI_OUTCOME_MISCOMPARE: return "miscompare";
	default: return "error";
	}
}
