#include "net/iscsi/iscsi_pdu.h"

#include <string.h>

#include "hv/lib/be_bytes.h"

/*
 * Where each opcode keeps its fields (RFC 7143 sections 11.2-11.19), beyond
 * the ones every BHS has at the same place (bytes 0, 1, 4-7, 16-19). One
 * table drives both the encoder and the parser, so they cannot disagree.
 */
struct bhs_field {
	uint8_t bhs_off, bhs_size;
	uint8_t pdu_off, pdu_size; /* pdu_size 0: raw bytes (ISID, CDB) */
};

#define F(off, size, member) \
	{ off, size, offsetof(struct iscsi_pdu, member), sizeof(((struct iscsi_pdu *)0)->member) }
#define RAW(off, size, member) { off, size, offsetof(struct iscsi_pdu, member), 0 }
#define TARGET_SNS F(24, 4, stat_sn), F(28, 4, exp_cmd_sn), F(32, 4, max_cmd_sn)
#define INITIATOR_SNS F(24, 4, cmd_sn), F(28, 4, exp_stat_sn)
#define MAX_FIELDS 10

struct bhs_layout {
	uint8_t opcode;
	const char *name;
	bool from_target;
	bool single;      /* F is always set: the opcode has no multi-PDU sequences */
	bool no_data;     /* the opcode never carries a data segment */
	struct bhs_field fields[MAX_FIELDS];
};

static const struct bhs_layout layouts[] = {
	{ ISCSI_OP_NOP_OUT, "NOP-Out", false, true, false,
	  { F(8, 8, lun), F(20, 4, ttt), INITIATOR_SNS } },
	{ ISCSI_OP_SCSI_CMD, "SCSI Command", false, false, false,
	  { F(8, 8, lun), F(20, 4, length), INITIATOR_SNS, RAW(32, 16, cdb) } },
	{ ISCSI_OP_LOGIN_REQ, "Login Request", false, false, false,
	  { F(2, 1, version_max), F(3, 1, version_min), RAW(8, 6, isid), F(14, 2, tsih),
	    F(20, 2, cid), INITIATOR_SNS } },
	{ ISCSI_OP_TEXT_REQ, "Text Request", false, false, false,
	  { F(8, 8, lun), F(20, 4, ttt), INITIATOR_SNS } },
	{ ISCSI_OP_DATA_OUT, "Data-Out", false, false, false,
	  { F(8, 8, lun), F(20, 4, ttt), F(28, 4, exp_stat_sn), F(36, 4, data_sn),
	    F(40, 4, buffer_offset) } },
	{ ISCSI_OP_LOGOUT_REQ, "Logout Request", false, false, true,
	  { F(20, 2, cid), INITIATOR_SNS } },
	{ ISCSI_OP_NOP_IN, "NOP-In", true, true, false,
	  { F(8, 8, lun), F(20, 4, ttt), TARGET_SNS } },
	{ ISCSI_OP_SCSI_RSP, "SCSI Response", true, true, false,
	  { F(2, 1, response), F(3, 1, status), F(20, 4, ttt), TARGET_SNS, F(36, 4, data_sn),
	    F(40, 4, bidi_residual), F(44, 4, length) } },
	{ ISCSI_OP_TMF_RSP, "Task Management Response", true, true, true,
	  { F(2, 1, response), TARGET_SNS } },
	{ ISCSI_OP_LOGIN_RSP, "Login Response", true, false, false,
	  { F(2, 1, version_max), F(3, 1, version_min), RAW(8, 6, isid), F(14, 2, tsih),
	    TARGET_SNS, F(36, 1, status), F(37, 1, response) } },
	{ ISCSI_OP_TEXT_RSP, "Text Response", true, false, false,
	  { F(8, 8, lun), F(20, 4, ttt), TARGET_SNS } },
	{ ISCSI_OP_DATA_IN, "Data-In", true, false, false,
	  { F(3, 1, status), F(8, 8, lun), F(20, 4, ttt), TARGET_SNS, F(36, 4, data_sn),
	    F(40, 4, buffer_offset), F(44, 4, length) } },
	{ ISCSI_OP_LOGOUT_RSP, "Logout Response", true, true, true,
	  { F(2, 1, response), TARGET_SNS, F(40, 2, time2wait), F(42, 2, time2retain) } },
	{ ISCSI_OP_R2T, "R2T", true, true, true,
	  { F(8, 8, lun), F(20, 4, ttt), TARGET_SNS, F(36, 4, data_sn), F(40, 4, buffer_offset),
	    F(44, 4, length) } },
	{ ISCSI_OP_ASYNC_MSG, "Async Message", true, true, false,
	  { F(8, 8, lun), TARGET_SNS, F(36, 1, async_event), F(37, 1, async_vcode),
	    F(38, 2, async_param[0]), F(40, 2, async_param[1]), F(42, 2, async_param[2]) } },
	{ ISCSI_OP_REJECT, "Reject", true, true, false,
	  { F(2, 1, response), TARGET_SNS, F(36, 4, data_sn) } },
};

