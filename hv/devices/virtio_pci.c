#include "hv/devices/virtio_pci.h"

#include <string.h>

#include "hv/lib/hash64.h"
#include "hv/lib/le_bytes.h"
#include "hv/lib/log.h"

/* Legacy INTx is level-triggered and follows the ISR. */
static void update_line(struct virtio_pci *t)
{
	uint8_t line = t->isr != 0;
	if (line == t->line)
		return;
	t->line = line;
	if (t->intx)
		t->intx(t->intx_ctx, line);
}

static void reset_registers(struct virtio_pci *t)
{
	t->guest_features = 0;
	t->queue_sel = 0;
	t->status = 0;
	t->isr = 0;
	for (unsigned i = 0; i < VIRTIO_PCI_QUEUES_MAX; i++)
		virtq_setup(&t->vq[i], 0, 0);
	update_line(t);
}

void virtio_pci_wire_intx(struct virtio_pci *t, virtio_intx_fn intx, void *ctx)
{
	t->intx = intx;
	t->intx_ctx = ctx;
	if (t->intx)
		t->intx(t->intx_ctx, t->line);
}

void virtio_pci_interrupt(struct virtio_pci *t, uint8_t isr_bits)
{
	t->isr |= isr_bits;
	update_line(t);
}

void virtio_pci_init(struct virtio_pci *t, const char *name, const struct guest_mem *mem,
		     uint16_t num_queues, uint16_t queue_size,
		     const struct virtio_device_ops *ops, void *dev)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->mem = *mem;
	t->num_queues = num_queues;
	t->queue_size = queue_size;
	t->ops = ops;
	t->dev = dev;
	reset_registers(t);
}

static uint32_t bar_read(void *ctx, unsigned bar, unsigned offset, unsigned size)
{
	(void)bar;
	return virtio_pci_read(ctx, offset, size);
}

static void bar_write(void *ctx, unsigned bar, unsigned offset, unsigned size, uint32_t value)
{
	(void)bar;
	virtio_pci_write(ctx, offset, size, value);
}

static const struct vpci_bar_ops virtio_bar_ops = { bar_read, bar_write };

int virtio_pci_attach(struct virtio_pci *t, struct vpci *bus, unsigned slot, uint16_t virtio_id,
		      uint8_t class_base, uint8_t class_sub)
{
	const struct vpci_id id = {
		.vendor = VIRTIO_PCI_VENDOR, .device = VIRTIO_PCI_LEGACY_DEVICE(virtio_id),
		.revision = VIRTIO_PCI_ABI_VERSION,
		/* A legacy driver finds the device type in the subsystem id. */
		.subsystem_vendor = VIRTIO_PCI_VENDOR, .subsystem_id = virtio_id,
		.class_base = class_base, .class_sub = class_sub,
		.interrupt_pin = PCI_INTERRUPT_PIN_INTA,
	};
	if (vpci_add(bus, slot, &id, &virtio_bar_ops, t) != 0)
		return -1;
	return vpci_add_io_bar(bus, slot, 0, VIRTIO_PCI_BAR_SIZE);
}

static struct virtq *selected_queue(struct virtio_pci *t)
{
	return t->queue_sel < t->num_queues ? &t->vq[t->queue_sel] : NULL;
}

/* The register bytes as the guest reads them: the common header, then the
 * configuration, zeros past it. */
static void register_image(struct virtio_pci *t, uint8_t image[VIRTIO_PCI_BAR_SIZE])
{
	struct virtq *q = selected_queue(t);
	memset(image, 0, VIRTIO_PCI_BAR_SIZE);
	put_le(image + VIRTIO_PCI_HOST_FEATURES, t->host_features, 4);
	put_le(image + VIRTIO_PCI_GUEST_FEATURES, t->guest_features, 4);
	put_le(image + VIRTIO_PCI_QUEUE_PFN, q ? q->gpa >> VIRTIO_PCI_QUEUE_PFN_SHIFT : 0, 4);
	put_le(image + VIRTIO_PCI_QUEUE_NUM, q ? t->queue_size : 0, 2);
	put_le(image + VIRTIO_PCI_QUEUE_SEL, t->queue_sel, 2);
	image[VIRTIO_PCI_STATUS] = t->status;
	image[VIRTIO_PCI_ISR] = t->isr;
	memcpy(image + VIRTIO_PCI_CONFIG, t->config, t->config_size);
}

