/*
 * net/iscsi/scsi_cdb.c and scsi_sense.c: every CDB byte for byte (SPC-4,
 * SBC-3), the parsers of READ CAPACITY(16), Block Limits, Device
 * Identification and persistent reservation data, sense data in both
 * formats, and the classification the lock and the retry logic rely on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/iscsi/scsi_cdb.h"
#include "net/iscsi/scsi_sense.h"

static void cdb_is(const uint8_t *cdb, unsigned len, unsigned want_len, const uint8_t *want)
{
	assert_int_equal(len, want_len);
	assert_memory_equal(cdb, want, SCSI_CDB_MAX);
}

static void test_cdbs(void **state)
{
	(void)state;
	uint8_t c[SCSI_CDB_MAX];
	cdb_is(c, scsi_cdb_test_unit_ready(c), 6, (const uint8_t[16]){ 0 });
	cdb_is(c, scsi_cdb_inquiry(c, true, 0xb0, 0x1234), 6, (const uint8_t[16]){ 0x12, 1, 0xb0, 0x12, 0x34 });
	cdb_is(c, scsi_cdb_inquiry(c, false, 0xb0, 96), 6, (const uint8_t[16]){ 0x12, 0, 0, 0, 96 });
	cdb_is(c, scsi_cdb_read_capacity16(c), 16,
	       (const uint8_t[16]){ 0x9e, 0x10, [13] = 32 });
	cdb_is(c, scsi_cdb_read16(c, 0x0102030405060708ull, 0x0a0b0c0d, false), 16,
	       (const uint8_t[16]){ 0x88, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d });
	cdb_is(c, scsi_cdb_write16(c, 5, 8, true), 16, (const uint8_t[16]){ 0x8a, 0x08, [9] = 5, [13] = 8 });
	cdb_is(c, scsi_cdb_sync_cache16(c, 0, 0), 16, (const uint8_t[16]){ 0x91 });
	cdb_is(c, scsi_cdb_report_opcodes(c, 1, 0x89, 0, 512), 12,
	       (const uint8_t[16]){ 0xa3, 0x0c, 1, 0x89, 0, 0, 0, 0, 2, 0 });
	cdb_is(c, scsi_cdb_pr_in(c, SCSI_PR_READ_RESERVATION, 24), 10,
	       (const uint8_t[16]){ 0x5e, 1, [8] = 24 });
	cdb_is(c, scsi_cdb_pr_out(c, SCSI_PR_RESERVE, SCSI_PR_SCOPE_LU, SCSI_PR_TYPE_WRITE_EXCLUSIVE), 10,
	       (const uint8_t[16]){ 0x5f, 1, 0x01, [8] = 24 });
	cdb_is(c, scsi_cdb_pr_out(c, SCSI_PR_REGISTER_AND_IGNORE, 0, 0), 10,
	       (const uint8_t[16]){ 0x5f, 6, 0, [8] = 24 });
	cdb_is(c, scsi_cdb_compare_and_write(c, 7, 1), 16, (const uint8_t[16]){ 0x89, 0, [9] = 7, [13] = 1 });
	uint8_t pl[SCSI_PR_OUT_PARAM_LEN];
	scsi_pr_out_params(pl, 0x1122334455667788ull, 0xa1);
	assert_int_equal(pl[0], 0x11);
	assert_int_equal(pl[7], 0x88);
	assert_int_equal(pl[15], 0xa1);
	assert_int_equal(pl[20], 0);
}

static void test_parsers(void **state)
{
	(void)state;
	struct scsi_capacity cap;
	const uint8_t rc[32] = { 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0, 0, 2, 0 };
	assert_true(scsi_parse_capacity16(rc, 32, &cap));
	assert_int_equal(cap.blocks, 32768);
	assert_int_equal(cap.block_size, 512);
	assert_false(scsi_parse_capacity16(rc, 11, &cap));
	const uint8_t zero_bs[12] = { 0 };
	assert_false(scsi_parse_capacity16(zero_bs, 12, &cap));

	struct scsi_block_limits bl;
	const uint8_t b0[16] = { 0, 0xb0, 0, 0x3c, 0, 128, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 8 };
	assert_true(scsi_parse_block_limits(b0, 16, &bl));
	assert_int_equal(bl.max_compare_write, 128);
	assert_int_equal(bl.max_transfer, 4096);
	assert_int_equal(bl.optimal_transfer, 8);
	assert_false(scsi_parse_block_limits(b0, 15, &bl));

	/* VPD 83: a T10 vendor id (type 1), then an NAA (type 3) of 8 bytes. */
	const uint8_t p83[] = { 0, 0x83, 0, 20, 2, 0x01, 0, 4, 'a', 'b', 'c', 'd',
				1, 0x03, 0, 8, 0x60, 1, 2, 3, 4, 5, 6, 7 };
	const uint8_t *id;
	size_t idlen;
	assert_true(scsi_find_designator(p83, sizeof(p83), 3, &id, &idlen));
	assert_int_equal(idlen, 8);
	assert_int_equal(id[0], 0x60);
	assert_false(scsi_find_designator(p83, sizeof(p83), 8, &id, &idlen));
	uint8_t cut[sizeof(p83)];
	memcpy(cut, p83, sizeof(p83));
	cut[15] = 200; /* a descriptor running past the page */
	assert_false(scsi_find_designator(cut, sizeof(cut), 3, &id, &idlen));

	const uint8_t keys[] = { 0, 0, 0, 5, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0xa, 0, 0, 0, 0, 0, 0, 0, 0xb };
	uint32_t gen;
	uint64_t k[4];
	size_t nk;
	assert_true(scsi_parse_pr_keys(keys, sizeof(keys), &gen, k, 4, &nk));
	assert_int_equal(gen, 5);
	assert_int_equal(nk, 2);
	assert_int_equal(k[1], 0xb);
	assert_false(scsi_parse_pr_keys(keys, 16, &gen, k, 4, &nk)); /* truncated */

	struct scsi_pr_reservation r;
	const uint8_t res[24] = { 0, 0, 0, 9, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0xa, [21] = 0x01 };
	assert_true(scsi_parse_pr_reservation(res, 24, &r));
	assert_true(r.held);
	assert_int_equal(r.key, 0xa);
	assert_int_equal(r.type, 1);
	const uint8_t none[8] = { 0, 0, 0, 9 };
	assert_true(scsi_parse_pr_reservation(none, 8, &r));
	assert_false(r.held);
	assert_false(scsi_parse_pr_reservation(res, 20, &r));
}

