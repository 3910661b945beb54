/* Putting the guest in its power-on state: RAM cleared, image and command
 * line copied in, vCPU and devices reset. Used at boot and by the self-check. */
#ifndef FTV_GUEST_LOAD_H
#define FTV_GUEST_LOAD_H

#include "hv/core/guest_abi.h"
#include "hv/vmx/vcpu.h"

struct guest_image {
	const void *data;
	uint64_t size;
	struct ftv_guest_header hdr;
	const char *cmdline;
};

void guest_power_on(struct vcpu *v, const struct guest_image *img);

#endif
