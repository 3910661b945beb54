#include "hv/replay/state_hash.h"

#include "hv/vmx/guest_state.h"
#include "hv/lib/hash64.h"
#include "hv/vmx/host.h"
#include "hv/vmx/vcpu.h"
#include "hv/vmx/vmcs.h"

/* What of the virtual APIC is the same in record and replay: not the IRR or
 * the timer's deadline, which follow real time (their reads are logged). */
static uint64_t hash_vlapic(uint64_t h, const struct vlapic *l)
{
	const uint32_t regs[] = { l->tpr, l->svr, l->lvt_timer, l->lvt_lint0, l->lvt_lint1,
				  l->lvt_error, l->lvt_thermal, l->lvt_perf, l->lvt_cmci,
				  l->divide_config, l->initial_count };
	h = hash64_update(h, &l->apic_base, sizeof(l->apic_base));
	h = hash64_update(h, regs, sizeof(regs));
	return hash64_update(h, l->isr, sizeof(l->isr));
}

static uint64_t hash_vuart(uint64_t h, const struct vuart *u)
{
	const uint8_t regs[] = { u->ier, u->lcr, u->mcr, u->scr, u->dll, u->dlm, u->fcr };
	h = hash64_update(h, regs, sizeof(regs));
	h = hash64_update(h, &u->bytes_out, sizeof(u->bytes_out));
	return hash64_update(h, u->line, u->len);
}

/* The CMOS index latch: a data read answers for the register it selects. */
static uint64_t hash_vrtc(uint64_t h, const struct vrtc *r)
{
	const uint8_t regs[] = { r->index, r->nmi_masked };
	return hash64_update(h, regs, sizeof(regs));
}

/* Registers VMX does not switch, as the guest left them (host.h). */
static uint64_t hash_unswitched(uint64_t h)
{
	struct guest_unswitched u;
	host_save_unswitched(&u);
	return hash64_update(h, &u, sizeof(u));
}

uint64_t state_hash(const struct vcpu *v)
{
	uint64_t h = HASH64_SEED;
	for (size_t i = 0; i < guest_state_field_count; i++) {
		uint64_t value = vmcs_read(guest_state_fields[i]);
		h = hash64_update(h, &value, sizeof(value));
	}
	h = hash64_update(h, v->ctx.gpr, sizeof(v->ctx.gpr));
	h = hash64_update(h, v->fx_guest, sizeof(v->fx_guest));
	h = hash64_update(h, &v->point.count, sizeof(v->point.count));
	h = hash_vlapic(h, &v->lapic);
	h = vioapic_hash(h, &v->ioapic);
	h = hash_vuart(h, &v->uart);
	h = hash_vrtc(h, &v->rtc);
	h = vpci_hash(h, &v->pci);
	h = virtio_blk_hash(h, &v->disk);
	h = hash_unswitched(h);
	return hash64_final(h);
}

uint64_t memory_hash(const struct vcpu *v)
{
	return hash64_final(hash64_update(HASH64_SEED, v->ram, v->ram_size));
}
