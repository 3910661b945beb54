#include "hv/devices/vrtc.h"

#include "hv/lib/log.h"
#include "hv/replay/nondet.h"
#include "hv/vmx/vcpu.h"
#include "arch/x86_64/cpu.h"

#define CMOS_INDEX_PORT 0x70
#define CMOS_DATA_PORT 0x71
#define INDEX_NMI_MASK 0x80

void vrtc_reset(struct vrtc *r)
{
	r->index = 0;
	r->nmi_masked = 0;
	r->ignored_writes = 0;
}

/* The host's CMOS, read with NMIs kept masked as the firmware leaves them. */
static uint64_t host_cmos_read(struct vcpu *v, uint32_t reg)
{
	(void)v;
	cpu_outb(CMOS_INDEX_PORT, (uint8_t)(INDEX_NMI_MASK | reg));
	return cpu_inb(CMOS_DATA_PORT);
}

uint8_t vrtc_read(struct vcpu *v, unsigned offset)
{
	if (offset == 0)
		return 0xff; /* the index port is write-only */
	return (uint8_t)nd_device(v, EV_DEV_RTC, v->rtc.index, host_cmos_read);
}

void vrtc_write(struct vcpu *v, unsigned offset, uint8_t value)
{
	struct vrtc *r = &v->rtc;
	if (offset == 0) {
		r->index = value & 0x7f;
		r->nmi_masked = (value & INDEX_NMI_MASK) != 0;
		return;
	}
	if (r->ignored_writes++ == 0)
		log_warn("guest", "write 0x%02x to CMOS register 0x%02x ignored: the guest does not "
				  "set the host's clock", value, r->index);
}
