/*
 * The guest's architectural state in the VMCS, listed once: state hashes and
 * snapshots both walk this table, so they can never disagree about what
 * "the guest's state" is.
 */
#ifndef FTV_GUEST_STATE_H
#define FTV_GUEST_STATE_H

#include <stddef.h>

#include "hv/vmx/vmx_defs.h"

extern const enum vmcs_field guest_state_fields[];
extern const size_t guest_state_field_count;

#endif
