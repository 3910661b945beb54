#include "drivers/pci.h"

#include "arch/x86_64/cpu.h"

uint32_t pci_config_address(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t offset)
{
	return PCI_CONFIG_ENABLE | (uint32_t)bus << PCI_ADDR_BUS_SHIFT |
	       (dev & PCI_ADDR_DEV_MASK) << PCI_ADDR_DEV_SHIFT |
	       (fn & PCI_ADDR_FN_MASK) << PCI_ADDR_FN_SHIFT | (offset & PCI_ADDR_REG_MASK);
}

int pci_bar_decode(uint32_t lo, uint32_t hi, uint64_t *base, int *is64)
{
	if (lo & PCI_BAR_IO)
		return -1;
	*is64 = (lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64;
	*base = (lo & ~PCI_BAR_MEM_FLAGS) | (*is64 ? (uint64_t)hi << 32 : 0);
	return 0;
}

uint32_t pci_read32(const struct pci_dev *d, uint8_t offset)
{
	cpu_outl(PCI_CONFIG_ADDRESS_PORT, pci_config_address(d->bus, d->dev, d->fn, offset));
	return cpu_inl(PCI_CONFIG_DATA_PORT);
}

uint16_t pci_read16(const struct pci_dev *d, uint8_t offset)
{
	cpu_outl(PCI_CONFIG_ADDRESS_PORT, pci_config_address(d->bus, d->dev, d->fn, offset));
	return cpu_inw((uint16_t)(PCI_CONFIG_DATA_PORT + (offset & PCI_DATA_LANE_MASK)));
}

uint8_t pci_read8(const struct pci_dev *d, uint8_t offset)
{
	return (uint8_t)(pci_read32(d, offset) >> (8 * (offset & 3)));
}

/* A 16-bit write: a 32-bit read-modify-write of the command register would
 * also write back the status register, whose error bits clear on a 1. */
void pci_write16(const struct pci_dev *d, uint8_t offset, uint16_t value)
{
	cpu_outl(PCI_CONFIG_ADDRESS_PORT, pci_config_address(d->bus, d->dev, d->fn, offset));
	cpu_outw((uint16_t)(PCI_CONFIG_DATA_PORT + (offset & PCI_DATA_LANE_MASK)), value);
}

int pci_find(uint16_t vendor, uint16_t device, struct pci_dev *out)
{
	for (unsigned bus = 0; bus < PCI_BUSES; bus++) {
		for (unsigned dev = 0; dev < PCI_DEVICES; dev++) {
			for (unsigned fn = 0; fn < PCI_FUNCTIONS; fn++) {
				struct pci_dev d = { (uint8_t)bus, (uint8_t)dev, (uint8_t)fn, 0, 0 };
				d.vendor = pci_read16(&d, PCI_VENDOR_ID);
				if (d.vendor == PCI_VENDOR_NONE) {
					if (fn == 0)
						break;      /* no device here at all */
					continue;
				}
				d.device = pci_read16(&d, PCI_DEVICE_ID);
				if (d.vendor == vendor && d.device == device) {
					*out = d;
					return 0;
				}
				/* Functions 1-7 exist only behind a multi-function header. */
				if (fn == 0 && !(pci_read8(&d, PCI_HEADER_TYPE) & PCI_HEADER_MULTIFUNCTION))
					break;
			}
		}
	}
	return -1;
}

int pci_bar_memory(const struct pci_dev *d, unsigned bar, uint64_t *base)
{
	int is64;
	if (bar >= PCI_BAR_COUNT)
		return -1;
	uint8_t offset = (uint8_t)(PCI_BAR0 + 4 * bar);
	uint32_t lo = pci_read32(d, offset);
	uint32_t hi = bar + 1 < PCI_BAR_COUNT ? pci_read32(d, (uint8_t)(offset + 4)) : 0;
	if (pci_bar_decode(lo, hi, base, &is64) != 0)
		return -1;
	if (is64 && bar + 1 >= PCI_BAR_COUNT)
		return -1;
	return *base ? 0 : -1;
}

void pci_enable_memory_and_dma(const struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}