static const struct bhs_layout *layout_of(uint8_t opcode)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].opcode == opcode)
			return &layouts[i];
	return NULL;
}

const char *iscsi_opcode_name(uint8_t opcode)
{
	const struct bhs_layout *l = layout_of(opcode);
	return l ? l->name : "opcode?";
}

void iscsi_bhs_encode(const struct iscsi_pdu *p, uint8_t bhs[ISCSI_BHS_SIZE])
{
	memset(bhs, 0, ISCSI_BHS_SIZE);
	bhs[0] = (uint8_t)((p->opcode & ISCSI_BHS_OPCODE_MASK) | (p->immediate ? ISCSI_BHS_IMMEDIATE : 0));
	bhs[1] = p->flags;
	bhs[4] = (uint8_t)(p->ahs_len / 4);
	put_be(bhs + 5, p->data_len, 3);
	put_be(bhs + 16, p->itt, 4);
	const struct bhs_layout *l = layout_of(p->opcode);
	for (unsigned i = 0; l && i < MAX_FIELDS && l->fields[i].bhs_size; i++) {
		const struct bhs_field *f = &l->fields[i];
		const uint8_t *src = (const uint8_t *)p + f->pdu_off;
		uint64_t v = 0;
		switch (f->pdu_size) {
		case 0: memcpy(bhs + f->bhs_off, src, f->bhs_size); continue;
		case 1: v = *src; break;
		case 2: { uint16_t x; memcpy(&x, src, 2); v = x; break; }
		case 4: { uint32_t x; memcpy(&x, src, 4); v = x; break; }
		default: memcpy(&v, src, 8); break;
		}
		put_be(bhs + f->bhs_off, v, f->bhs_size);
	}
}

void iscsi_bhs_parse(const uint8_t bhs[ISCSI_BHS_SIZE], struct iscsi_pdu *p)
{
	memset(p, 0, sizeof(*p));
	p->opcode = bhs[0] & ISCSI_BHS_OPCODE_MASK;
	p->immediate = (bhs[0] & ISCSI_BHS_IMMEDIATE) != 0;
	p->flags = bhs[1];
	p->ahs_len = (uint16_t)(bhs[4] * 4);
	p->data_len = (uint32_t)get_be(bhs + 5, 3);
	p->itt = (uint32_t)get_be(bhs + 16, 4);
	const struct bhs_layout *l = layout_of(p->opcode);
	for (unsigned i = 0; l && i < MAX_FIELDS && l->fields[i].bhs_size; i++) {
		const struct bhs_field *f = &l->fields[i];
		uint8_t *dst = (uint8_t *)p + f->pdu_off;
		uint64_t v = get_be(bhs + f->bhs_off, f->bhs_size);
		switch (f->pdu_size) {
		case 0: memcpy(dst, bhs + f->bhs_off, f->bhs_size); break;
		case 1: *dst = (uint8_t)v; break;
		case 2: { uint16_t x = (uint16_t)v; memcpy(dst, &x, 2); break; }
		case 4: { uint32_t x = (uint32_t)v; memcpy(dst, &x, 4); break; }
		default: memcpy(dst, &v, 8); break;
		}
	}
}

