/*
 * Interrupt and exception entry points, installed by idt.c.
 *
 * Exceptions are always fatal in this guest (even the expected #GP of
 * test=badmsr ends the test), so their stubs never return: each pushes its
 * vector, plus a zero where the CPU pushes no error code, giving
 * exception_entry() the same frame for every vector.
 */

	.code32
	.text

	/* For vectors where the CPU pushes no error code. */
	.macro exception_no_error vector
exception_\vector:
	pushl	$0
	pushl	$\vector
	jmp	exception_common
	.endm

	/* For vectors where the CPU has already pushed an error code. */
	.macro exception_with_error vector
exception_\vector:
	pushl	$\vector
	jmp	exception_common
	.endm

	exception_no_error	0       /* #DE */
	exception_no_error	1       /* #DB */
	exception_no_error	2       /* NMI */
	exception_no_error	3       /* #BP */
	exception_no_error	4       /* #OF */
	exception_no_error	5       /* #BR */
	exception_no_error	6       /* #UD */
	exception_no_error	7       /* #NM */
	exception_with_error	8       /* #DF */
	exception_no_error	9
	exception_with_error	10      /* #TS */
	exception_with_error	11      /* #NP */
	exception_with_error	12      /* #SS */
	exception_with_error	13      /* #GP */
	exception_with_error	14      /* #PF */
	exception_no_error	15
	exception_no_error	16      /* #MF */
	exception_with_error	17      /* #AC */
	exception_no_error	18      /* #MC */
	exception_no_error	19      /* #XM */
	exception_no_error	20      /* #VE */
	exception_with_error	21      /* #CP */
	exception_no_error	22
	exception_no_error	23
	exception_no_error	24
	exception_no_error	25
	exception_no_error	26
	exception_no_error	27
	exception_no_error	28
	exception_with_error	29      /* #VC */
	exception_with_error	30      /* #SX */
	exception_no_error	31

/*
 * Stack here: vector, error code, EIP, CS, EFLAGS: exactly the first five
 * arguments of exception_entry(), which does not return.
 */
exception_common:
	cld
	call	exception_entry
1:	cli
	hlt
	jmp	1b

	/* Vector 0x40: the x2APIC timer. */
	.globl	timer_stub
timer_stub:
	pushal
	cld
	call	timer_tick
	popal
	iret

	/* Vector 0xff: APIC spurious interrupts need no EOI and carry no work. */
	.globl	spurious_stub
spurious_stub:
	iret

	/* Read by idt.c: the handler for each exception vector, in order. */
	.section .rodata
	.balign 4
	.globl	exception_stubs
exception_stubs:
	.long	exception_0, exception_1, exception_2, exception_3
	.long	exception_4, exception_5, exception_6, exception_7
	.long	exception_8, exception_9, exception_10, exception_11
	.long	exception_12, exception_13, exception_14, exception_15
	.long	exception_16, exception_17, exception_18, exception_19
	.long	exception_20, exception_21, exception_22, exception_23
	.long	exception_24, exception_25, exception_26, exception_27
	.long	exception_28, exception_29, exception_30, exception_31

	.section .note.GNU-stack, "", @progbits
