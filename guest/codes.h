/*
 * Failure codes the guest reports through FTV_HC_REPORT (0 = pass).
 * Each failure has its own code so a test log needs no guest output to
 * tell what went wrong. Grouped by check, in steps of ten.
 */
#ifndef GUEST_CODES_H
#define GUEST_CODES_H

enum guest_code {
	CODE_PASS = 0,

	CODE_BOOT_MAGIC = 1,            /* EAX at entry was not FTV_BOOT_MAGIC */
	CODE_CMDLINE = 2,               /* unknown word or bad value on the command line */

	CODE_CPUID_MAX_LEAF = 10,       /* CPUID.0 max basic leaf < 1 */
	CODE_CPUID_HV_BIT = 11,         /* CPUID.1:ECX[31] (hypervisor present) clear */
	CODE_CPUID_SIGNATURE = 12,      /* CPUID.0x40000000 is not "ftvisor" */
	CODE_CPUID_X2APIC = 13,         /* CPUID.1:ECX[21] (x2APIC) clear */

	CODE_TSC = 20,                  /* second RDTSC not greater than the first */

	CODE_RDRAND = 30,               /* RDRAND advertised but CF=0 ten times */

	CODE_APIC_BASE = 40,            /* IA32_APIC_BASE did not keep x2APIC mode */

	CODE_DELIBERATE = 42,           /* test=fail */

	CODE_TIMER_FIRST = 50,          /* no timer interrupt within the spin bound */
	CODE_TIMER_TICKS = 51,          /* fewer ticks than asked within the HLT bound */
	CODE_TIMER_PERIOD = 52,         /* tick period unmeasurable (0 or too long) */

	CODE_WINDOW_EARLY = 60,         /* an interrupt was delivered while IF=0 */
	CODE_WINDOW_LATE = 61,          /* held tick not delivered soon after STI */
	CODE_WINDOW_SPIN = 62,          /* spin bound hit before the TSC deadline */
	CODE_WINDOW_SYNC = 63,          /* timer stopped before the window test */

	CODE_HC_VERSION = 70,           /* FTV_HC_VERSION did not return the ABI version */

	CODE_BADMSR_NO_GP = 80,         /* RDMSR of a nonexistent MSR did not fault */
	CODE_BADMSR_ERROR = 81,         /* the #GP carried a nonzero error code */

	CODE_TRIPLE_SURVIVED = 90,      /* execution went on after the triple fault */

	CODE_IOAPIC_VERSION = 91,       /* the I/O APIC's version register is not 0x170020 */
	CODE_IOAPIC_MASKED = 92,        /* a redirection entry not masked after power-on */
	CODE_IOAPIC_REDIR = 93,         /* a redirection entry did not read back as written */

	CODE_STRESS_NO_TICKS = 95,      /* test=replay: the timer stopped interrupting */

	CODE_STATE_POWER_ON = 96,       /* CR2, DR0-3, DR6 or KERNEL_GS_BASE not at power-on value */

	CODE_PCI_LATCH = 97,            /* the 0xCF8 address latch did not read back as written */
	CODE_PCI_HOST_BRIDGE = 98,      /* no host bridge at 00:00.0 (ids or class) */

	CODE_EXCEPTION_BASE = 100,      /* unexpected exception: 100 + vector */
};

#endif
