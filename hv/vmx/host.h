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
/*
 * Guest state that VMX does not switch and that the guest reaches without
 * an exit: CR2 (page faults), DR0-DR3 and DR6 (MOV DR does not exit),
 * KERNEL_GS_BASE (SWAPGS), STAR/LSTAR/CSTAR/FMASK (SYSCALL) and TSC_AUX
 * (RDPID; RDTSCP exits, but reads the same register). ftvisor itself never
 * uses any of them (no SYSCALL, no SWAPGS, no debug registers, no RDTSCP,
 * and a page fault of its own is fatal), so instead of swapping them on
 * every entry and exit they hold the guest's values all the time: set at
 * power-on, read for the snapshot and the state hash, written back when a
 * snapshot is restored. The guest's RDMSR/WRMSR of these MSRs exit and go
 * to the real register too.
 */
struct guest_unswitched {
	uint64_t cr2;
	uint64_t dr[4];
	uint64_t dr6;
	uint64_t kernel_gs_base, star, lstar, cstar, fmask, tsc_aux;
};

void host_save_unswitched(struct guest_unswitched *s);
void host_load_unswitched(const struct guest_unswitched *s);
uint64_t host_rdmsr(uint32_t msr);
void host_wrmsr(uint32_t msr, uint64_t value);

/* CPUID of the host processor (the guest's answers come from its CPU model). */
struct cpuid_regs host_cpuid(uint32_t leaf, uint32_t subleaf);
/* Turns transactional memory off for good where the CPU can (IA32_TSX_CTRL:
 * XBEGIN always aborts), and says on the console what it did. */
void host_tsx_off(void);
/* Ends the NMI blocking left by a VM exit that an NMI caused. */
void host_nmi_unblock(void);

#endif
