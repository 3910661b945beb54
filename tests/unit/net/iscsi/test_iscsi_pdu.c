/*
 * net/iscsi/iscsi_pdu.c and iscsi_frame.c: the BHS layouts byte for byte
 * (RFC 7143 section 11), encode/parse round trips of every opcode, the
 * checks on a target's PDUs, the CRC32C digest and its byte order (RFC 3720
 * B.4's 32 zero bytes), and reassembly of PDUs with AHS, padding and
 * digests from every chunking, with bad digests caught.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/crc32c.h"
#include "net/iscsi/iscsi_frame.h"
#include "net/iscsi/iscsi_pdu.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A PDU with every field set to something distinct. */
static struct iscsi_pdu full(uint8_t opcode)
{
	struct iscsi_pdu p = { 0 };
	p.opcode = opcode;
	p.flags = ISCSI_FLAG_FINAL;
	p.data_len = 0;
	p.lun = 0x0001000000000000ull;
	p.itt = 0x11223344;
	p.ttt = 0x55667788;
	p.cmd_sn = 101;
	p.exp_stat_sn = 202;
	p.stat_sn = 303;
	p.exp_cmd_sn = 404;
	p.max_cmd_sn = 505;
	p.data_sn = 606;
	p.buffer_offset = 707;
	p.length = 808;
	p.bidi_residual = 909;
	p.status = 2;
	p.response = 1;
	for (int i = 0; i < 16; i++)
		p.cdb[i] = (uint8_t)(0xa0 + i);
	p.version_max = 0;
	p.version_min = 0;
	for (int i = 0; i < 6; i++)
		p.isid[i] = (uint8_t)(0x80 + i);
	p.tsih = 0x1234;
	p.cid = 0x0007;
	p.time2wait = 2;
	p.time2retain = 20;
	p.async_event = 1;
	p.async_vcode = 9;
	p.async_param[0] = 0x0101;
	p.async_param[1] = 0x0202;
	p.async_param[2] = 0x0303;
	return p;
}

static void test_scsi_command_layout(void **state)
{
	(void)state;
	struct iscsi_pdu p = full(ISCSI_OP_SCSI_CMD);
	p.flags = ISCSI_FLAG_FINAL | ISCSI_CMD_READ | ISCSI_CMD_ATTR_SIMPLE;
	p.data_len = 0x012345;
	uint8_t b[ISCSI_BHS_SIZE];
	iscsi_bhs_encode(&p, b);
	assert_int_equal(b[0], 0x01);
	assert_int_equal(b[1], 0xc1);
	assert_int_equal(b[5], 0x01);
	assert_int_equal(b[6], 0x23);
	assert_int_equal(b[7], 0x45);
	assert_int_equal(b[9], 0x01); /* LUN 1, single level */
	assert_int_equal(be32(b + 16), 0x11223344);
	assert_int_equal(be32(b + 20), 808); /* Expected Data Transfer Length */
	assert_int_equal(be32(b + 24), 101);
	assert_int_equal(be32(b + 28), 202);
	assert_int_equal(b[32], 0xa0);
	assert_int_equal(b[47], 0xaf);
}

