#include "hv/devices/vpci.h"

#include <string.h>

#include "hv/lib/hash64.h"
#include "hv/lib/le_bytes.h"
#include "hv/lib/log.h"

#define VPCI_IO_BAR_MIN 4
#define VPCI_IO_BAR_MAX 256
/* Command bits a guest may set: decoding, bus mastering, INTx masking. */
#define VPCI_COMMAND_WRITABLE \
	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE)
#define ALL_ONES 0xffffffffu

unsigned vpci_intx_gsi(unsigned slot, unsigned pin)
{
	return VPCI_INTX_GSI_BASE + (slot + pin - 1) % VPCI_INTX_LINES;
}

static void define_function(struct vpci_function *f, unsigned slot, const struct vpci_id *id,
			    const struct vpci_bar_ops *ops, void *ctx)
{
	memset(f, 0, sizeof(*f));
	f->present = 1;
	f->ops = ops;
	f->ctx = ctx;
	uint8_t *r = f->power_on;
	put_le(r + PCI_VENDOR_ID, id->vendor, 2);
	put_le(r + PCI_DEVICE_ID, id->device, 2);
	r[PCI_REVISION_ID] = id->revision;
	r[PCI_CLASS_PROG] = id->class_prog;
	r[PCI_CLASS_SUB] = id->class_sub;
	r[PCI_CLASS_BASE] = id->class_base;
	put_le(r + PCI_SUBSYSTEM_VENDOR_ID, id->subsystem_vendor, 2);
	put_le(r + PCI_SUBSYSTEM_ID, id->subsystem_id, 2);
	r[PCI_INTERRUPT_PIN] = id->interrupt_pin;
	if (id->interrupt_pin)
		r[PCI_INTERRUPT_LINE] = (uint8_t)vpci_intx_gsi(slot, id->interrupt_pin);
	/* Header type 0, single function, status 0 and no capabilities
	 * (PCI_CAPABILITY_LIST 0) come from the zeroed array. */
	put_le(f->wmask + PCI_COMMAND, VPCI_COMMAND_WRITABLE, 2);
	f->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	f->wmask[PCI_LATENCY_TIMER] = 0xff;
	if (id->interrupt_pin)
		f->wmask[PCI_INTERRUPT_LINE] = 0xff;
	memcpy(f->cfg, f->power_on, sizeof(f->cfg));
}

void vpci_init(struct vpci *p)
{
	static const struct vpci_id bridge = {
		.vendor = VPCI_BRIDGE_VENDOR, .device = VPCI_BRIDGE_DEVICE,
		.class_base = PCI_CLASS_BRIDGE, .class_sub = PCI_SUBCLASS_HOST_BRIDGE,
	};
	memset(p, 0, sizeof(*p));
	define_function(&p->fn[VPCI_HOST_BRIDGE_SLOT], VPCI_HOST_BRIDGE_SLOT, &bridge, NULL, NULL);
}

int vpci_add(struct vpci *p, unsigned slot, const struct vpci_id *id,
	     const struct vpci_bar_ops *ops, void *ctx)
{
	if (slot >= VPCI_SLOTS || p->fn[slot].present) {
		log_error("vpci", "cannot add %04x:%04x at slot %u: %s", id->vendor, id->device, slot,
			  slot >= VPCI_SLOTS ? "no such slot" : "slot taken");
		return -1;
	}
	define_function(&p->fn[slot], slot, id, ops, ctx);
	return 0;
}

int vpci_add_io_bar(struct vpci *p, unsigned slot, unsigned bar, uint32_t size)
{
	if (slot >= VPCI_SLOTS || !p->fn[slot].present || bar >= PCI_BAR_COUNT ||
	    size < VPCI_IO_BAR_MIN || size > VPCI_IO_BAR_MAX || (size & (size - 1))) {
		log_error("vpci", "cannot add I/O BAR%u of %u bytes to slot %u", bar, size, slot);
		return -1;
	}
	struct vpci_function *f = &p->fn[slot];
	unsigned off = PCI_BAR0 + 4 * bar;
	f->bar_size[bar] = size;
	put_le(f->power_on + off, PCI_BAR_IO, 4);
	put_le(f->wmask + off, ~(size - 1) & ~PCI_BAR_IO_FLAGS, 4);
	memcpy(f->cfg + off, f->power_on + off, 4);
	return 0;
}

void vpci_reset(struct vpci *p)
{
	p->address = 0;
	for (unsigned s = 0; s < VPCI_SLOTS; s++)
		memcpy(p->fn[s].cfg, p->fn[s].power_on, sizeof(p->fn[s].cfg));
}

/* The function the latch selects, or NULL: disabled latch, another bus,
 * an empty slot, or a function other than 0. */
