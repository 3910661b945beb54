/*
 * First guest instructions. The hypervisor enters in 32-bit protected mode
 * with flat segments but no GDT in guest memory and ESP = 0 (guest_abi.h),
 * so before any C code runs we need a stack, a zeroed .bss, and a GDT of our
 * own: the first far jump, IRET or segment reload would otherwise read
 * descriptors from wherever GDTR happens to point.
 */

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define STACK_SIZE 16384

	.code32
	.section .text.entry, "ax"
	.globl guest_entry
guest_entry:
	/* EAX = boot magic, EBX = command line: keep both for guest_main. */
	movl	%eax, %esi
	movl	$stack_top, %esp
	cld

	/* Zero .bss; the flat binary stops before it. Nothing is on the stack yet. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	lgdt	gdt_descriptor
	ljmp	$SEL_CODE, $reload_data_segments
reload_data_segments:
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss

	pushl	%ebx                    /* cmdline */
	pushl	%esi                    /* boot magic */
	call	guest_main
	/* guest_main reports and never returns; stop quietly if it does. */
1:	cli
	hlt
	jmp	1b

	.section .rodata
	.balign 8
	/* Flat 4 GiB segments; accessed bits preset so the CPU never writes here. */
gdt:
	.quad	0                       /* null descriptor */
	.quad	0x00cf9b000000ffff      /* 0x08: code, base 0, limit 4 GiB, 32-bit */
	.quad	0x00cf93000000ffff      /* 0x10: data, base 0, limit 4 GiB, 32-bit */
gdt_end:

	.balign 4
gdt_descriptor:
	.word	gdt_end - gdt - 1
	.long	gdt

	.section .bss
	.balign 16
	.skip	STACK_SIZE
stack_top:

	.section .note.GNU-stack, "", @progbits