static void test_login_and_target_layouts(void **state)
{
	(void)state;
	uint8_t b[ISCSI_BHS_SIZE];
	struct iscsi_pdu p = full(ISCSI_OP_LOGIN_REQ);
	p.immediate = true;
	p.flags = 0x87; /* T, CSG 1, NSG 3 */
	iscsi_bhs_encode(&p, b);
	assert_int_equal(b[0], 0x43);
	assert_int_equal(b[1], 0x87);
	assert_int_equal(b[8], 0x80);
	assert_int_equal(b[13], 0x85);
	assert_int_equal(b[14], 0x12);
	assert_int_equal(b[15], 0x34);
	assert_int_equal(b[21], 0x07); /* CID */
	assert_int_equal(be32(b + 24), 101);

	p = full(ISCSI_OP_LOGIN_RSP);
	iscsi_bhs_encode(&p, b);
	assert_int_equal(be32(b + 24), 303);
	assert_int_equal(be32(b + 28), 404);
	assert_int_equal(be32(b + 32), 505);
	assert_int_equal(b[36], 2); /* Status-Class */
	assert_int_equal(b[37], 1); /* Status-Detail */

	p = full(ISCSI_OP_DATA_IN);
	iscsi_bhs_encode(&p, b);
	assert_int_equal(b[3], 2);
	assert_int_equal(be32(b + 20), 0x55667788);
	assert_int_equal(be32(b + 36), 606);
	assert_int_equal(be32(b + 40), 707);
	assert_int_equal(be32(b + 44), 808);

	p = full(ISCSI_OP_R2T);
	iscsi_bhs_encode(&p, b);
	assert_int_equal(be32(b + 36), 606); /* R2TSN */
	assert_int_equal(be32(b + 44), 808); /* Desired Data Transfer Length */

	p = full(ISCSI_OP_SCSI_RSP);
	iscsi_bhs_encode(&p, b);
	assert_int_equal(b[2], 1);
	assert_int_equal(b[3], 2);
	assert_int_equal(be32(b + 40), 909);
	assert_int_equal(be32(b + 44), 808);

	p = full(ISCSI_OP_ASYNC_MSG);
	iscsi_bhs_encode(&p, b);
	assert_int_equal(b[36], 1);
	assert_int_equal(b[37], 9);
	assert_int_equal(b[42], 3);
	assert_int_equal(b[43], 3);

	p = full(ISCSI_OP_LOGOUT_RSP);
	iscsi_bhs_encode(&p, b);
	assert_int_equal(b[41], 2);
	assert_int_equal(b[43], 20);
}

static void test_round_trip_every_opcode(void **state)
{
	(void)state;
	static const uint8_t ops[] = { 0x00, 0x01, 0x03, 0x04, 0x05, 0x06, 0x20, 0x21, 0x22,
				       0x23, 0x24, 0x25, 0x26, 0x31, 0x32, 0x3f };
	for (size_t i = 0; i < sizeof(ops); i++) {
		struct iscsi_pdu p = full(ops[i]), q;
		uint8_t b[ISCSI_BHS_SIZE], c[ISCSI_BHS_SIZE];
		iscsi_bhs_encode(&p, b);
		iscsi_bhs_parse(b, &q);
		iscsi_bhs_encode(&q, c);
		assert_memory_equal(b, c, ISCSI_BHS_SIZE);
		assert_int_equal(q.opcode, ops[i]);
		assert_int_equal(q.itt, p.itt);
		assert_string_not_equal(iscsi_opcode_name(ops[i]), "opcode?");
	}
}

static const char *decode(struct iscsi_pdu p, uint32_t max)
{
	uint8_t b[ISCSI_BHS_SIZE];
	struct iscsi_pdu q;
	iscsi_bhs_encode(&p, b);
	return iscsi_pdu_decode_target(b, max, &q);
}

