/*
 * Virtual CMOS real-time clock at ports 0x70 (index) and 0x71 (data). Wall
 * time is an input: every data read is the host RTC's register, taken
 * through the record/replay choke point. Guest writes to the clock are
 * ignored (the guest does not own the host's time).
 */
#ifndef FTV_VRTC_H
#define FTV_VRTC_H

#include <stdint.h>

#define VRTC_BASE 0x70
#define VRTC_PORTS 2

struct vcpu;

struct vrtc {
	uint8_t index;          /* selected CMOS register, 0-127 */
	uint8_t nmi_masked;     /* bit 7 of the index port */
	uint64_t ignored_writes;
};

void vrtc_reset(struct vrtc *r);
uint8_t vrtc_read(struct vcpu *v, unsigned offset);
void vrtc_write(struct vcpu *v, unsigned offset, uint8_t value);

#endif
