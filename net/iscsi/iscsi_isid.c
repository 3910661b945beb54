#include "net/iscsi/iscsi_isid.h"

#include "hv/lib/be_bytes.h"
#include "hv/lib/hash64.h"

void iscsi_isid_derive(const void *identity, size_t len, uint8_t isid[ISCSI_ISID_SIZE])
{
	uint64_t h = hash64_final(hash64_update(HASH64_SEED, identity, len));
	isid[0] = ISCSI_ISID_TYPE_RANDOM; /* A (6 bits) reserved: 0 */
	put_be(isid + 1, h >> 16, 5);     /* B, C (24 bits) and D (16 bits) */
}
