/*
 * The exit handlers, through the run loop (hv/core/vmexit.c, exit_cpu.c,
 * exit_events.c, exit_io.c) on the fake VMCS and the fake host: CPUID answers
 * from the CPU model, CR4 refuses the bits of hidden features, a host NMI is
 * counted while the guest runs on, port I/O reaches the PCI bus, and MMIO
 * reaches the I/O APIC (decoded at RIP), whose level entries end with the
 * local APIC's EOI.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/core/exit_handlers.h"
#include "hv/core/guest_abi.h"
#include "hv/core/vmexit.h"
#include "hv/devices/cpu_model.h"
#include "hv/replay/nondet.h"
#include "hv/vmx/vcpu.h"
#include "hv/vmx/vmcs.h"
#include "hv/vmx/vmcs_setup.h"
#include "arch/x86_64/msr.h"
#include "tests/unit/fakes/fake_host.h"
#include "tests/unit/fakes/fake_serial.h"
#include "tests/unit/fakes/fake_vmcs.h"

#define CR4_SMEP (1ull << 20)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)
#define CR4_RESERVED_15 (1ull << 15)
#define GP_WITH_ERROR (INTR_INFO_VALID | (INTR_TYPE_HW_EXCEPTION << 8) | INTR_INFO_ERROR_CODE_VALID | 13u)

/* A host CPU that has everything: the model decides what the guest sees. */
static struct cpuid_regs cpu_with_everything(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = { ~0u, ~0u, ~0u, ~0u };
	if (leaf == 0)
		r.eax = 0xd;
	if (leaf == 0x80000000u)
		r.eax = 0x80000008u;
	if (leaf == 4 && sub > 0)
		r.eax = 0;
	return r;
}

/* An execution-point backend that only keeps the point. */
static int ep_init(struct vcpu *v) { (void)v; return 0; }
static void ep_prepare(struct vcpu *v, const struct exec_point *at, int exact, uint32_t slice)
{
	(void)v; (void)at; (void)exact; (void)slice;
}
static void ep_account(struct vcpu *v, const struct vm_exit *e) { v->point.rip = e->rip; }
static int ep_handle(struct vcpu *v, const struct vm_exit *e) { (void)v; (void)e; return 0; }
static const struct execpoint_backend ep_stub = { "stub", ep_init, ep_prepare, ep_account, ep_handle };

static struct {
	struct vcpu v;
	struct vmx_caps caps;
	struct vmx_plan plan;
	struct cpu_model model;
	struct nondet nd;
} rig;

static int setup(void **state)
{
	memset(&rig, 0, sizeof(rig));
	fake_vmcs_reset();
	fake_host_reset();
	fake_console_reset();
	const struct cpuid_features f = { 1, 1, 1 };
	cpu_model_build(&rig.model, cpu_with_everything, &f);
	rig.caps.cr0_fixed0 = CR0_PE | CR0_NE | CR0_PG;
	rig.caps.cr0_fixed1 = ~0ull;
	rig.caps.cr4_fixed0 = CR4_VMXE;
	rig.caps.cr4_fixed1 = ~0ull;
	rig.v.caps = &rig.caps;
	rig.v.plan = &rig.plan;
	rig.v.cpu_model = &rig.model;
	rig.v.ep = &ep_stub;
	rig.v.nd = &rig.nd;
	rig.v.timer_slice = 1000;
	nd_init(&rig.nd, ND_LIVE, NULL);
	vcpu_reset(&rig.v);
	*state = &rig.v;
	return 0;
}

static struct vm_exit instruction_exit(uint32_t reason, uint64_t rip, uint32_t len, uint64_t q)
{
	struct vm_exit e = { .reason = reason, .raw_reason = reason, .qualification = q,
			     .instr_len = len, .rip = rip };
	fake_vmcs_set(VMCS_GUEST_RIP, rip);
	return e;
}

static void test_cpuid_answers_from_the_model(void **state)
{
	struct vcpu *v = *state;
	v->ctx.gpr[GPR_RAX] = 7;
	v->ctx.gpr[GPR_RCX] = 0;
	struct vm_exit e = instruction_exit(EXIT_CPUID, 0x1000, 2, 0);
	exit_cpuid(v, &e);
	struct cpuid_regs want = cpu_model_cpuid(&rig.model, 7, 0);
	assert_int_equal(v->ctx.gpr[GPR_RAX], want.eax);
	assert_int_equal(v->ctx.gpr[GPR_RBX], want.ebx);
	assert_int_equal(v->ctx.gpr[GPR_RCX], want.ecx);
	assert_int_equal(v->ctx.gpr[GPR_RDX], want.edx);
	assert_int_equal(v->ctx.gpr[GPR_RBX] & (1u << 11), 0); /* RTM hidden although the host has it */
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0x1002);
}

