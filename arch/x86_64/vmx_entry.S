/*
 * Entering the guest and coming back.
 *
 *   int vmx_enter(struct vcpu_context *ctx)
 *
 * loads the guest's general registers and FPU/SSE state from ctx, enters
 * with VMLAUNCH (first time) or VMRESUME, and returns 0 when the guest
 * exits (registers and FPU state saved back into ctx), or 1/2 when the
 * entry instruction itself failed (VMfailInvalid / VMfailValid).
 *
 * HOST_RSP is written here, just before entry, so that the exit lands on
 * this very stack frame with ctx on top; HOST_RIP is vmx_exit_entry.
 * The host's FPU state is swapped too: ftvisor's C code (newlib included)
 * may use SSE registers, which VMX does not switch.
 */
#define CTX_RAX 0
#define CTX_RCX 8
#define CTX_RDX 16
#define CTX_RBX 24
#define CTX_RBP 40
#define CTX_RSI 48
#define CTX_RDI 56
#define CTX_R8 64
#define CTX_R9 72
#define CTX_R10 80
#define CTX_R11 88
#define CTX_R12 96
#define CTX_R13 104
#define CTX_R14 112
#define CTX_R15 120
#define CTX_LAUNCHED 128
#define CTX_FX_HOST 136
#define CTX_FX_GUEST 144

#define VMCS_HOST_RSP 0x6c14

	.text
	.globl vmx_enter
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi                      /* ctx: found again at 0(%rsp) on exit */

	movq CTX_FX_HOST(%rdi), %rax
	fxsave64 (%rax)
	movq CTX_FX_GUEST(%rdi), %rax
	fxrstor64 (%rax)

	movq $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax

	cmpq $0, CTX_LAUNCHED(%rdi)     /* flags survive the moves below */
	movq CTX_RAX(%rdi), %rax
	movq CTX_RCX(%rdi), %rcx
	movq CTX_RDX(%rdi), %rdx
	movq CTX_RBX(%rdi), %rbx
	movq CTX_RBP(%rdi), %rbp
	movq CTX_RSI(%rdi), %rsi
	movq CTX_R8(%rdi), %r8
	movq CTX_R9(%rdi), %r9
	movq CTX_R10(%rdi), %r10
	movq CTX_R11(%rdi), %r11
	movq CTX_R12(%rdi), %r12
	movq CTX_R13(%rdi), %r13
	movq CTX_R14(%rdi), %r14
	movq CTX_R15(%rdi), %r15
	movq CTX_RDI(%rdi), %rdi
	jne 1f
	vmlaunch
	jmp entry_failed
1:	vmresume

entry_failed:
	/* Still on our stack; registers hold guest values, flags the failure. */
	setc %al
	setz %bl
	movq 0(%rsp), %rdi
	movq CTX_FX_HOST(%rdi), %rcx
	fxrstor64 (%rcx)
	movzbl %al, %eax
	testb %al, %al
	jnz 2f
	movzbl %bl, %eax
	shll $1, %eax                   /* ZF -> 2 (VMfailValid) */
2:	jmp vmx_return

	.globl vmx_exit_entry
vmx_exit_entry:
	pushq %rdi                      /* guest RDI; ctx is now at 8(%rsp) */
	movq 8(%rsp), %rdi
	movq %rax, CTX_RAX(%rdi)
	movq %rcx, CTX_RCX(%rdi)
	movq %rdx, CTX_RDX(%rdi)
	movq %rbx, CTX_RBX(%rdi)
	movq %rbp, CTX_RBP(%rdi)
	movq %rsi, CTX_RSI(%rdi)
	movq %r8, CTX_R8(%rdi)
	movq %r9, CTX_R9(%rdi)
	movq %r10, CTX_R10(%rdi)
	movq %r11, CTX_R11(%rdi)
	movq %r12, CTX_R12(%rdi)
	movq %r13, CTX_R13(%rdi)
	movq %r14, CTX_R14(%rdi)
	movq %r15, CTX_R15(%rdi)
	popq %rax
	movq %rax, CTX_RDI(%rdi)
	movq CTX_FX_GUEST(%rdi), %rax
	fxsave64 (%rax)
	movq CTX_FX_HOST(%rdi), %rax
	fxrstor64 (%rax)
	xorl %eax, %eax

vmx_return:
	popq %rdi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.section .note.GNU-stack,"",@progbits
