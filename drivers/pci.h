/*
 * PCI configuration space through configuration mechanism #1 (I/O ports
 * 0xCF8/0xCFC): enumerate functions, find a device by vendor and device id,
 * decode memory BARs, turn on memory decoding and bus mastering. The
 * address and BAR arithmetic are pure functions (unit-tested on the host).
 */
#ifndef FTV_DRIVERS_PCI_H
#define FTV_DRIVERS_PCI_H

#include <stdint.h>

#include "drivers/pci_regs.h"

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
};

/* The 32-bit value written to 0xCF8 to reach (bus, dev, fn, offset). */
uint32_t pci_config_address(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t offset);

/* Decodes a memory BAR from its low and (for 64-bit BARs) high dwords.
 * 0 with *base set; -1 for an I/O BAR. *is64 says whether the BAR used
 * the next slot. */
int pci_bar_decode(uint32_t lo, uint32_t hi, uint64_t *base, int *is64);

uint32_t pci_read32(const struct pci_dev *d, uint8_t offset);
uint16_t pci_read16(const struct pci_dev *d, uint8_t offset);
uint8_t pci_read8(const struct pci_dev *d, uint8_t offset);
void pci_write16(const struct pci_dev *d, uint8_t offset, uint16_t value);

/* Scans every bus, device and function. 0 and *out filled when found. */
int pci_find(uint16_t vendor, uint16_t device, struct pci_dev *out);

/* Base of memory BAR number bar (0-5). 0 on success, -1 when it is an I/O
 * BAR, unassigned, or a 64-bit BAR in the last slot. */
int pci_bar_memory(const struct pci_dev *d, unsigned bar, uint64_t *base);

/* Memory decoding and bus mastering on: the device may now DMA. */
void pci_enable_memory_and_dma(const struct pci_dev *d);

#endif