/* MOV to CR4 from EAX: qualification CR 4, type 0, register 0. */
static void write_cr4(struct vcpu *v, uint64_t value)
{
	v->ctx.gpr[GPR_RAX] = value;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	struct vm_exit e = instruction_exit(EXIT_CR_ACCESS, 0x2000, 3, 4);
	exit_cr_access(v, &e);
}

static void test_cr4_refuses_hidden_features(void **state)
{
	struct vcpu *v = *state;
	/* The bits the guest may not set are host-owned, so setting one exits. */
	uint64_t mask = fake_vmcs_get(VMCS_CR4_MASK);
	assert_true(mask & CR4_OSXSAVE);
	assert_true(mask & CR4_PKE);
	assert_true(mask & CR4_RESERVED_15);
	assert_false(mask & CR4_SMEP);

	const uint64_t refused[] = { CR4_OSXSAVE, CR4_PKE, CR4_VMXE, CR4_RESERVED_15 };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		write_cr4(v, CR4_PAE | refused[i]);
		assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), GP_WITH_ERROR);
		assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERROR), 0);
		assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0x2000); /* a fault: not skipped */
		assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), 0);
	}
	write_cr4(v, CR4_PAE | CR4_SMEP);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), CR4_PAE | CR4_SMEP);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR4), CR4_PAE | CR4_SMEP | CR4_VMXE);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0x2003);
}

static void msr_exit(struct vcpu *v, uint32_t reason, uint32_t msr, uint64_t value)
{
	v->ctx.gpr[GPR_RCX] = msr;
	v->ctx.gpr[GPR_RAX] = (uint32_t)value;
	v->ctx.gpr[GPR_RDX] = value >> 32;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	struct vm_exit e = instruction_exit(reason, 0x3000, 2, 0);
	if (reason == EXIT_WRMSR)
		exit_wrmsr(v, &e);
	else
		exit_rdmsr(v, &e);
}

/* KERNEL_GS_BASE, the SYSCALL MSRs and TSC_AUX are the guest's in the real
 * registers: WRMSR reaches them when the value is one hardware takes, and
 * RDMSR sees what SWAPGS left there. */
static void test_unswitched_msrs(void **state)
{
	struct vcpu *v = *state;
	rig.plan.rdtscp = 1;
	msr_exit(v, EXIT_WRMSR, 0xc0000082u, 0xffffffff81000000ull); /* LSTAR */
	assert_int_equal(fake_host.regs.lstar, 0xffffffff81000000ull);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0x3002);

	msr_exit(v, EXIT_WRMSR, 0xc0000082u, 0x0000800000000000ull); /* not canonical */
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), GP_WITH_ERROR);
	assert_int_equal(fake_host.regs.lstar, 0xffffffff81000000ull);

	msr_exit(v, EXIT_WRMSR, 0xc0000103u, 1ull << 32); /* TSC_AUX: 32 bits */
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), GP_WITH_ERROR);
	msr_exit(v, EXIT_WRMSR, 0xc0000103u, 7);
	assert_int_equal(fake_host.regs.tsc_aux, 7);
	struct vm_exit e = instruction_exit(EXIT_RDTSCP, 0x3000, 3, 0);
	exit_rdtscp(v, &e);
	assert_int_equal(v->ctx.gpr[GPR_RCX], 7);

	fake_host.regs.kernel_gs_base = 0x1234000; /* what a SWAPGS in the guest left */
	msr_exit(v, EXIT_RDMSR, 0xc0000102u, 0);
	assert_int_equal(v->ctx.gpr[GPR_RAX], 0x1234000);
	assert_int_equal(fake_host.bad_msr_accesses, 0);
}

/* The scripted guest: exits listed in order, the last one a passing report. */
struct script {
	const uint32_t *reasons;
	const uint32_t *intr_info;
	unsigned n, at;
};

static int play(struct vcpu_context *ctx, void *arg)
{
	struct script *s = arg;
	unsigned i = s->at < s->n ? s->at++ : s->n - 1;
	fake_vmcs_set(VMCS_EXIT_REASON, s->reasons[i]);
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, s->intr_info[i]);
	fake_vmcs_set(VMCS_EXIT_INSTRUCTION_LEN, 3);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	if (s->reasons[i] == EXIT_VMCALL) {
		ctx->gpr[GPR_RAX] = FTV_HC_REPORT;
		ctx->gpr[GPR_RBX] = 0;
	}
	return 0;
}

