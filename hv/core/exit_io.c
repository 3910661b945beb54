/* Port I/O exits: decode, then hand to the device that owns the port. */
#include "hv/core/exit_handlers.h"

#include "hv/lib/log.h"
#include "hv/devices/vrtc.h"

/* Exit qualification for I/O instructions (SDM table 28-5). */
#define IO_SIZE(q) ((unsigned)((q) & 7) + 1)
#define IO_IN(q) (((q) >> 3) & 1)
#define IO_STRING(q) (((q) >> 4) & 1)
#define IO_PORT(q) ((uint16_t)((q) >> 16))
#define UNCLAIMED_REPORT_LIMIT 8

static uint8_t uart_read(struct vcpu *v, unsigned offset)
{
	return vuart_read(&v->uart, offset);
}

static void uart_write(struct vcpu *v, unsigned offset, uint8_t value)
{
	vuart_write(&v->uart, offset, value);
}

/* Every port with a device behind it. Devices have byte registers; wider
 * accesses touch consecutive registers, as on an ISA bus. */
struct port_device {
	uint16_t base, count;
	uint8_t (*read)(struct vcpu *v, unsigned offset);
	void (*write)(struct vcpu *v, unsigned offset, uint8_t value);
};

static const struct port_device port_devices[] = {
	{ VUART_BASE, VUART_PORTS, uart_read, uart_write },
	{ VRTC_BASE, VRTC_PORTS, vrtc_read, vrtc_write },
};

static const struct port_device *device_at(uint16_t port)
{
	for (size_t i = 0; i < sizeof(port_devices) / sizeof(port_devices[0]); i++)
		if (port >= port_devices[i].base && port < port_devices[i].base + port_devices[i].count)
			return &port_devices[i];
	return NULL;
}

void exit_io(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t q = e->qualification;
	uint16_t port = IO_PORT(q);
	unsigned size = IO_SIZE(q);
	uint64_t *rax = &v->ctx.gpr[GPR_RAX];
	uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
	const struct port_device *dev = device_at(port);

	if (IO_STRING(q)) {
		vcpu_stop(v, STOP_GUEST_CRASHED,
			  "string port I/O (INS/OUTS) to port 0x%x at RIP 0x%llx is not emulated",
			  port, (unsigned long long)e->rip);
		return;
	}
	if (dev) {
		uint64_t value = 0;
		for (unsigned i = 0; i < size; i++) {
			unsigned off = (unsigned)(port + i - dev->base);
			if (IO_IN(q))
				value |= (uint64_t)(off < dev->count ? dev->read(v, off) : 0xff) << (8 * i);
			else if (off < dev->count)
				dev->write(v, off, (uint8_t)(*rax >> (8 * i)));
		}
		if (IO_IN(q))
			*rax = size == 4 ? value : (*rax & ~mask) | value;
	} else {
		/* No device: reads float high, writes vanish, as on a real bus. */
		if (v->unclaimed_port_accesses++ < UNCLAIMED_REPORT_LIMIT)
			log_warn("guest", "%s of %u byte(s) at port 0x%x: no device there (%s)",
				 IO_IN(q) ? "read" : "write", size, port,
				 IO_IN(q) ? "reads as all ones" : "ignored");
		if (IO_IN(q))
			*rax = size == 4 ? mask : (*rax & ~mask) | mask;
	}
	vcpu_skip_instruction(v, e);
}
