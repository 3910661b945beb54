/*
 * A fake VMCS for host tests of the exit-time glue: vmcs_read() and
 * vmcs_write() (hv/vmx/vmcs.h) on a table indexed by field encoding, with a
 * count of the writes to each field, so that a test can set up an exit and
 * check what the code under test wrote for the next entry.
 */
#ifndef FTV_TEST_FAKE_VMCS_H
#define FTV_TEST_FAKE_VMCS_H

#include <stdint.h>

#include "hv/vmx/vmx_defs.h"

void fake_vmcs_reset(void);
/* Sets a field as the processor would (no write is counted). */
void fake_vmcs_set(enum vmcs_field field, uint64_t value);
uint64_t fake_vmcs_get(enum vmcs_field field);
unsigned fake_vmcs_writes(enum vmcs_field field);

#endif