static void run(struct vcpu *v, struct script *s)
{
	fake_host.enter = play;
	fake_host.enter_arg = s;
	vcpu_run(v);
}

#define NMI_INFO (INTR_INFO_VALID | (INTR_TYPE_NMI << 8) | 2u)

static void test_host_nmi_resumes_the_guest(void **state)
{
	struct vcpu *v = *state;
	const uint32_t reasons[] = { EXIT_EXCEPTION_NMI, EXIT_EXCEPTION_NMI, EXIT_VMCALL };
	const uint32_t info[] = { NMI_INFO, NMI_INFO, 0 };
	struct script s = { reasons, info, 3, 0 };
	run(v, &s);
	assert_int_equal(v->stop_code, STOP_GUEST_PASSED);
	assert_int_equal(v->host_nmis, 2);
	assert_int_equal(fake_host.nmi_unblocks, 2); /* NMIs unblocked after each */
	assert_int_equal(fake_host.entries, 3);
	assert_int_equal(fake_vmcs_writes(VMCS_ENTRY_INTR_INFO), 0); /* nothing given to the guest */
}

static void test_guest_exception_exit_is_reported(void **state)
{
	struct vcpu *v = *state;
	const uint32_t reasons[] = { EXIT_EXCEPTION_NMI, EXIT_VMCALL };
	const uint32_t info[] = { INTR_INFO_VALID | (INTR_TYPE_HW_EXCEPTION << 8) | 6u, 0 };
	struct script s = { reasons, info, 2, 0 };
	run(v, &s);
	assert_int_equal(v->stop_code, STOP_GUEST_CRASHED);
	assert_non_null(strstr(v->stop_reason, "unexpected VM exit: exception or NMI"));
	assert_int_equal(v->host_nmis, 0);
	assert_int_equal(fake_host.nmi_unblocks, 0);
}

/* IN or OUT of 'size' bytes at 'port' with AL/AX/EAX (SDM table 28-5). */
static void port_io(struct vcpu *v, uint16_t port, unsigned size, int in)
{
	uint64_t q = (uint64_t)port << 16 | (in ? 1u << 3 : 0) | (size - 1);
	struct vm_exit e = instruction_exit(EXIT_IO_INSTRUCTION, 0x3000, 1, q);
	exit_io(v, &e);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0x3001);
}

/* The guest enumerates the bus through 0xCF8/0xCFC: the host bridge
 * answers at 00:00.0, an empty slot reads all ones, a byte OUT to 0xCF8
 * does not move the latch, a narrow IN keeps the rest of RAX. */
static void test_pci_config_ports(void **state)
{
	struct vcpu *v = *state;
	vpci_init(&v->pci);
	v->ctx.gpr[GPR_RAX] = PCI_CONFIG_ENABLE;
	port_io(v, PCI_CONFIG_ADDRESS_PORT, 4, 0);
	v->ctx.gpr[GPR_RAX] = 0xdeadbeef00000000ull;
	port_io(v, PCI_CONFIG_DATA_PORT, 4, 1);
	assert_int_equal(v->ctx.gpr[GPR_RAX], (uint32_t)VPCI_BRIDGE_DEVICE << 16 | VPCI_BRIDGE_VENDOR);
	v->ctx.gpr[GPR_RAX] = 0x5500;
	port_io(v, PCI_CONFIG_ADDRESS_PORT + 3, 1, 0);
	v->ctx.gpr[GPR_RAX] = 0xffff0000ull;
	port_io(v, PCI_CONFIG_DATA_PORT + 2, 2, 1);
	assert_int_equal(v->ctx.gpr[GPR_RAX], 0xffff0000ull | VPCI_BRIDGE_DEVICE);
	v->ctx.gpr[GPR_RAX] = PCI_CONFIG_ENABLE | 5u << PCI_ADDR_DEV_SHIFT;
	port_io(v, PCI_CONFIG_ADDRESS_PORT, 4, 0);
	v->ctx.gpr[GPR_RAX] = 0;
	port_io(v, PCI_CONFIG_DATA_PORT, 4, 1);
	assert_int_equal(v->ctx.gpr[GPR_RAX], 0xffffffffu);
	assert_int_equal(v->unclaimed_port_accesses, 0);
}

