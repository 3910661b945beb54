/*
 * What the exit-time glue (the run loop, the exit handlers, the choke point)
 * asks of the real processor besides the VMCS: the time stamp counter, its
 * random-number unit, and NMI blocking. Out of line, like vmcs_read() and
 * vmcs_write(), so that host unit tests link fakes instead (tests/unit/fakes/)
 * and drive the glue with time and entropy they choose.
 */
#ifndef FTV_VMX_HOST_H
#define FTV_VMX_HOST_H

#include <stdint.h>

uint64_t host_rdtsc(void);
/* RDRAND: 1 and *value on success, 0 when the unit had nothing (CF=0). */
int host_rdrand64(uint64_t *value);
/* Ends the NMI blocking left by a VM exit that an NMI caused. */
void host_nmi_unblock(void);

#endif