static struct vpci_function *selected(struct vpci *p)
{
	uint32_t a = p->address;
	unsigned bus = (a >> PCI_ADDR_BUS_SHIFT) & PCI_ADDR_BUS_MASK;
	unsigned dev = (a >> PCI_ADDR_DEV_SHIFT) & PCI_ADDR_DEV_MASK;
	unsigned fn = (a >> PCI_ADDR_FN_SHIFT) & PCI_ADDR_FN_MASK;
	if (!(a & PCI_CONFIG_ENABLE) || bus != 0 || fn != 0 || dev >= VPCI_SLOTS ||
	    !p->fn[dev].present)
		return NULL;
	return &p->fn[dev];
}

/* Only a dword access at 0xCF8 reaches the latch (PCI 3.0 3.2.2.3.2);
 * narrower ones there, and data bytes past 0xCFF, are not ours. */
uint32_t vpci_config_read(struct vpci *p, uint16_t port, unsigned size)
{
	uint32_t mask = size >= 4 ? ALL_ONES : (1u << (8 * size)) - 1;
	if (port == PCI_CONFIG_ADDRESS_PORT && size == 4)
		return p->address;
	if (port < PCI_CONFIG_DATA_PORT)
		return mask;
	struct vpci_function *f = selected(p);
	if (!f) {
		p->absent_reads++;
		return mask;
	}
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned lane = port - PCI_CONFIG_DATA_PORT + i;
		uint8_t byte = 0xff;
		if (lane < 4)
			byte = f->cfg[(p->address & PCI_ADDR_REG_MASK) + lane];
		v |= (uint32_t)byte << (8 * i);
	}
	return v;
}

void vpci_config_write(struct vpci *p, uint16_t port, unsigned size, uint32_t value)
{
	if (port == PCI_CONFIG_ADDRESS_PORT && size == 4) {
		/* Bits 1:0 are reserved and read back as 0. */
		p->address = value & ~3u;
		return;
	}
	if (port < PCI_CONFIG_DATA_PORT)
		return;
	struct vpci_function *f = selected(p);
	if (!f)
		return;
	for (unsigned i = 0; i < size; i++) {
		unsigned lane = port - PCI_CONFIG_DATA_PORT + i;
		if (lane >= 4)
			break;
		unsigned off = (p->address & PCI_ADDR_REG_MASK) + lane;
		uint8_t byte = (uint8_t)(value >> (8 * i));
		f->cfg[off] = (uint8_t)((f->cfg[off] & ~f->wmask[off]) | (byte & f->wmask[off]));
	}
}

/* The function and BAR whose I/O window holds [port, port + size), with
 * I/O decoding on; *offset is the port's offset in the window. */
static struct vpci_function *decoder(struct vpci *p, uint16_t port, unsigned size,
				     unsigned *bar, unsigned *offset)
{
	for (unsigned s = 0; s < VPCI_SLOTS; s++) {
		struct vpci_function *f = &p->fn[s];
		if (!f->present || !f->ops || !((uint32_t)get_le(f->cfg + PCI_COMMAND, 2) & PCI_COMMAND_IO))
			continue;
		for (unsigned b = 0; b < PCI_BAR_COUNT; b++) {
			uint32_t base = (uint32_t)get_le(f->cfg + PCI_BAR0 + 4 * b, 4) & ~PCI_BAR_IO_FLAGS;
			/* An unassigned BAR (0) decodes nothing. */
			if (!f->bar_size[b] || base == 0 || port < base ||
			    (uint32_t)port + size > base + f->bar_size[b])
				continue;
			*bar = b;
			*offset = port - base;
			return f;
		}
	}
	return NULL;
}

int vpci_bar_read(struct vpci *p, uint16_t port, unsigned size, uint32_t *value)
{
	unsigned bar, offset;
	struct vpci_function *f = decoder(p, port, size, &bar, &offset);
	if (!f)
		return 0;
	*value = f->ops->io_read(f->ctx, bar, offset, size);
	return 1;
}

int vpci_bar_write(struct vpci *p, uint16_t port, unsigned size, uint32_t value)
{
	unsigned bar, offset;
	struct vpci_function *f = decoder(p, port, size, &bar, &offset);
	if (!f)
		return 0;
	f->ops->io_write(f->ctx, bar, offset, size, value);
	return 1;
}

uint64_t vpci_hash(uint64_t h, const struct vpci *p)
{
	h = hash64_update(h, &p->address, sizeof(p->address));
	for (unsigned s = 0; s < VPCI_SLOTS; s++)
		if (p->fn[s].present)
			h = hash64_update(h, p->fn[s].cfg, sizeof(p->fn[s].cfg));
	return h;
}
