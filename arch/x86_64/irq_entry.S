/*
 * Host interrupt entry, vectors 32-255 (taken only inside irq_wait()).
 * Each 16-byte stub pushes its vector; the common path saves the registers the
 * C ABI lets a callee clobber, and the FPU/SSE state (the C code may use
 * XMM registers), calls irq_dispatch(vector) and returns with IRETQ.
 */
	.text

/* Stubs of IRQ_STUB_SIZE bytes each, vector 32 first: the IDT computes
 * the address of vector v as irq_stubs + (v - 32) * IRQ_STUB_SIZE. */
	.globl irq_stubs
	.balign 16
irq_stubs:
	.set vector, 32
	.rept 224
	.balign 16
	pushq $vector
	jmp irq_common
	.set vector, vector + 1
	.endr

irq_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbp
	movq %rsp, %rbp
	subq $512, %rsp
	andq $-16, %rsp
	fxsave64 (%rsp)
	movq 80(%rbp), %rdi          /* the vector, above the ten saved registers */
	cld
	call irq_dispatch
	fxrstor64 (%rsp)
	movq %rbp, %rsp
	popq %rbp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $8, %rsp
	iretq

	.section .note.GNU-stack,"",@progbits
