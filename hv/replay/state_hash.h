/* Hashes of what the guest can observe, compared between record and replay. */
#ifndef FTV_STATE_HASH_H
#define FTV_STATE_HASH_H

#include <stdint.h>

struct vcpu;

/* Registers (those in the VMCS and those VMX does not switch), FPU/SSE
 * state, the deterministic part of the devices, and the execution-point
 * count. */
uint64_t state_hash(const struct vcpu *v);
/* All of guest RAM. */
uint64_t memory_hash(const struct vcpu *v);

#endif
