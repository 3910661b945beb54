/*
 * iSCSI PDUs on a byte stream: reassembling PDUs from a target out of any
 * chunking (BHS, AHS, header digest, data segment with its padding, data
 * digest), and laying out a PDU to send. Digests are CRC32C (RFC 7143
 * section 13.1), sent least significant byte first, the data digest over
 * the padded segment. Pure: the caller owns the buffers.
 */
#ifndef FTV_ISCSI_FRAME_H
#define FTV_ISCSI_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/iscsi/iscsi_pdu.h"

/* Room that iscsi_frame_build and the receiver need for a data segment of n bytes. */
#define ISCSI_FRAME_DATA_ROOM(n) (((size_t)(n) + 3) & ~(size_t)3) + ISCSI_DIGEST_SIZE
#define ISCSI_FRAME_MAX_HEADER (ISCSI_BHS_SIZE + ISCSI_MAX_AHS + ISCSI_DIGEST_SIZE)

enum iscsi_rx_state { ISCSI_RX_HEADER, ISCSI_RX_DATA, ISCSI_RX_READY, ISCSI_RX_ERROR };

struct iscsi_rx {
	enum iscsi_rx_state state;
	bool header_digest, data_digest;
	uint32_t max_dsl;              /* our MaxRecvDataSegmentLength */
	uint8_t header[ISCSI_FRAME_MAX_HEADER];
	size_t header_have, header_need;
	uint8_t *data;                 /* ISCSI_FRAME_DATA_ROOM(max_dsl) bytes, the caller's */
	size_t data_have, data_need;
	struct iscsi_pdu pdu;          /* valid in ISCSI_RX_READY */
	const char *error;             /* valid in ISCSI_RX_ERROR */
};

/* data: ISCSI_FRAME_DATA_ROOM(max_dsl) bytes. No digests until told. */
void iscsi_rx_init(struct iscsi_rx *rx, uint8_t *data, uint32_t max_dsl);
/* After login: the digests and limit negotiated (max_dsl no larger than at init). */
void iscsi_rx_set_params(struct iscsi_rx *rx, bool header_digest, bool data_digest, uint32_t max_dsl);

/*
 * Takes bytes until one PDU is complete (state READY) or the PDU is bad
 * (state ERROR: sticky, with rx->error saying why) or the bytes are used up.
 * Returns the bytes taken; takes none in READY or ERROR.
 */
size_t iscsi_rx_feed(struct iscsi_rx *rx, const uint8_t *bytes, size_t len);
/* In READY: the PDU's data segment (pdu.data_len bytes, unpadded). */
static inline const uint8_t *iscsi_rx_data(const struct iscsi_rx *rx)
{
	return rx->data;
}
/* Drops the READY PDU; the next feed starts a new one. */
void iscsi_rx_next(struct iscsi_rx *rx);

/*
 * Lays out one PDU to send in out[cap]: the BHS of 'p' with DataSegmentLength
 * = len (no AHS), the header digest, the data, zero padding, the data
 * digest. Returns the bytes written, or 0 when cap is too small.
 */
size_t iscsi_frame_build(uint8_t *out, size_t cap, const struct iscsi_pdu *p, const void *data,
			 uint32_t len, bool header_digest, bool data_digest);

#endif
