/* The guest's state at power-on, as hv/guest_abi.h promises it. */
#include "hv/vmx/vmcs_setup.h"

#include <string.h>

#include "hv/core/guest_abi.h"
#include "hv/devices/cpu_model.h"
#include "hv/vmx/host.h"
#include "hv/vmx/vmcs.h"

/* Access rights: present, S=1, G=1, D/B=1; type execute/read or read/write, accessed. */
#define AR_CODE32 0xc09bu
#define AR_DATA32 0xc093u
#define AR_TSS32_BUSY 0x008bu
#define GUEST_CS_SEL 0x08
#define GUEST_DS_SEL 0x10
#define PAT_POWER_ON 0x0007040600070406ull
#define DR7_POWER_ON 0x400ull
#define RFLAGS_RESERVED_ONE 0x2ull
#define DR6_POWER_ON 0xffff0ff0ull

/* What VMX does not switch, at power-on (SDM vol. 3A, table 10-1); the
 * rest of struct guest_unswitched is 0. */
static const struct guest_unswitched unswitched_power_on = { .dr6 = DR6_POWER_ON };

/* Bits of CR0 the guest may own freely; with unrestricted guest, PE and PG
 * are the guest's even though VMX operation otherwise fixes them. */
static uint64_t cr0_forced_one(const struct vmx_caps *c)
{
	return c->cr0_fixed0 & ~(CR0_PE | CR0_PG);
}

void vcpu_set_cr0(struct vcpu *v, uint64_t value)
{
	vmcs_write(VMCS_CR0_SHADOW, value);
	uint64_t real = (value | cr0_forced_one(v->caps)) & (v->caps->cr0_fixed1 | CR0_PE | CR0_PG);
	vmcs_write(VMCS_GUEST_CR0, real);

	/* Turning paging on or off with EFER.LME set switches IA-32e mode. */
	uint64_t efer = vmcs_read(VMCS_GUEST_EFER);
	uint64_t entry = vmcs_read(VMCS_ENTRY_CONTROLS);
	if ((value & CR0_PG) && (efer & EFER_LME)) {
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_MODE_GUEST;
	} else {
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E_MODE_GUEST;
	}
	vmcs_write(VMCS_GUEST_EFER, efer);
	vmcs_write(VMCS_ENTRY_CONTROLS, entry);
}

uint64_t vcpu_cr4_allowed(const struct vcpu *v)
{
	return v->cpu_model->cr4_allowed & v->caps->cr4_fixed1;
}

void vcpu_set_cr4(struct vcpu *v, uint64_t value)
{
	vmcs_write(VMCS_CR4_SHADOW, value);
	vmcs_write(VMCS_GUEST_CR4, (value | v->caps->cr4_fixed0) & v->caps->cr4_fixed1);
}

static void set_segment(enum vmcs_field sel, uint16_t selector, uint32_t ar)
{
	/* Selector, base, limit and access rights fields are laid out in parallel. */
	unsigned index = (unsigned)(sel - VMCS_GUEST_ES_SEL) / 2;
	vmcs_write(sel, selector);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * index), 0);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * index), 0xffffffffu);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * index), ar);
}

void vcpu_reset(struct vcpu *v)
{
	const struct vmx_caps *c = v->caps;

	/* Host-owned CR bits: the ones VMX forces either way, and in CR4 every
	 * bit the guest may not set. Guest writes to them exit, and reads see
	 * the shadow, i.e. what the guest wrote. */
	vmcs_write(VMCS_CR0_MASK, (cr0_forced_one(c) | ~(c->cr0_fixed1 | CR0_PE | CR0_PG)) & 0xffffffffull);
	vmcs_write(VMCS_CR4_MASK, c->cr4_fixed0 | ~vcpu_cr4_allowed(v));
	vmcs_write(VMCS_GUEST_EFER, 0);
	vmcs_write(VMCS_ENTRY_CONTROLS, v->plan->ctl[CTL_ENTRY]);
	vcpu_set_cr0(v, CR0_PE | CR0_ET);
	vcpu_set_cr4(v, 0);
	vmcs_write(VMCS_GUEST_CR3, 0);

	set_segment(VMCS_GUEST_CS_SEL, GUEST_CS_SEL, AR_CODE32);
	set_segment(VMCS_GUEST_DS_SEL, GUEST_DS_SEL, AR_DATA32);
	set_segment(VMCS_GUEST_ES_SEL, GUEST_DS_SEL, AR_DATA32);
	set_segment(VMCS_GUEST_SS_SEL, GUEST_DS_SEL, AR_DATA32);
	set_segment(VMCS_GUEST_FS_SEL, GUEST_DS_SEL, AR_DATA32);
	set_segment(VMCS_GUEST_GS_SEL, GUEST_DS_SEL, AR_DATA32);
	vmcs_write(VMCS_GUEST_LDTR_SEL, 0);
	vmcs_write(VMCS_GUEST_LDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_LDTR_LIMIT, 0);
	vmcs_write(VMCS_GUEST_LDTR_AR, AR_UNUSABLE);
	/* VM entry insists on a usable TR even for a guest that never uses it. */
	vmcs_write(VMCS_GUEST_TR_SEL, 0);
	vmcs_write(VMCS_GUEST_TR_BASE, 0);
	vmcs_write(VMCS_GUEST_TR_LIMIT, 0x67);
	vmcs_write(VMCS_GUEST_TR_AR, AR_TSS32_BUSY);
	vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);

	vmcs_write(VMCS_GUEST_DR7, DR7_POWER_ON);
	vmcs_write(VMCS_GUEST_RFLAGS, RFLAGS_RESERVED_ONE);
	vmcs_write(VMCS_GUEST_RSP, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_PAT, PAT_POWER_ON);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);

	memset(v->ctx.gpr, 0, sizeof(v->ctx.gpr));
	memset(v->fx_guest, 0, sizeof(v->fx_guest));
	/* FXRSTOR image at power-on: FCW 0x37f, MXCSR 0x1f80. */
	v->fx_guest[0] = 0x7f;
	v->fx_guest[1] = 0x03;
	v->fx_guest[24] = 0x80;
	v->fx_guest[25] = 0x1f;
	v->ctx.launched = 0;
	v->ctx.fx_host = v->fx_host;
	v->ctx.fx_guest = v->fx_guest;

	host_load_unswitched(&unswitched_power_on);

	vlapic_reset(&v->lapic);
}
