/*
 * The test guest's main program: read the command line, run the requested
 * test, report the verdict with FTV_HC_REPORT.
 */
#include "checks.h"
#include "cmdline.h"
#include "codes.h"
#include "faults.h"
#include "guest_abi.h"
#include "idt.h"
#include "print.h"
#include "report.h"
#include "stress.h"
#include "uart.h"

__attribute__((noreturn)) void guest_main(uint32_t boot_magic, const char *cmdline);

/* Bounded, since the terminating NUL is the hypervisor's to provide. */
static void print_cmdline(const char *cmdline)
{
	print("ftvisor test guest, command line '");
	for (int i = 0; i < FTV_GUEST_CMDLINE_MAX && cmdline[i]; i++)
		uart_putc(cmdline[i]);
	print("'\n");
}

__attribute__((noreturn)) static void run_all_checks(uint32_t ticks)
{
	uint32_t period;

	check_unswitched_state();
	check_cpuid();
	check_tsc();
	check_rdrand();
	period = check_timer(ticks);
	check_interrupt_window(period);
	check_hypercall_version();
	check_pci();
	check_ioapic();
	print("all checks passed\n");
	report(CODE_PASS);
}

void guest_main(uint32_t boot_magic, const char *cmdline)
{
	struct guest_config cfg;

	/* First, so that any later exception is reported rather than fatal. */
	idt_init();
	if (!cmdline)
		cmdline = "";
	print_cmdline(cmdline);
	if (boot_magic != FTV_BOOT_MAGIC)
		fail(CODE_BOOT_MAGIC, "EAX at entry was 0x%x, want 0x%x",
		     boot_magic, FTV_BOOT_MAGIC);

	cfg = cmdline_parse(cmdline);
	switch (cfg.test) {
	case TEST_ALL:
		run_all_checks(cfg.ticks);
	case TEST_FAIL:
		fail(CODE_DELIBERATE, "failing deliberately, as test=fail asks");
	case TEST_TRIPLE:
		test_triple_fault();
	case TEST_BADMSR:
		test_bad_msr();
	case TEST_REPLAY:
		check_unswitched_state();
		test_replay_stress(cfg.ticks);
	case TEST_COMPUTE:
		test_compute(cfg.ticks);
	}
	fail(CODE_CMDLINE, "no such test");
}
