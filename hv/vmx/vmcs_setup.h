#ifndef FTV_VMCS_SETUP_H
#define FTV_VMCS_SETUP_H

#include "hv/vmx/vcpu.h"

/* Allocates and loads the VMCS, writes controls, host and guest state. */
int vmcs_create(struct vcpu *v);
/* The guest's power-on state per guest_abi.h (also used by replay later). */
void vcpu_reset(struct vcpu *v);
/* Applies a guest write of CR0/CR4: shadow = what the guest wrote, the real
 * register = that value within the VMX fixed bits. */
void vcpu_set_cr0(struct vcpu *v, uint64_t value);
void vcpu_set_cr4(struct vcpu *v, uint64_t value);
/* The CR4 bits a guest write may set: those of the features its CPU model
 * offers that VMX operation lets it have. The others are host-owned. */
uint64_t vcpu_cr4_allowed(const struct vcpu *v);

#endif
