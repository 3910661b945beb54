/*
 * iSCSI PDUs (RFC 7143 section 11): the 48-byte Basic Header Segment of
 * every opcode, as one flat struct whose fields each opcode uses in its own
 * way (listed per field), with an encoder, a parser and the checks that a
 * PDU from a target must pass. Pure: no I/O, no global state.
 */
#ifndef FTV_ISCSI_PDU_H
#define FTV_ISCSI_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISCSI_BHS_SIZE 48
#define ISCSI_DIGEST_SIZE 4
#define ISCSI_MAX_AHS (255 * 4)       /* TotalAHSLength counts 4-byte words */
#define ISCSI_MAX_DSL 0xffffff        /* DataSegmentLength is 24 bits */
#define ISCSI_RESERVED_TAG 0xffffffffu

/* Opcodes, byte 0 bits 0-5 (section 11.1.1). */
enum iscsi_opcode {
	/* initiator to target */
	ISCSI_OP_NOP_OUT = 0x00,
	ISCSI_OP_SCSI_CMD = 0x01,
	ISCSI_OP_TMF_REQ = 0x02,
	ISCSI_OP_LOGIN_REQ = 0x03,
	ISCSI_OP_TEXT_REQ = 0x04,
	ISCSI_OP_DATA_OUT = 0x05,
	ISCSI_OP_LOGOUT_REQ = 0x06,
	ISCSI_OP_SNACK_REQ = 0x10,
	/* target to initiator */
	ISCSI_OP_NOP_IN = 0x20,
	ISCSI_OP_SCSI_RSP = 0x21,
	ISCSI_OP_TMF_RSP = 0x22,
	ISCSI_OP_LOGIN_RSP = 0x23,
	ISCSI_OP_TEXT_RSP = 0x24,
	ISCSI_OP_DATA_IN = 0x25,
	ISCSI_OP_LOGOUT_RSP = 0x26,
	ISCSI_OP_R2T = 0x31,
	ISCSI_OP_ASYNC_MSG = 0x32,
	ISCSI_OP_REJECT = 0x3f,
};

#define ISCSI_BHS_IMMEDIATE 0x40      /* byte 0: immediate delivery */
#define ISCSI_BHS_OPCODE_MASK 0x3f

/* Byte 1 flags. */
#define ISCSI_FLAG_FINAL 0x80         /* F (all); T (transit) in login */
#define ISCSI_FLAG_CONTINUE 0x40      /* C: login/text data continues */
#define ISCSI_CMD_READ 0x40           /* R: SCSI command reads */
#define ISCSI_CMD_WRITE 0x20          /* W: SCSI command writes */
#define ISCSI_CMD_ATTR_SIMPLE 0x01    /* task attribute */
#define ISCSI_DATAIN_ACK 0x40         /* A (ERL > 0 only) */
#define ISCSI_RSP_BIDI_OVERFLOW 0x10  /* o */
#define ISCSI_RSP_BIDI_UNDERFLOW 0x08 /* u */
#define ISCSI_RSP_OVERFLOW 0x04       /* O (also Data-In) */
#define ISCSI_RSP_UNDERFLOW 0x02      /* U (also Data-In) */
#define ISCSI_DATAIN_STATUS 0x01      /* S: Data-In carries the status */
#define ISCSI_LOGIN_CSG_SHIFT 2
#define ISCSI_LOGIN_STAGE_MASK 0x03
#define ISCSI_LOGOUT_REASON_MASK 0x7f

/* Login stages (CSG/NSG). */
enum iscsi_login_stage {
	ISCSI_STAGE_SECURITY = 0,
	ISCSI_STAGE_OPERATIONAL = 1,
	ISCSI_STAGE_FULL_FEATURE = 3,
};

/*
 * One BHS, decoded. Fields an opcode does not have stay 0 on parse and are
 * ignored on encode.
 */
