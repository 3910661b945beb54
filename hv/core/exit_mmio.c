/*
 * MMIO of the guest: an access to a device window arrives as an EPT
 * violation (nothing maps those pages). The instruction at RIP is read
 * through the guest's own translation, decoded (hv/vmx/mmio_decode.c),
 * performed on the device and skipped. Only the I/O APIC has a window.
 * For record/replay the access is not an input: the device is guest
 * state, snapshotted and hashed, and replays to the same values.
 */
#include "hv/core/exit_handlers.h"

#include <stdio.h>

#include "hv/devices/vioapic.h"
#include "hv/vmx/guest_walk.h"
#include "hv/vmx/mmio_decode.h"
#include "hv/vmx/vmcs.h"

static enum mmio_mode code_mode(void)
{
	int long_mode = (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) &&
			(vmcs_read(VMCS_GUEST_CS_AR) & SEG_AR_LONG);
	return long_mode ? MMIO_MODE_64 : MMIO_MODE_32;
}

/* The bytes at CS:RIP; how many could be read (the reason in *why if not all). */
static size_t fetch_instruction(const struct vcpu *v, const struct vm_exit *e,
				uint8_t buf[MMIO_INSN_MAX], const char **why)
{
	const struct guest_paging p = {
		.cr0 = vmcs_read(VMCS_GUEST_CR0), .cr3 = vmcs_read(VMCS_GUEST_CR3),
		.cr4 = vmcs_read(VMCS_GUEST_CR4), .efer = vmcs_read(VMCS_GUEST_EFER),
	};
	uint64_t linear = vmcs_read(VMCS_GUEST_CS_BASE) + e->rip;
	*why = "";
	return guest_fetch(&p, v->ram, v->ram_size, linear, buf, MMIO_INSN_MAX, why);
}

static void stop_unsupported(struct vcpu *v, const struct vm_exit *e, const uint8_t *bytes,
			     size_t n, const char *why)
{
	char hex[3 * MMIO_INSN_MAX] = "";
	for (size_t i = 0, at = 0; i < n; i++)
		at += (size_t)snprintf(hex + at, sizeof(hex) - at, "%s%02x", i ? " " : "", bytes[i]);
	vcpu_stop(v, STOP_GUEST_CRASHED,
		  "unsupported MMIO instruction <%s> at RIP 0x%llx, guest-physical 0x%llx%s%s", hex,
		  (unsigned long long)e->rip, (unsigned long long)e->guest_phys, *why ? ": " : "",
		  why);
}

/* The I/O APIC takes 32-bit accesses; others read 0 and are ignored. */
static uint64_t ioapic_access(struct vcpu *v, const struct mmio_insn *in, uint32_t offset,
			      uint64_t value)
{
	if (in->size != 4 || (offset & 3))
		return 0;
	if (in->is_write) {
		vioapic_write(&v->ioapic, offset, (uint32_t)value);
		return 0;
	}
	return vioapic_read(&v->ioapic, offset);
}

int exit_mmio(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t gpa = e->guest_phys;
	if (gpa < VIOAPIC_DEFAULT_BASE || gpa >= VIOAPIC_DEFAULT_BASE + VIOAPIC_WINDOW)
		return 0;

	uint8_t bytes[MMIO_INSN_MAX];
	const char *why;
	struct mmio_insn in;
	size_t n = fetch_instruction(v, e, bytes, &why);
	if (mmio_decode(bytes, n, code_mode(), &in) != 0) {
		stop_unsupported(v, e, bytes, n, why);
		return 1;
	}
	uint32_t offset = (uint32_t)(gpa - VIOAPIC_DEFAULT_BASE);
	if (in.is_write) {
		ioapic_access(v, &in, offset, mmio_store_value(&in, vcpu_read_gpr(v, in.reg)));
	} else {
		uint64_t value = ioapic_access(v, &in, offset, 0);
		vcpu_write_gpr(v, in.reg, mmio_load_merge(&in, vcpu_read_gpr(v, in.reg), value));
	}
	/* The exit gives no instruction length for EPT violations: ours. */
	struct vm_exit done = *e;
	done.instr_len = in.len;
	vcpu_skip_instruction(v, &done);
	return 1;
}
