/*
 * CHAP for iSCSI login (RFC 7143 section 12.1.3, RFC 1994) with MD5
 * (CHAP_A=5): from the target's CHAP_I and CHAP_C, the initiator's CHAP_R
 * = MD5(identifier byte, secret, challenge). One-way only: the initiator
 * does not challenge the target (no mutual CHAP yet). Pure.
 */
#ifndef FTV_ISCSI_CHAP_H
#define FTV_ISCSI_CHAP_H

#include <stddef.h>
#include <stdint.h>

#include "net/iscsi/iscsi_keys.h"

#define ISCSI_CHAP_MD5 5
#define ISCSI_CHAP_MAX_CHALLENGE 1024
/* "0x" + 32 hex digits + NUL */
#define ISCSI_CHAP_RESPONSE_SIZE 35

/*
 * A binary value as section 5.1 writes it: "0x" hex (an odd digit count
 * reads as a leading 0) or "0b" base64. The byte count, or -1.
 */
long iscsi_value_binary(const struct iscsi_kv *kv, uint8_t *out, size_t cap);

/* CHAP_R's value for CHAP_I and CHAP_C; NULL, or why they are unusable. */
const char *iscsi_chap_response(const struct iscsi_kv *id, const struct iscsi_kv *challenge,
				const char *secret, char out[ISCSI_CHAP_RESPONSE_SIZE]);

#endif
