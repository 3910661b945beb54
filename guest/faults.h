/* Tests that end in a fault on purpose, and the guest's exception handler. */
#ifndef GUEST_FAULTS_H
#define GUEST_FAULTS_H

#include <stdint.h>

/* test=triple: the hypervisor must notice the triple fault and report it. */
__attribute__((noreturn)) void test_triple_fault(void);
/* test=badmsr: the hypervisor must inject #GP; exception_entry() passes. */
__attribute__((noreturn)) void test_bad_msr(void);

/* Called from isr.S for vectors 0-31 with the CPU's frame as arguments. */
__attribute__((noreturn))
void exception_entry(uint32_t vector, uint32_t error_code, uint32_t eip,
		     uint32_t cs, uint32_t eflags);

#endif
