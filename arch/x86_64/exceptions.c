#include "arch/x86_64/exceptions.h"

#include "arch/x86_64/cpu.h"
#include "hv/lib/log.h"
#include "hv/lib/stop.h"

static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
	"reserved 27", "#HV hypervisor injection", "#VC VMM communication",
	"#SX security", "reserved 31",
};

uint64_t host_nmis_outside_guest;

const char *exception_name(unsigned vector)
{
	return vector < 32 ? names[vector] : "interrupt";
}

void exception_handle(struct exception_frame *f)
{
	log_error("cpu", "hypervisor exception %llu: %s, error code 0x%llx",
		  (unsigned long long)f->vector, exception_name((unsigned)f->vector),
		  (unsigned long long)f->error_code);
	console_printf("  RIP %016llx  CS %04llx  RFLAGS %016llx\n", (unsigned long long)f->rip,
		       (unsigned long long)f->cs, (unsigned long long)f->rflags);
	console_printf("  RSP %016llx  SS %04llx  CR2 %016llx\n", (unsigned long long)f->rsp,
		       (unsigned long long)f->ss, (unsigned long long)cpu_read_cr2());
	console_printf("  CR0 %016llx  CR3 %016llx  CR4 %016llx\n",
		       (unsigned long long)cpu_read_cr0(), (unsigned long long)cpu_read_cr3(),
		       (unsigned long long)cpu_read_cr4());
	console_printf("  RAX %016llx  RBX %016llx  RCX %016llx\n", (unsigned long long)f->rax,
		       (unsigned long long)f->rbx, (unsigned long long)f->rcx);
	console_printf("  RDX %016llx  RSI %016llx  RDI %016llx\n", (unsigned long long)f->rdx,
		       (unsigned long long)f->rsi, (unsigned long long)f->rdi);
	console_printf("  RBP %016llx  R8  %016llx  R9  %016llx\n", (unsigned long long)f->rbp,
		       (unsigned long long)f->r8, (unsigned long long)f->r9);
	console_printf("  R10 %016llx  R11 %016llx  R12 %016llx\n", (unsigned long long)f->r10,
		       (unsigned long long)f->r11, (unsigned long long)f->r12);
	console_printf("  R13 %016llx  R14 %016llx  R15 %016llx\n", (unsigned long long)f->r13,
		       (unsigned long long)f->r14, (unsigned long long)f->r15);
	print_backtrace(f->rbp);
	hv_stop(STOP_HV_FAULT);
}