static void test_target_checks(void **state)
{
	(void)state;
	struct iscsi_pdu p = full(ISCSI_OP_NOP_IN);
	assert_null(decode(p, 8192));
	p.flags = 0;
	assert_non_null(decode(p, 8192)); /* F clear */
	p = full(ISCSI_OP_SCSI_CMD);
	assert_non_null(decode(p, 8192)); /* initiator opcode */
	p = full(0x3c);
	assert_non_null(decode(p, 8192)); /* reserved */
	p = full(ISCSI_OP_DATA_IN);
	p.data_len = 8193;
	assert_non_null(decode(p, 8192));
	p.data_len = 8192;
	assert_null(decode(p, 8192));
	p.flags = ISCSI_DATAIN_STATUS;
	assert_non_null(decode(p, 8192)); /* S without F */
	p.flags = ISCSI_FLAG_FINAL | ISCSI_DATAIN_STATUS | ISCSI_RSP_OVERFLOW | ISCSI_RSP_UNDERFLOW;
	assert_non_null(decode(p, 8192));
	p.flags = ISCSI_FLAG_FINAL | ISCSI_RSP_UNDERFLOW;
	assert_non_null(decode(p, 8192)); /* residual without status */
	p = full(ISCSI_OP_R2T);
	p.data_len = 4;
	assert_non_null(decode(p, 8192)); /* R2T has no data */
	p.data_len = 0;
	p.length = 0;
	assert_non_null(decode(p, 8192));
	p = full(ISCSI_OP_REJECT);
	p.data_len = 47;
	assert_non_null(decode(p, 8192));
	p.data_len = 48;
	assert_null(decode(p, 8192));
	p = full(ISCSI_OP_LOGIN_RSP);
	p.flags = ISCSI_FLAG_FINAL | ISCSI_FLAG_CONTINUE;
	assert_non_null(decode(p, 8192));
	p.flags = ISCSI_FLAG_FINAL | 0x02; /* NSG 2 */
	assert_non_null(decode(p, 8192));
	p = full(ISCSI_OP_SCSI_RSP);
	p.flags = ISCSI_FLAG_FINAL | ISCSI_RSP_OVERFLOW | ISCSI_RSP_UNDERFLOW;
	assert_non_null(decode(p, 8192));
	p = full(ISCSI_OP_LOGOUT_RSP);
	p.data_len = 4;
	assert_non_null(decode(p, 8192));
}

static void test_sense_segment(void **state)
{
	(void)state;
	const uint8_t *s;
	uint32_t n;
	uint8_t d[8] = { 0, 4, 0x70, 0, 6, 0, 0xee, 0xee };
	assert_null(iscsi_pdu_sense(d, 8, &s, &n));
	assert_int_equal(n, 4);
	assert_ptr_equal(s, d + 2);
	assert_null(iscsi_pdu_sense(d, 0, &s, &n));
	assert_null(s);
	d[1] = 7;
	assert_non_null(iscsi_pdu_sense(d, 8, &s, &n));
	assert_non_null(iscsi_pdu_sense(d, 1, &s, &n));
}

static void test_digest_byte_order(void **state)
{
	(void)state;
	/* RFC 3720 B.4: 32 bytes of zeros give CRC 0x8a9136aa, sent aa 36 91 8a. */
	uint8_t zeros[32] = { 0 }, out[128];
	assert_int_equal(crc32c(zeros, 32), 0x8a9136aa);
	struct iscsi_pdu p = full(ISCSI_OP_DATA_OUT);
	size_t n = iscsi_frame_build(out, sizeof(out), &p, zeros, 32, false, true);
	assert_int_equal(n, 48 + 32 + 4);
	assert_int_equal(out[80], 0xaa);
	assert_int_equal(out[81], 0x36);
	assert_int_equal(out[82], 0x91);
	assert_int_equal(out[83], 0x8a);
}

/* A target PDU laid out by hand (with an AHS, which the builder never adds). */
static size_t target_pdu(uint8_t *out, uint8_t opcode, const uint8_t *data, uint32_t len, unsigned ahs_words,
			 bool hd, bool dd)
{
	struct iscsi_pdu p = full(opcode);
	p.ahs_len = (uint16_t)(ahs_words * 4);
	p.data_len = len;
	iscsi_bhs_encode(&p, out);
	size_t at = 48;
	memset(out + at, 0x5a, ahs_words * 4);
	at += ahs_words * 4;
	if (hd) {
		uint32_t c = crc32c(out, at);
		memcpy(out + at, &c, 4); /* little-endian host */
		at += 4;
	}
	if (len) {
		memcpy(out + at, data, len);
		memset(out + at + len, 0, iscsi_pad4(len) - len);
		if (dd) {
			uint32_t c = crc32c(out + at, iscsi_pad4(len));
			memcpy(out + at + iscsi_pad4(len), &c, 4);
			at += 4;
		}
		at += iscsi_pad4(len);
	}
	return at;
}

static uint8_t rx_room[ISCSI_FRAME_DATA_ROOM(8192)];

