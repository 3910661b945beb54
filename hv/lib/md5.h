/*
 * MD5 (RFC 1321), for iSCSI's CHAP (CHAP_A=5). Not for anything that needs a
 * secure hash: CHAP defines its response as MD5, so MD5 it is. Pure.
 */
#ifndef FTV_MD5_H
#define FTV_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_DIGEST_SIZE 16

struct md5_ctx {
	uint32_t h[4];
	uint64_t total;   /* bytes fed so far */
	uint8_t block[64];
	size_t used;      /* bytes waiting in block */
};

void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *data, size_t len);
void md5_final(struct md5_ctx *c, uint8_t out[MD5_DIGEST_SIZE]);
/* The digest of one buffer. */
void md5(const void *data, size_t len, uint8_t out[MD5_DIGEST_SIZE]);

#endif
