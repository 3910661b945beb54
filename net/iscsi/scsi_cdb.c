#include "net/iscsi/scsi_cdb.h"

#include <string.h>

#include "hv/lib/be_bytes.h"

#define CDB_FUA 0x08 /* READ/WRITE(16) byte 1 */

static unsigned cdb_start(uint8_t cdb[SCSI_CDB_MAX], uint8_t opcode, unsigned len)
{
	memset(cdb, 0, SCSI_CDB_MAX);
	cdb[0] = opcode;
	return len;
}

unsigned scsi_cdb_test_unit_ready(uint8_t cdb[SCSI_CDB_MAX])
{
	return cdb_start(cdb, SCSI_OP_TEST_UNIT_READY, 6);
}

unsigned scsi_cdb_inquiry(uint8_t cdb[SCSI_CDB_MAX], bool evpd, uint8_t page, uint16_t alloc_len)
{
	unsigned n = cdb_start(cdb, SCSI_OP_INQUIRY, 6);
	cdb[1] = evpd ? 1 : 0;
	cdb[2] = evpd ? page : 0;
	put_be(cdb + 3, alloc_len, 2);
	return n;
}

unsigned scsi_cdb_read_capacity16(uint8_t cdb[SCSI_CDB_MAX])
{
	unsigned n = cdb_start(cdb, SCSI_OP_SERVICE_IN16, 16);
	cdb[1] = SCSI_SA_READ_CAPACITY16;
	put_be(cdb + 10, SCSI_READ_CAPACITY16_LEN, 4);
	return n;
}

/* READ(16), WRITE(16), SYNCHRONIZE CACHE(16): LBA at 2, block count at 10. */
static unsigned cdb_lba16(uint8_t cdb[SCSI_CDB_MAX], uint8_t opcode, uint8_t flags, uint64_t lba,
			  uint32_t blocks)
{
	unsigned n = cdb_start(cdb, opcode, 16);
	cdb[1] = flags;
	put_be(cdb + 2, lba, 8);
	put_be(cdb + 10, blocks, 4);
	return n;
}

unsigned scsi_cdb_read16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks, bool fua)
{
	return cdb_lba16(cdb, SCSI_OP_READ16, fua ? CDB_FUA : 0, lba, blocks);
}

unsigned scsi_cdb_write16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks, bool fua)
{
	return cdb_lba16(cdb, SCSI_OP_WRITE16, fua ? CDB_FUA : 0, lba, blocks);
}

unsigned scsi_cdb_sync_cache16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks)
{
	return cdb_lba16(cdb, SCSI_OP_SYNC_CACHE16, 0, lba, blocks);
}

unsigned scsi_cdb_report_opcodes(uint8_t cdb[SCSI_CDB_MAX], uint8_t options, uint8_t opcode,
				 uint16_t service_action, uint32_t alloc_len)
{
	unsigned n = cdb_start(cdb, SCSI_OP_MAINTENANCE_IN, 12);
	cdb[1] = SCSI_SA_REPORT_SUPPORTED_OPCODES;
	cdb[2] = options & 0x07;
	cdb[3] = opcode;
	put_be(cdb + 4, service_action, 2);
	put_be(cdb + 6, alloc_len, 4);
	return n;
}

unsigned scsi_cdb_pr_in(uint8_t cdb[SCSI_CDB_MAX], enum scsi_pr_in_action action, uint16_t alloc_len)
{
	unsigned n = cdb_start(cdb, SCSI_OP_PR_IN, 10);
	cdb[1] = (uint8_t)(action & 0x1f);
	put_be(cdb + 7, alloc_len, 2);
	return n;
}

unsigned scsi_cdb_pr_out(uint8_t cdb[SCSI_CDB_MAX], enum scsi_pr_out_action action, uint8_t scope,
			 uint8_t type)
{
	unsigned n = cdb_start(cdb, SCSI_OP_PR_OUT, 10);
	cdb[1] = (uint8_t)(action & 0x1f);
	cdb[2] = (uint8_t)((scope & 0x0f) << 4 | (type & 0x0f));
	put_be(cdb + 5, SCSI_PR_OUT_PARAM_LEN, 4);
	return n;
}

