/* Port I/O exits: decode, then hand to the device that owns the port. */
#include "hv/core/exit_handlers.h"

#include "hv/lib/log.h"
#include "hv/devices/vpci.h"
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

/* Every fixed port with a device behind it. */
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

/* The virtual PCI bus: its configuration ports and the I/O BARs of its
 * devices take whole accesses (a 16-bit write is one register write, not
 * two byte writes). 1 when the bus claimed the access; a read fills *in. */
static int pci_io(struct vcpu *v, uint16_t port, unsigned size, int is_in, uint32_t *in)
{
	uint32_t out = (uint32_t)v->ctx.gpr[GPR_RAX];
	if (port >= PCI_CONFIG_ADDRESS_PORT && port < PCI_CONFIG_ADDRESS_PORT + VPCI_PORTS) {
		if (is_in)
			*in = vpci_config_read(&v->pci, port, size);
		else
			vpci_config_write(&v->pci, port, size, out);
		return 1;
	}
	return is_in ? vpci_bar_read(&v->pci, port, size, in) : vpci_bar_write(&v->pci, port, size, out);
}

/* The legacy devices' byte registers: wider accesses touch consecutive
 * registers, as on an ISA bus. */
static uint32_t port_device_io(struct vcpu *v, const struct port_device *dev, uint16_t port,
			       unsigned size, int is_in)
{
	uint32_t value = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned off = (unsigned)(port + i - dev->base);
		if (is_in)
			value |= (uint32_t)(off < dev->count ? dev->read(v, off) : 0xff) << (8 * i);
		else if (off < dev->count)
			dev->write(v, off, (uint8_t)(v->ctx.gpr[GPR_RAX] >> (8 * i)));
	}
	return value;
}

void exit_io(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t q = e->qualification;
	uint16_t port = IO_PORT(q);
	unsigned size = IO_SIZE(q);
	int is_in = IO_IN(q);
	uint64_t *rax = &v->ctx.gpr[GPR_RAX];
	uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
	const struct port_device *dev = device_at(port);
	uint32_t value = 0;

	if (IO_STRING(q)) {
		vcpu_stop(v, STOP_GUEST_CRASHED,
			  "string port I/O (INS/OUTS) to port 0x%x at RIP 0x%llx is not emulated",
			  port, (unsigned long long)e->rip);
		return;
	}
	/* The fixed legacy ports first: a BAR placed over them does not take them. */
	if (dev) {
		value = port_device_io(v, dev, port, size, is_in);
	} else if (!pci_io(v, port, size, is_in, &value)) {
		/* No device: reads float high, writes vanish, as on a real bus. */
		if (v->unclaimed_port_accesses++ < UNCLAIMED_REPORT_LIMIT)
			log_warn("guest", "%s of %u byte(s) at port 0x%x: no device there (%s)",
				 is_in ? "read" : "write", size, port,
				 is_in ? "reads as all ones" : "ignored");
		value = (uint32_t)mask;
	}
	/* IN of 32 bits zero-extends into RAX; narrower ones keep the rest. */
	if (is_in)
		*rax = size == 4 ? (value & mask) : (*rax & ~mask) | (value & mask);
	vcpu_skip_instruction(v, e);
}
