/*
 * SCSI command descriptor blocks the initiator sends (SPC-4, SBC-3) and the
 * parsers of what they return. Every builder fills a 16-byte CDB (zeroed
 * past the command's own length) and returns that length. Pure.
 */
#ifndef FTV_SCSI_CDB_H
#define FTV_SCSI_CDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCSI_CDB_MAX 16

enum scsi_opcode {
	SCSI_OP_TEST_UNIT_READY = 0x00,
	SCSI_OP_INQUIRY = 0x12,
	SCSI_OP_PR_IN = 0x5e,
	SCSI_OP_PR_OUT = 0x5f,
	SCSI_OP_READ16 = 0x88,
	SCSI_OP_COMPARE_AND_WRITE = 0x89,
	SCSI_OP_WRITE16 = 0x8a,
	SCSI_OP_SYNC_CACHE16 = 0x91,
	SCSI_OP_SERVICE_IN16 = 0x9e,
	SCSI_OP_MAINTENANCE_IN = 0xa3,
};

#define SCSI_SA_READ_CAPACITY16 0x10
#define SCSI_SA_REPORT_SUPPORTED_OPCODES 0x0c
#define SCSI_VPD_DEVICE_ID 0x83
#define SCSI_VPD_BLOCK_LIMITS 0xb0
#define SCSI_READ_CAPACITY16_LEN 32
#define SCSI_PR_OUT_PARAM_LEN 24

/* PERSISTENT RESERVE IN / OUT service actions and types (SPC-4 6.15, 6.16). */
enum scsi_pr_in_action { SCSI_PR_READ_KEYS = 0, SCSI_PR_READ_RESERVATION = 1 };
enum scsi_pr_out_action {
	SCSI_PR_REGISTER = 0,
	SCSI_PR_RESERVE = 1,
	SCSI_PR_RELEASE = 2,
	SCSI_PR_CLEAR = 3,
	SCSI_PR_PREEMPT = 4,
	SCSI_PR_REGISTER_AND_IGNORE = 6,
};
#define SCSI_PR_TYPE_WRITE_EXCLUSIVE 1
#define SCSI_PR_SCOPE_LU 0

unsigned scsi_cdb_test_unit_ready(uint8_t cdb[SCSI_CDB_MAX]);
/* evpd false: standard data (page 0). */
unsigned scsi_cdb_inquiry(uint8_t cdb[SCSI_CDB_MAX], bool evpd, uint8_t page, uint16_t alloc_len);
unsigned scsi_cdb_read_capacity16(uint8_t cdb[SCSI_CDB_MAX]);
unsigned scsi_cdb_read16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks, bool fua);
unsigned scsi_cdb_write16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks, bool fua);
unsigned scsi_cdb_sync_cache16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks);
/* Reporting options 0: every command the device supports. */
unsigned scsi_cdb_report_opcodes(uint8_t cdb[SCSI_CDB_MAX], uint8_t options, uint8_t opcode,
				 uint16_t service_action, uint32_t alloc_len);
unsigned scsi_cdb_pr_in(uint8_t cdb[SCSI_CDB_MAX], enum scsi_pr_in_action action, uint16_t alloc_len);
/* The parameter list (24 bytes) goes out as data: see scsi_pr_out_params. */
unsigned scsi_cdb_pr_out(uint8_t cdb[SCSI_CDB_MAX], enum scsi_pr_out_action action, uint8_t scope,
			 uint8_t type);
/* blocks: blocks compared (the data-out is twice that: verify, then write). */
unsigned scsi_cdb_compare_and_write(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint8_t blocks);

/* The PERSISTENT RESERVE OUT parameter list: own key, service action key (the
 * new key for REGISTER, the victim's for PREEMPT). */
void scsi_pr_out_params(uint8_t out[SCSI_PR_OUT_PARAM_LEN], uint64_t key, uint64_t sa_key);

/* ---- what comes back ---- */

struct scsi_capacity {
	uint64_t blocks;        /* last LBA + 1 */
	uint32_t block_size;
};
/* READ CAPACITY(16) data; false when short or the block size is 0. */
bool scsi_parse_capacity16(const uint8_t *d, size_t len, struct scsi_capacity *c);

struct scsi_block_limits {
	uint8_t max_compare_write;   /* blocks; 0: COMPARE AND WRITE not offered */
	uint32_t max_transfer;       /* blocks; 0: no limit reported */
	uint32_t optimal_transfer;
};
bool scsi_parse_block_limits(const uint8_t *d, size_t len, struct scsi_block_limits *b);

/* VPD 0x83: the first logical-unit designator of 'type' (3 = NAA, 8 = SCSI
 * name); false when none or the page is malformed. */
bool scsi_find_designator(const uint8_t *d, size_t len, uint8_t type, const uint8_t **id, size_t *id_len);

/* READ KEYS: the keys (up to max) and their number in *count. */
bool scsi_parse_pr_keys(const uint8_t *d, size_t len, uint32_t *generation, uint64_t *keys,
			size_t max, size_t *count);

struct scsi_pr_reservation {
	uint32_t generation;
	bool held;
	uint64_t key;
	uint8_t scope, type;
};
bool scsi_parse_pr_reservation(const uint8_t *d, size_t len, struct scsi_pr_reservation *r);

#endif
