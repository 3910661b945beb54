/* One handler per exit reason, grouped by file; the table is in vmexit.c. */
#ifndef FTV_EXIT_HANDLERS_H
#define FTV_EXIT_HANDLERS_H

#include "hv/vmx/vcpu.h"

typedef void (*exit_handler_fn)(struct vcpu *v, const struct vm_exit *e);

/* exit_cpu.c: instructions that exit (CPUID, CR access, HLT, VMCALL, ...) */
void exit_cpuid(struct vcpu *v, const struct vm_exit *e);
void exit_cr_access(struct vcpu *v, const struct vm_exit *e);
void exit_hlt(struct vcpu *v, const struct vm_exit *e);
void exit_vmcall(struct vcpu *v, const struct vm_exit *e);
void exit_undefined_opcode(struct vcpu *v, const struct vm_exit *e);
void exit_general_protection(struct vcpu *v, const struct vm_exit *e);
void exit_skip(struct vcpu *v, const struct vm_exit *e);

/* exit_time.c: the non-deterministic instructions (TSC, random numbers) */
void exit_rdtsc(struct vcpu *v, const struct vm_exit *e);
void exit_rdtscp(struct vcpu *v, const struct vm_exit *e);
void exit_rdrand(struct vcpu *v, const struct vm_exit *e);

/* exit_io.c */
void exit_io(struct vcpu *v, const struct vm_exit *e);
/* exit_mmio.c: 1 when the EPT violation was an access to a device window, now handled */
int exit_mmio(struct vcpu *v, const struct vm_exit *e);
/* exit_msr.c */
void exit_rdmsr(struct vcpu *v, const struct vm_exit *e);
void exit_wrmsr(struct vcpu *v, const struct vm_exit *e);

/* exit_events.c: interrupts, timers, faults of the guest itself */
void exit_external_interrupt(struct vcpu *v, const struct vm_exit *e);
void exit_interrupt_window(struct vcpu *v, const struct vm_exit *e);
void exit_preemption_timer(struct vcpu *v, const struct vm_exit *e);
void exit_triple_fault(struct vcpu *v, const struct vm_exit *e);
void exit_ept_violation(struct vcpu *v, const struct vm_exit *e);
void exit_unexpected(struct vcpu *v, const struct vm_exit *e);
/* Before dispatch: 1 if the exit was a host NMI, now handled (the guest resumes). */
int exit_host_nmi(struct vcpu *v, const struct vm_exit *e);

/* vmexit.c */
const char *exit_reason_name(uint32_t reason);

#endif