struct iscsi_pdu {
	uint8_t opcode;
	bool immediate;
	uint8_t flags;           /* byte 1 (F, R/W, S, O/U, T/C/CSG/NSG, logout reason) */
	uint16_t ahs_len;        /* TotalAHSLength in bytes */
	uint32_t data_len;       /* DataSegmentLength (without padding) */
	uint64_t lun;            /* bytes 8-15, as sent */
	uint32_t itt;            /* Initiator Task Tag */
	uint32_t ttt;            /* Target Transfer Tag (NOP, Data, R2T, Text); SNACK Tag (SCSI Response) */
	uint32_t cmd_sn;         /* initiator PDUs */
	uint32_t exp_stat_sn;    /* initiator PDUs */
	uint32_t stat_sn;        /* target PDUs */
	uint32_t exp_cmd_sn;     /* target PDUs */
	uint32_t max_cmd_sn;     /* target PDUs */
	uint32_t data_sn;        /* DataSN (Data-In/Out), R2TSN, ExpDataSN (SCSI Response), DataSN/R2TSN (Reject) */
	uint32_t buffer_offset;  /* Data-In/Out, R2T */
	uint32_t length;         /* Expected Data Transfer Length (command), Desired Data Transfer
	                          * Length (R2T), Residual Count (SCSI Response, Data-In) */
	uint32_t bidi_residual;  /* SCSI Response */
	uint8_t status;          /* SCSI status (Response, Data-In with S); Status-Class (Login Response) */
	uint8_t response;        /* iSCSI response (SCSI/Logout Response); reason (Reject);
	                          * Status-Detail (Login Response) */
	uint8_t cdb[16];         /* SCSI Command */
	/* Login */
	uint8_t version_max, version_min; /* Response: version-max, version-active */
	uint8_t isid[6];
	uint16_t tsih;
	uint16_t cid;            /* Login, Logout request */
	/* Logout Response; Async Message */
	uint16_t time2wait, time2retain;
	uint8_t async_event, async_vcode;
	uint16_t async_param[3];
};

/* The transit stages of a login PDU. */
static inline unsigned iscsi_login_csg(const struct iscsi_pdu *p)
{
	return (p->flags >> ISCSI_LOGIN_CSG_SHIFT) & ISCSI_LOGIN_STAGE_MASK;
}

static inline unsigned iscsi_login_nsg(const struct iscsi_pdu *p)
{
	return p->flags & ISCSI_LOGIN_STAGE_MASK;
}

/* The data segment padded to a multiple of 4 bytes. */
static inline uint32_t iscsi_pad4(uint32_t n)
{
	return (n + 3) & ~3u;
}

/* A name for logs: "SCSI Response", or "opcode?" for others. */
const char *iscsi_opcode_name(uint8_t opcode);

/* Writes the 48 bytes of 'p' (ahs_len must be a multiple of 4, data_len < 2^24). */
void iscsi_bhs_encode(const struct iscsi_pdu *p, uint8_t bhs[ISCSI_BHS_SIZE]);

/* Reads any BHS into 'p' by its opcode's layout; no checks. */
void iscsi_bhs_parse(const uint8_t bhs[ISCSI_BHS_SIZE], struct iscsi_pdu *p);

/*
 * Parses a BHS that came from a target and checks it: a target opcode,
 * the data segment no longer than max_dsl (our MaxRecvDataSegmentLength),
 * the opcode's own rules (F where an opcode has a single PDU, no data where
 * it has none, no contradicting flags). NULL when the PDU is acceptable,
 * else why not.
 */
const char *iscsi_pdu_decode_target(const uint8_t bhs[ISCSI_BHS_SIZE], uint32_t max_dsl,
				    struct iscsi_pdu *p);

/*
 * The sense data in a SCSI Response's (or Async Message's) data segment:
 * a 2-byte SenseLength, the sense bytes, then response data. NULL with
 * *sense / *sense_len set (0 and NULL when there is none), else why the
 * segment is malformed.
 */
const char *iscsi_pdu_sense(const uint8_t *data, uint32_t data_len, const uint8_t **sense,
			    uint32_t *sense_len);

#endif