/* The rules one opcode adds to the common ones. */
static const char *check_opcode(const struct iscsi_pdu *p)
{
	uint8_t f = p->flags;
	switch (p->opcode) {
	case ISCSI_OP_SCSI_RSP:
		if ((f & ISCSI_RSP_OVERFLOW) && (f & ISCSI_RSP_UNDERFLOW))
			return "SCSI Response with both overflow and underflow";
		if ((f & ISCSI_RSP_BIDI_OVERFLOW) && (f & ISCSI_RSP_BIDI_UNDERFLOW))
			return "SCSI Response with both bidirectional overflow and underflow";
		if (p->data_len == 1)
			return "SCSI Response data segment shorter than its SenseLength field";
		return NULL;
	case ISCSI_OP_DATA_IN:
		if ((f & ISCSI_DATAIN_STATUS) && !(f & ISCSI_FLAG_FINAL))
			return "Data-In with status but without F";
		if ((f & ISCSI_RSP_OVERFLOW) && (f & ISCSI_RSP_UNDERFLOW))
			return "Data-In with both overflow and underflow";
		if (!(f & ISCSI_DATAIN_STATUS) && (f & (ISCSI_RSP_OVERFLOW | ISCSI_RSP_UNDERFLOW)))
			return "Data-In with a residual but no status";
		return NULL;
	case ISCSI_OP_LOGIN_RSP:
		if ((f & ISCSI_FLAG_FINAL) && (f & ISCSI_FLAG_CONTINUE))
			return "Login Response with both T and C";
		if (iscsi_login_csg(p) == 2 || iscsi_login_nsg(p) == 2)
			return "Login Response with the reserved stage 2";
		return NULL;
	case ISCSI_OP_TEXT_RSP:
		if ((f & ISCSI_FLAG_FINAL) && (f & ISCSI_FLAG_CONTINUE))
			return "Text Response with both F and C";
		return NULL;
	case ISCSI_OP_R2T:
		if (p->length == 0)
			return "R2T for zero bytes";
		return NULL;
	case ISCSI_OP_REJECT:
		if (p->data_len < ISCSI_BHS_SIZE)
			return "Reject without the rejected header";
		return NULL;
	default:
		return NULL;
	}
}

const char *iscsi_pdu_decode_target(const uint8_t bhs[ISCSI_BHS_SIZE], uint32_t max_dsl,
				    struct iscsi_pdu *p)
{
	iscsi_bhs_parse(bhs, p);
	const struct bhs_layout *l = layout_of(p->opcode);
	if (!l)
		return "reserved or unknown opcode";
	if (!l->from_target)
		return "an initiator opcode from the target";
	if (p->data_len > max_dsl)
		return "data segment longer than our MaxRecvDataSegmentLength";
	if (l->no_data && p->data_len)
		return "data segment on an opcode that has none";
	if (l->single && !(p->flags & ISCSI_FLAG_FINAL))
		return "F bit clear on a single-PDU opcode";
	return check_opcode(p);
}

const char *iscsi_pdu_sense(const uint8_t *data, uint32_t data_len, const uint8_t **sense,
			    uint32_t *sense_len)
{
	*sense = NULL;
	*sense_len = 0;
	if (data_len == 0)
		return NULL;
	if (data_len < 2)
		return "data segment shorter than its SenseLength field";
	uint32_t n = (uint32_t)get_be(data, 2);
	if (n > data_len - 2)
		return "SenseLength beyond the data segment";
	*sense = n ? data + 2 : NULL;
	*sense_len = n;
	return NULL;
}