uint32_t virtio_pci_read(struct virtio_pci *t, unsigned offset, unsigned size)
{
	uint8_t image[VIRTIO_PCI_BAR_SIZE];
	if (offset >= VIRTIO_PCI_BAR_SIZE || size > VIRTIO_PCI_BAR_SIZE - offset) {
		t->ignored_accesses++;
		return 0xffffffffu;
	}
	register_image(t, image);
	/* Reading the ISR acknowledges it and lowers the line. */
	if (offset <= VIRTIO_PCI_ISR && offset + size > VIRTIO_PCI_ISR) {
		t->isr = 0;
		update_line(t);
	}
	return (uint32_t)get_le(image + offset, size);
}

static void reset_device(struct virtio_pci *t)
{
	if (t->ops->reset)
		t->ops->reset(t->dev);
	reset_registers(t);
}

static void write_status(struct virtio_pci *t, uint8_t value)
{
	if (value == 0) {
		reset_device(t);
		return;
	}
	/* The guest cannot clear the failed state but by a reset. */
	t->status = (uint8_t)(value | (t->status & VIRTIO_STATUS_NEEDS_RESET));
}

static void write_queue_pfn(struct virtio_pci *t, uint32_t pfn)
{
	struct virtq *q = selected_queue(t);
	if (!q)
		return;
	if (pfn == 0)
		virtq_setup(q, 0, 0);
	else
		virtq_setup(q, (uint64_t)pfn << VIRTIO_PCI_QUEUE_PFN_SHIFT, t->queue_size);
}

void virtio_pci_write(struct virtio_pci *t, unsigned offset, unsigned size, uint32_t value)
{
	/* Each register is written at its own width; anything else (the
	 * read-only registers, the read-only configuration) is dropped. */
	switch (offset << 4 | size) {
	case VIRTIO_PCI_GUEST_FEATURES << 4 | 4:
		t->guest_features = value & t->host_features;
		break;
	case VIRTIO_PCI_QUEUE_PFN << 4 | 4:
		write_queue_pfn(t, value);
		break;
	case VIRTIO_PCI_QUEUE_SEL << 4 | 2:
		t->queue_sel = (uint16_t)value;
		break;
	case VIRTIO_PCI_QUEUE_NOTIFY << 4 | 2:
		/* Legacy drivers may use the device before DRIVER_OK (virtio 1.x,
		 * legacy interface: device initialization). */
		if (value < t->num_queues && virtio_pci_queue_live(t, value))
			t->ops->notify(t->dev, value);
		break;
	case VIRTIO_PCI_STATUS << 4 | 1:
		write_status(t, (uint8_t)value);
		break;
	default:
		t->ignored_accesses++;
		break;
	}
}

void virtio_pci_fail(struct virtio_pci *t, const char *what, const char *why)
{
	t->failures++;
	log_error(t->name, "%s: %s; the device needs a reset", what, why);
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	virtio_pci_interrupt(t, VIRTIO_ISR_CONFIG);
}

int virtio_pci_queue_live(const struct virtio_pci *t, unsigned queue)
{
	return queue < t->num_queues && t->vq[queue].size != 0 &&
	       !(t->status & VIRTIO_STATUS_NEEDS_RESET);
}

uint64_t virtio_pci_hash(uint64_t h, const struct virtio_pci *t)
{
	const uint8_t regs[] = { t->status, t->isr };
	h = hash64_update(h, &t->guest_features, sizeof(t->guest_features));
	h = hash64_update(h, &t->queue_sel, sizeof(t->queue_sel));
	h = hash64_update(h, regs, sizeof(regs));
	for (unsigned i = 0; i < t->num_queues; i++) {
		const struct virtq *q = &t->vq[i];
		const uint64_t fields[] = { q->gpa, q->size, q->last_avail, q->used_idx };
		h = hash64_update(h, fields, sizeof(fields));
	}
	return hash64_update(h, t->config, t->config_size);
}
