/*
 * The processor under the glue, faked for host tests: the TSC and RDRAND
 * (hv/vmx/host.h), host interrupts and sleeping (arch/x86_64/irq.h), and VM
 * entry itself (vmx_enter). A test scripts the guest by installing
 * fake_host.enter: it is called for every VM entry and plays the guest up to
 * its next exit by setting the exit fields of the fake VMCS.
 */
#ifndef FTV_TEST_FAKE_HOST_H
#define FTV_TEST_FAKE_HOST_H

#include <stdint.h>

#include "hv/vmx/host.h"

struct vcpu_context;

struct fake_host {
	uint64_t tsc;             /* what host_rdtsc() returns next */
	uint64_t tsc_step;        /* added after every host_rdtsc() */
	uint64_t rand_value;      /* what host_rdrand64() gives */
	int rand_ok;              /* and its carry flag */
	unsigned rand_calls;
	uint64_t waited_us;       /* total of irq_wait()'s bounds */
	unsigned waits;
	uint8_t dispatched[64];   /* vectors given to irq_dispatch(), in order */
	unsigned dispatches;
	/* the last irq_register() */
	uint8_t irq_vector;
	void (*irq_fn)(void *ctx, uint8_t vector);
	void *irq_ctx;
	unsigned nmi_unblocks;    /* calls of host_nmi_unblock() */
	/* The registers VMX does not switch, as the processor holds them;
	 * host_rdmsr()/host_wrmsr() reach the MSRs among them. */
	struct guest_unswitched regs;
	unsigned bad_msr_accesses; /* of any other MSR: a real host would fault */
	/* One VM entry: returns 0 for an exit (set its fields in the fake VMCS),
	 * non-zero for a failed VMLAUNCH/VMRESUME. NULL: every entry fails. */
	int (*enter)(struct vcpu_context *ctx, void *arg);
	void *enter_arg;
	unsigned entries;
};

extern struct fake_host fake_host;

void fake_host_reset(void);

#endif
