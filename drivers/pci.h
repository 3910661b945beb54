/*
 * PCI configuration space through configuration mechanism #1 (I/O ports
 * 0xCF8/0xCFC): enumerate functions, find a device by vendor and device id,
 * decode memory BARs, turn on memory decoding and bus mastering. The
 * address and BAR arithmetic are pure functions (unit-tested on the host).
 */
#ifndef FTV_DRIVERS_PCI_H
#define FTV_DRIVERS_PCI_H

#include <stdint.h>

/* Configuration-space offsets of the type 0 header, named once. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_BAR_COUNT 6
#define PCI_INTERRUPT_LINE 0x3c  /* the legacy IRQ the firmware routed INTx to */
#define PCI_INTERRUPT_PIN 0x3d   /* 0: none, 1-4: INTA-INTD */

#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_VENDOR_NONE 0xffff   /* what an empty slot reads */

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
