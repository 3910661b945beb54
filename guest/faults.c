#include "codes.h"
#include "faults.h"
#include "idt.h"
#include "print.h"
#include "report.h"
#include "x86.h"

#define NONEXISTENT_MSR 0x12345678u

/* Set just before the bad RDMSR, so only that #GP counts as a pass. */
static volatile int bad_msr_pending;

void test_triple_fault(void)
{
	print("triple: empty IDT then int3; the hypervisor must report a triple fault\n");
	/* #BP cannot be delivered, nor the #GP, nor the #DF: the CPU shuts down. */
	idt_load_empty();
	__asm__ volatile("int3");
	fail(CODE_TRIPLE_SURVIVED, "triple: execution continued after int3");
}

void test_bad_msr(void)
{
	uint64_t value;

	print("badmsr: reading MSR 0x%x, expecting #GP\n", NONEXISTENT_MSR);
	bad_msr_pending = 1;
	value = rdmsr(NONEXISTENT_MSR);
	bad_msr_pending = 0;
	fail(CODE_BADMSR_NO_GP, "badmsr: RDMSR returned 0x%llx instead of faulting",
	     value);
}

void exception_entry(uint32_t vector, uint32_t error_code, uint32_t eip,
		     uint32_t cs, uint32_t eflags)
{
	if (vector == VECTOR_GP && bad_msr_pending) {
		/* RDMSR of an unimplemented MSR raises #GP(0). */
		if (error_code != 0)
			fail(CODE_BADMSR_ERROR, "badmsr: #GP error code 0x%x, want 0",
			     error_code);
		print("guest caught #GP from bad MSR\n");
		report(CODE_PASS);
	}
	fail(CODE_EXCEPTION_BASE + vector,
	     "exception %u, error code 0x%x at %x:%x, eflags 0x%x",
	     vector, error_code, cs, eip, eflags);
}
