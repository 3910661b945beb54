/* A copy of the whole guest (memory, vCPU, devices) to return to later:
 * the self-check records from a snapshot, restores it, and replays. */
#ifndef FTV_SNAPSHOT_H
#define FTV_SNAPSHOT_H

#include <stdint.h>

#include "hv/vmx/host.h"
#include "hv/vmx/vcpu.h"

#define SNAPSHOT_FIELDS_MAX 64

struct vcpu_snapshot {
	uint8_t *ram;                        /* a buffer of v->ram_size bytes */
	uint64_t fields[SNAPSHOT_FIELDS_MAX];
	uint64_t gpr[16];
	uint8_t fx_guest[512];
	struct vlapic lapic;
	struct vioapic ioapic;
	struct vuart uart;
	struct vrtc rtc;
	struct vpci pci;
	struct virtio_blk disk;
	struct guest_unswitched unswitched;
	struct exec_point point;
	uint64_t tsc_base;
};

void snapshot_take(const struct vcpu *v, struct vcpu_snapshot *s);
void snapshot_restore(struct vcpu *v, const struct vcpu_snapshot *s);

#endif
