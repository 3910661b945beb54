#include "hv/replay/snapshot.h"

#include <string.h>

#include "hv/core/exit_handlers.h"
#include "hv/vmx/guest_state.h"
#include "hv/vmx/host.h"
#include "hv/lib/stop.h"
#include "hv/vmx/vmcs.h"

void snapshot_take(const struct vcpu *v, struct vcpu_snapshot *s)
{
	if (guest_state_field_count > SNAPSHOT_FIELDS_MAX)
		panic("snapshot: %u guest-state fields, room for %u", (unsigned)guest_state_field_count,
		      SNAPSHOT_FIELDS_MAX);
	memcpy(s->ram, v->ram, v->ram_size);
	for (size_t i = 0; i < guest_state_field_count; i++)
		s->fields[i] = vmcs_read(guest_state_fields[i]);
	memcpy(s->gpr, v->ctx.gpr, sizeof(s->gpr));
	memcpy(s->fx_guest, v->fx_guest, sizeof(s->fx_guest));
	s->lapic = v->lapic;
	s->ioapic = v->ioapic;
	s->uart = v->uart;
	s->rtc = v->rtc;
	s->pci = v->pci;
	s->disk = v->disk;
	host_save_unswitched(&s->unswitched);
	s->point = v->point;
	s->tsc_base = v->tsc_base;
}

void snapshot_restore(struct vcpu *v, const struct vcpu_snapshot *s)
{
	memcpy(v->ram, s->ram, v->ram_size);
	for (size_t i = 0; i < guest_state_field_count; i++)
		vmcs_write(guest_state_fields[i], s->fields[i]);
	memcpy(v->ctx.gpr, s->gpr, sizeof(s->gpr));
	memcpy(v->fx_guest, s->fx_guest, sizeof(s->fx_guest));
	v->lapic = s->lapic;
	v->ioapic = s->ioapic;
	v->uart = s->uart;
	v->rtc = s->rtc;
	v->pci = s->pci;
	v->disk = s->disk;
	host_load_unswitched(&s->unswitched);
	v->point = s->point;
	v->tsc_base = s->tsc_base;
	/* Nothing half-done may leak from the run we are rewinding. */
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vcpu_set_interrupt_window(v, 0);
	v->state = VCPU_RUNNING;
}