#define QUAL_EPT_READ 1ull
#define QUAL_EPT_WRITE 2ull
static uint8_t mmio_ram[0x10000];

/* The instruction 'bytes' at RIP 0x3000 touches guest-physical 'gpa'. */
static void mmio_exit(struct vcpu *v, uint64_t gpa, uint64_t q, const uint8_t *bytes, size_t n)
{
	memcpy(mmio_ram + 0x3000, bytes, n);
	struct vm_exit e = instruction_exit(EXIT_EPT_VIOLATION, 0x3000, 0, q);
	e.guest_phys = gpa;
	exit_ept_violation(v, &e);
}

static void test_ioapic_mmio(void **state)
{
	struct vcpu *v = *state;
	static const uint8_t select_version[] = { 0xc7, 0x03, 0x01, 0, 0, 0 }; /* mov dword [ebx], 1 */
	static const uint8_t read_window[] = { 0x8b, 0x4b, 0x10 };              /* mov ecx, [ebx+0x10] */
	static const uint8_t write_window[] = { 0x89, 0x53, 0x10 };             /* mov [ebx+0x10], edx */
	static const uint8_t read_byte[] = { 0x8a, 0x23 };                      /* mov ah, [ebx] */
	static const uint8_t inc_mem[] = { 0xff, 0x03 };                        /* inc dword [ebx] */
	memset(mmio_ram, 0, sizeof(mmio_ram));
	v->ram = mmio_ram;
	v->ram_size = sizeof(mmio_ram);
	vioapic_reset(&v->ioapic);
	fake_vmcs_set(VMCS_GUEST_CR0, CR0_PE);

	mmio_exit(v, VIOAPIC_DEFAULT_BASE, QUAL_EPT_WRITE, select_version, sizeof(select_version));
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0x3006);
	v->ctx.gpr[GPR_RCX] = ~0ull;
	mmio_exit(v, VIOAPIC_DEFAULT_BASE + VIOAPIC_IOWIN, QUAL_EPT_READ, read_window, sizeof(read_window));
	assert_int_equal(v->ctx.gpr[GPR_RCX], 0x170020);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0x3003);
	/* A byte read is not a register access: 0, the rest of RAX kept. */
	v->ctx.gpr[GPR_RAX] = 0x1234;
	mmio_exit(v, VIOAPIC_DEFAULT_BASE, QUAL_EPT_READ, read_byte, sizeof(read_byte));
	assert_int_equal(v->ctx.gpr[GPR_RAX], 0x0034);

	/* Pin 3: level, vector 0x41, unmasked; the line up delivers once
	 * until the local APIC's EOI, which delivers again while it stays up. */
	vioapic_write(&v->ioapic, VIOAPIC_IOREGSEL, VIOAPIC_REG_REDIR + 2 * 3);
	v->ctx.gpr[GPR_RDX] = 0x41 | VIOAPIC_RTE_LEVEL;
	mmio_exit(v, VIOAPIC_DEFAULT_BASE + VIOAPIC_IOWIN, QUAL_EPT_WRITE, write_window, sizeof(write_window));
	assert_int_equal(v->ioapic.redir[3], 0x41 | VIOAPIC_RTE_LEVEL);
	v->ioapic.deliver = NULL;
	msr_exit(v, EXIT_WRMSR, MSR_IA32_APIC_BASE, VLAPIC_DEFAULT_BASE | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	vlapic_accept(&v->lapic, 0x41);
	vioapic_set_line(&v->ioapic, 3, 1);
	assert_true(v->ioapic.redir[3] & VIOAPIC_RTE_REMOTE_IRR);
	msr_exit(v, EXIT_WRMSR, X2APIC_EOI, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(v->ioapic.delivered, 2);

	mmio_exit(v, VIOAPIC_DEFAULT_BASE, QUAL_EPT_WRITE, inc_mem, sizeof(inc_mem));
	assert_int_equal(v->stop_code, STOP_GUEST_CRASHED);
	assert_non_null(strstr(v->stop_reason, "unsupported MMIO instruction <ff 03 10 00 00"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cpuid_answers_from_the_model, setup),
		cmocka_unit_test_setup(test_cr4_refuses_hidden_features, setup),
		cmocka_unit_test_setup(test_unswitched_msrs, setup),
		cmocka_unit_test_setup(test_host_nmi_resumes_the_guest, setup),
		cmocka_unit_test_setup(test_guest_exception_exit_is_reported, setup),
		cmocka_unit_test_setup(test_pci_config_ports, setup),
		cmocka_unit_test_setup(test_ioapic_mmio, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
