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

#include "arch/x86_64/cpu.h"

uint64_t host_rdtsc(void);
/* RDRAND: 1 and *value on success, 0 when the unit had nothing (CF=0). */
int host_rdrand64(uint64_t *value);
/* CPUID of the host processor (the guest's answers come from its CPU model). */
struct cpuid_regs host_cpuid(uint32_t leaf, uint32_t subleaf);
/* Turns transactional memory off for good where the CPU can (IA32_TSX_CTRL:
 * XBEGIN always aborts), and says on the console what it did. */
void host_tsx_off(void);
/* Ends the NMI blocking left by a VM exit that an NMI caused. */
void host_nmi_unblock(void);

#endif
