#ifndef FTV_ARCH_EXCEPTIONS_H
#define FTV_ARCH_EXCEPTIONS_H

#include <stdint.h>

/* What exception_entry.S leaves on the stack, lowest address first. */
struct exception_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

const char *exception_name(unsigned vector);
/* NMIs taken while ftvisor itself ran (counted by the NMI stub). */
extern uint64_t host_nmis_outside_guest;
void exception_handle(struct exception_frame *f) __attribute__((noreturn));

#endif
