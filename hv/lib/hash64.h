/* A fast 64-bit hash for divergence checks (not cryptographic). Pure. */
#ifndef FTV_HASH64_H
#define FTV_HASH64_H

#include <stddef.h>
#include <stdint.h>

#define HASH64_SEED 0x9e3779b97f4a7c15ull

/* Continues 'h' over data; start with HASH64_SEED. Works a word at a time:
 * guest memory (megabytes, hashed inside Bochs) must be cheap. */
uint64_t hash64_update(uint64_t h, const void *data, size_t len);
uint64_t hash64_final(uint64_t h);

#endif
