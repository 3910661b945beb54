/* Finding VT-x, naming what is missing, and entering VMX root operation. */
#ifndef FTV_VMX_H
#define FTV_VMX_H

#include "hv/lib/stop.h"
#include "hv/vmx/vmx_caps.h"

/* STOP_GUEST_PASSED (0) when VT-x is usable and *plan is filled;
 * otherwise the stop code, after a console line that says why. */
enum ftv_stop vmx_detect(struct vmx_caps *caps, struct vmx_plan *plan);
/* VMXON. 0, or -1 after a console line. */
int vmx_on(const struct vmx_plan *plan);
void vmx_print_plan(const struct vmx_plan *plan);

#endif
