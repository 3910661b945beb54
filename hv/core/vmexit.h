#ifndef FTV_VMEXIT_H
#define FTV_VMEXIT_H

#include "hv/vmx/vcpu.h"

/* Runs the guest until it stops (v->state, v->stop_code, v->stop_reason). */
void vcpu_run(struct vcpu *v);
void vcpu_print_exit_counts(const struct vcpu *v);

#endif
