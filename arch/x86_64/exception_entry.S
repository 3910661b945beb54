/*
 * CPU exception entry. Each stub makes the stack look the same (a zero
 * where the CPU pushes no error code, then the vector), the common path
 * saves every general register into a struct exception_frame and calls
 * exception_handle(). Exceptions in the hypervisor are fatal: it never
 * returns. The NMI is not an exception of ftvisor's (a watchdog, a platform
 * error report, the one let in by the IRET after an NMI exit): its stub
 * counts it and returns to whatever the CPU was doing.
 */
	.text

.macro STUB vector, has_error
	.globl exception_stub_\vector
exception_stub_\vector:
	.if \has_error == 0
	pushq $0
	.endif
	pushq $\vector
	jmp exception_common
.endm

STUB 0, 0
STUB 1, 0
STUB 3, 0
STUB 4, 0
STUB 5, 0
STUB 6, 0
STUB 7, 0
STUB 8, 1
STUB 9, 0
STUB 10, 1
STUB 11, 1
STUB 12, 1
STUB 13, 1
STUB 14, 1
STUB 15, 0
STUB 16, 0
STUB 17, 1
STUB 18, 0
STUB 19, 0
STUB 20, 0
STUB 21, 1
STUB 22, 0
STUB 23, 0
STUB 24, 0
STUB 25, 0
STUB 26, 0
STUB 27, 0
STUB 28, 0
STUB 29, 1
STUB 30, 1
STUB 31, 0

	.globl nmi_stub
nmi_stub:
	/* Touches no register: IRETQ restores the RFLAGS that LOCK INC changes. */
	lock incq host_nmis_outside_guest(%rip)
	iretq

exception_common:
	/* Layout must match struct exception_frame in exceptions.h. */
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	andq $-16, %rsp
	cld
	call exception_handle
1:	cli
	hlt
	jmp 1b

	.section .data.rel.ro
	.globl exception_stubs
	.balign 8
exception_stubs:
	.quad exception_stub_0, exception_stub_1, nmi_stub
	.irp v, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad exception_stub_\v
	.endr

	.section .note.GNU-stack,"",@progbits
