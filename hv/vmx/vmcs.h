/* Reading and writing the current VMCS. A failing VMREAD/VMWRITE means
 * ftvisor used a field the CPU does not have: a bug, so it panics. */
#ifndef FTV_VMCS_H
#define FTV_VMCS_H

#include <stdint.h>

#include "hv/vmx/vmx_defs.h"

uint64_t vmcs_read(enum vmcs_field field);
void vmcs_write(enum vmcs_field field, uint64_t value);
uint32_t vmcs_instruction_error(void);
const char *vmcs_instruction_error_name(uint32_t err);

#endif
