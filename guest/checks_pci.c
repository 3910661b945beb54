/*
 * The PCI bus as an operating system first meets it (configuration
 * mechanism #1): the address latch at 0xCF8 reads back what was written
 * and ignores a byte write (Linux's probe writes one to 0xCFB), a host
 * bridge answers at 00:00.0, and the devices in the other slots of bus 0
 * are listed (an empty slot reads all ones).
 */
#include "checks.h"
#include "codes.h"
#include "print.h"
#include "report.h"
#include "x86.h"

#define PCI_ADDRESS 0xcf8
#define PCI_DATA 0xcfc
#define PCI_ENABLE 0x80000000u
#define PCI_REG_ID 0x00
#define PCI_REG_CLASS 0x08
#define PCI_SLOTS 32
#define PCI_NO_DEVICE 0xffffu
#define CLASS_HOST_BRIDGE 0x0600u

static uint32_t config_read(unsigned slot, unsigned reg)
{
	outl(PCI_ADDRESS, PCI_ENABLE | slot << 11 | reg);
	return inl(PCI_DATA);
}

void check_pci(void)
{
	uint32_t latch = PCI_ENABLE | 3u << 11 | PCI_REG_CLASS;
	outl(PCI_ADDRESS, latch);
	outb(PCI_ADDRESS + 3, 0);
	if (inl(PCI_ADDRESS) != latch)
		fail(CODE_PCI_LATCH, "pci: 0xCF8 reads 0x%x after 0x%x and a byte write to 0xCFB",
		     inl(PCI_ADDRESS), latch);

	uint32_t id = config_read(0, PCI_REG_ID);
	uint32_t class = config_read(0, PCI_REG_CLASS) >> 16;
	if ((id & 0xffff) == PCI_NO_DEVICE || class != CLASS_HOST_BRIDGE)
		fail(CODE_PCI_HOST_BRIDGE, "pci: 00:00.0 is 0x%x, class 0x%x: no host bridge", id, class);

	print("pci: host bridge %x:%x at 00:00.0\n", id & 0xffff, id >> 16);
	unsigned others = 0;
	for (unsigned slot = 1; slot < PCI_SLOTS; slot++) {
		id = config_read(slot, PCI_REG_ID);
		if ((id & 0xffff) == PCI_NO_DEVICE)
			continue;
		others++;
		print("pci: 00:%u.0 is %x:%x, class 0x%x\n", slot, id & 0xffff, id >> 16,
		      config_read(slot, PCI_REG_CLASS) >> 16);
	}
	print("pci: %u more device(s) on bus 0\n", others);
}
