#include "net/iscsi/iscsi_frame.h"

#include <string.h>

#include "hv/lib/crc32c.h"
#include "hv/lib/le_bytes.h"

void iscsi_rx_init(struct iscsi_rx *rx, uint8_t *data, uint32_t max_dsl)
{
	memset(rx, 0, sizeof(*rx));
	rx->data = data;
	rx->max_dsl = max_dsl;
	rx->header_need = ISCSI_BHS_SIZE;
}

void iscsi_rx_set_params(struct iscsi_rx *rx, bool header_digest, bool data_digest, uint32_t max_dsl)
{
	rx->header_digest = header_digest;
	rx->data_digest = data_digest;
	rx->max_dsl = max_dsl;
}

static void rx_fail(struct iscsi_rx *rx, const char *why)
{
	rx->state = ISCSI_RX_ERROR;
	rx->error = why;
}

static size_t take(uint8_t *dst, size_t *have, size_t need, const uint8_t *src, size_t len)
{
	size_t n = need - *have;
	if (n > len)
		n = len;
	memcpy(dst + *have, src, n);
	*have += n;
	return n;
}

/* The whole header is in: check its digest, then the BHS itself. */
static void header_done(struct iscsi_rx *rx)
{
	size_t hlen = ISCSI_BHS_SIZE + rx->pdu.ahs_len;
	if (rx->header_digest &&
	    crc32c(rx->header, hlen) != (uint32_t)get_le(rx->header + hlen, ISCSI_DIGEST_SIZE)) {
		rx_fail(rx, "header digest mismatch");
		return;
	}
	const char *why = iscsi_pdu_decode_target(rx->header, rx->max_dsl, &rx->pdu);
	if (why) {
		rx_fail(rx, why);
		return;
	}
	rx->data_have = 0;
	rx->data_need = iscsi_pad4(rx->pdu.data_len);
	if (rx->data_need && rx->data_digest)
		rx->data_need += ISCSI_DIGEST_SIZE;
	rx->state = rx->data_need ? ISCSI_RX_DATA : ISCSI_RX_READY;
}

static void data_done(struct iscsi_rx *rx)
{
	uint32_t padded = iscsi_pad4(rx->pdu.data_len);
	if (rx->data_digest &&
	    crc32c(rx->data, padded) != (uint32_t)get_le(rx->data + padded, ISCSI_DIGEST_SIZE)) {
		rx_fail(rx, "data digest mismatch");
		return;
	}
	rx->state = ISCSI_RX_READY;
}

size_t iscsi_rx_feed(struct iscsi_rx *rx, const uint8_t *bytes, size_t len)
{
	size_t used = 0;
	while (used < len && (rx->state == ISCSI_RX_HEADER || rx->state == ISCSI_RX_DATA)) {
		if (rx->state == ISCSI_RX_DATA) {
			used += take(rx->data, &rx->data_have, rx->data_need, bytes + used, len - used);
			if (rx->data_have == rx->data_need)
				data_done(rx);
			continue;
		}
		used += take(rx->header, &rx->header_have, rx->header_need, bytes + used, len - used);
		if (rx->header_have < rx->header_need)
			continue;
		if (rx->header_need == ISCSI_BHS_SIZE) {
			/* The BHS says how much header follows: AHS, digest. */
			size_t rest = (size_t)rx->header[4] * 4 + (rx->header_digest ? ISCSI_DIGEST_SIZE : 0);
			rx->pdu.ahs_len = (uint16_t)(rx->header[4] * 4);
			rx->header_need += rest;
			if (rest)
				continue;
		}
		header_done(rx);
	}
	return used;
}

void iscsi_rx_next(struct iscsi_rx *rx)
{
	if (rx->state != ISCSI_RX_READY)
		return;
	rx->state = ISCSI_RX_HEADER;
	rx->header_have = 0;
	rx->header_need = ISCSI_BHS_SIZE;
}

size_t iscsi_frame_build(uint8_t *out, size_t cap, const struct iscsi_pdu *p, const void *data,
			 uint32_t len, bool header_digest, bool data_digest)
{
	size_t total = ISCSI_BHS_SIZE + (header_digest ? ISCSI_DIGEST_SIZE : 0);
	if (len)
		total += iscsi_pad4(len) + (data_digest ? ISCSI_DIGEST_SIZE : 0);
	if (len > ISCSI_MAX_DSL || total > cap)
		return 0;
	struct iscsi_pdu h = *p;
	h.ahs_len = 0;
	h.data_len = len;
	iscsi_bhs_encode(&h, out);
	size_t at = ISCSI_BHS_SIZE;
	if (header_digest) {
		put_le(out + at, crc32c(out, ISCSI_BHS_SIZE), ISCSI_DIGEST_SIZE);
		at += ISCSI_DIGEST_SIZE;
	}
	if (len) {
		uint8_t *seg = out + at;
		memcpy(seg, data, len);
		memset(seg + len, 0, iscsi_pad4(len) - len);
		at += iscsi_pad4(len);
		if (data_digest) {
			put_le(out + at, crc32c(seg, iscsi_pad4(len)), ISCSI_DIGEST_SIZE);
			at += ISCSI_DIGEST_SIZE;
		}
	}
	return at;
}