static void test_sense_formats(void **state)
{
	(void)state;
	struct scsi_sense s;
	const char *why;
	const uint8_t fixed[18] = { 0xf0, 0, 0x0e, 0, 0, 0, 0x20, 10, [12] = 0x1d, [13] = 0 };
	assert_true(scsi_sense_parse(fixed, sizeof(fixed), &s, &why));
	assert_int_equal(s.key, 0xe);
	assert_int_equal(s.asc, 0x1d);
	assert_true(s.info_valid);
	assert_int_equal(s.info, 0x20);
	const uint8_t desc[20] = { 0x72, 0x06, 0x29, 0x00, 0, 0, 0, 12, 0x00, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x44 };
	assert_true(scsi_sense_parse(desc, sizeof(desc), &s, &why));
	assert_int_equal(s.key, 6);
	assert_int_equal(s.asc, 0x29);
	assert_true(s.info_valid);
	assert_int_equal(s.info, 0x44);
	const uint8_t junk[8] = { 0x10 };
	assert_false(scsi_sense_parse(junk, 8, &s, &why));
	assert_false(scsi_sense_parse(fixed, 7, &s, &why));
}

static void test_classification(void **state)
{
	(void)state;
	const uint8_t ua[18] = { 0x70, 0, 0x06, [7] = 10, [12] = 0x2a, [13] = 0x03 };
	const uint8_t mis[18] = { 0x70, 0, 0x0e, [7] = 10, [12] = 0x1d, [13] = 0x00 };
	const uint8_t ill[18] = { 0x70, 0, 0x05, [7] = 10, [12] = 0x20, [13] = 0x00 };
	struct scsi_sense s;
	assert_int_equal(scsi_classify(0, NULL, 0, NULL), SCSI_OUTCOME_GOOD);
	assert_int_equal(scsi_classify(2, ua, 18, &s), SCSI_OUTCOME_RETRY);
	assert_int_equal(s.ascq, 3);
	assert_int_equal(scsi_classify(2, mis, 18, NULL), SCSI_OUTCOME_MISCOMPARE);
	assert_int_equal(scsi_classify(2, ill, 18, NULL), SCSI_OUTCOME_ERROR);
	assert_int_equal(scsi_classify(2, NULL, 0, NULL), SCSI_OUTCOME_ERROR);
	assert_int_equal(scsi_classify(0x18, NULL, 0, NULL), SCSI_OUTCOME_RESERVATION_CONFLICT);
	assert_int_equal(scsi_classify(0x08, NULL, 0, NULL), SCSI_OUTCOME_RETRY);
	assert_int_equal(scsi_classify(0x40, NULL, 0, NULL), SCSI_OUTCOME_ERROR);
	assert_string_equal(scsi_outcome_name(SCSI_OUTCOME_MISCOMPARE), "miscompare");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdbs),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_sense_formats),
		cmocka_unit_test(test_classification),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