unsigned scsi_cdb_compare_and_write(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint8_t blocks)
{
	unsigned n = cdb_start(cdb, SCSI_OP_COMPARE_AND_WRITE, 16);
	put_be(cdb + 2, lba, 8);
	cdb[13] = blocks;
	return n;
}

void scsi_pr_out_params(uint8_t out[SCSI_PR_OUT_PARAM_LEN], uint64_t key, uint64_t sa_key)
{
	memset(out, 0, SCSI_PR_OUT_PARAM_LEN);
	put_be(out, key, 8);
	put_be(out + 8, sa_key, 8);
	/* byte 20: SPEC_I_PT, ALL_TG_PT, APTPL all 0 (tgt and istgt lack APTPL) */
}

bool scsi_parse_capacity16(const uint8_t *d, size_t len, struct scsi_capacity *c)
{
	if (len < 12)
		return false;
	uint64_t last = get_be(d, 8);
	c->block_size = (uint32_t)get_be(d + 8, 4);
	if (c->block_size == 0 || last == UINT64_MAX)
		return false;
	c->blocks = last + 1;
	return true;
}

bool scsi_parse_block_limits(const uint8_t *d, size_t len, struct scsi_block_limits *b)
{
	memset(b, 0, sizeof(*b));
	if (len < 16 || d[1] != SCSI_VPD_BLOCK_LIMITS)
		return false;
	b->max_compare_write = d[5];
	b->max_transfer = (uint32_t)get_be(d + 8, 4);
	b->optimal_transfer = (uint32_t)get_be(d + 12, 4);
	return true;
}

bool scsi_find_designator(const uint8_t *d, size_t len, uint8_t type, const uint8_t **id, size_t *id_len)
{
	if (len < 4 || d[1] != SCSI_VPD_DEVICE_ID)
		return false;
	size_t end = 4 + (size_t)get_be(d + 2, 2);
	if (end > len)
		end = len; /* a page cut by the allocation length: walk what came */
	for (size_t at = 4; at + 4 <= end;) {
		size_t n = d[at + 3];
		if (at + 4 + n > end)
			return false;
		/* byte 1: association (bits 4-5) 0 = the logical unit; type in bits 0-3 */
		if ((d[at + 1] & 0x0f) == type && ((d[at + 1] >> 4) & 3) == 0) {
			*id = d + at + 4;
			*id_len = n;
			return true;
		}
		at += 4 + n;
	}
	return false;
}

bool scsi_parse_pr_keys(const uint8_t *d, size_t len, uint32_t *generation, uint64_t *keys,
			size_t max, size_t *count)
{
	if (len < 8)
		return false;
	*generation = (uint32_t)get_be(d, 4);
	uint32_t bytes = (uint32_t)get_be(d + 4, 4);
	if (bytes % 8)
		return false;
	size_t have = (len - 8) / 8, n = bytes / 8;
	*count = n;
	for (size_t i = 0; i < n && i < max && i < have; i++)
		keys[i] = get_be(d + 8 + 8 * i, 8);
	return n <= have;
}

bool scsi_parse_pr_reservation(const uint8_t *d, size_t len, struct scsi_pr_reservation *r)
{
	memset(r, 0, sizeof(*r));
	if (len < 8)
		return false;
	r->generation = (uint32_t)get_be(d, 4);
	uint32_t bytes = (uint32_t)get_be(d + 4, 4);
	if (bytes == 0)
		return true;
	if (bytes < 16 || len < 24)
		return false;
	r->held = true;
	r->key = get_be(d + 8, 8);
	r->scope = d[21] >> 4;
	r->type = d[21] & 0x0f;
	return true;
}