static void test_reassembly_any_chunking(void **state)
{
	(void)state;
	uint8_t data[1001];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	uint8_t stream[4 * 1200];
	for (int digests = 0; digests < 4; digests++) {
		bool hd = digests & 1, dd = digests & 2;
		size_t len = 0;
		len += target_pdu(stream + len, ISCSI_OP_DATA_IN, data, sizeof(data), 0, hd, dd);
		len += target_pdu(stream + len, ISCSI_OP_NOP_IN, NULL, 0, 2, hd, dd);
		len += target_pdu(stream + len, ISCSI_OP_DATA_IN, data, 3, 0, hd, dd);
		for (size_t chunk = 1; chunk <= len; chunk = chunk * 3 + 1) {
			struct iscsi_rx rx;
			iscsi_rx_init(&rx, rx_room, 8192);
			iscsi_rx_set_params(&rx, hd, dd, 8192);
			unsigned got = 0;
			for (size_t at = 0; at < len;) {
				size_t n = len - at < chunk ? len - at : chunk;
				size_t used = iscsi_rx_feed(&rx, stream + at, n);
				at += used;
				assert_int_not_equal(rx.state, ISCSI_RX_ERROR);
				if (rx.state == ISCSI_RX_READY) {
					static const uint32_t lens[] = { 1001, 0, 3 };
					assert_int_equal(rx.pdu.data_len, lens[got]);
					assert_memory_equal(iscsi_rx_data(&rx), data, rx.pdu.data_len);
					assert_int_equal(iscsi_rx_feed(&rx, stream, 1), 0); /* holds until next */
					got++;
					iscsi_rx_next(&rx);
				}
			}
			assert_int_equal(got, 3);
		}
	}
}

static void test_bad_digests_and_limits(void **state)
{
	(void)state;
	uint8_t data[100] = { 1, 2, 3 }, stream[300];
	for (int which = 0; which < 2; which++) {
		size_t len = target_pdu(stream, ISCSI_OP_DATA_IN, data, sizeof(data), 0, true, true);
		stream[which ? len - 10 : 30] ^= 0x40;
		struct iscsi_rx rx;
		iscsi_rx_init(&rx, rx_room, 8192);
		iscsi_rx_set_params(&rx, true, true, 8192);
		iscsi_rx_feed(&rx, stream, len);
		assert_int_equal(rx.state, ISCSI_RX_ERROR);
		assert_string_equal(rx.error, which ? "data digest mismatch" : "header digest mismatch");
		assert_int_equal(iscsi_rx_feed(&rx, stream, len), 0); /* sticky */
	}
	size_t len = target_pdu(stream, ISCSI_OP_DATA_IN, data, sizeof(data), 0, false, false);
	struct iscsi_rx rx;
	iscsi_rx_init(&rx, rx_room, 8192);
	iscsi_rx_set_params(&rx, false, false, 99);
	iscsi_rx_feed(&rx, stream, len);
	assert_int_equal(rx.state, ISCSI_RX_ERROR);
	/* A builder refuses a buffer too small. */
	struct iscsi_pdu p = full(ISCSI_OP_DATA_OUT);
	assert_int_equal(iscsi_frame_build(stream, 48 + 100, &p, data, 100, true, false), 0);
	assert_int_equal(iscsi_frame_build(stream, 48 + 4 + 100, &p, data, 100, true, false), 152);
	/* Padding is zeros, whatever the buffer held. */
	memset(stream, 0xff, sizeof(stream));
	assert_int_equal(iscsi_frame_build(stream, sizeof(stream), &p, data, 3, false, false), 52);
	assert_int_equal(stream[51], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scsi_command_layout),
		cmocka_unit_test(test_login_and_target_layouts),
		cmocka_unit_test(test_round_trip_every_opcode),
		cmocka_unit_test(test_target_checks),
		cmocka_unit_test(test_sense_segment),
		cmocka_unit_test(test_digest_byte_order),
		cmocka_unit_test(test_reassembly_any_chunking),
		cmocka_unit_test(test_bad_digests_and_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
