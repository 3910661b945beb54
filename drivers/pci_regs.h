/*
 * PCI configuration space, named once (PCI Local Bus Specification 3.0,
 * 3.2.2.3.2 configuration mechanism #1 and 6.1 the type 0 header): the
 * host driver (drivers/pci.c) and the virtual bus (hv/devices/vpci.c)
 * both use these. Definitions only.
 */
#ifndef FTV_DRIVERS_PCI_REGS_H
#define FTV_DRIVERS_PCI_REGS_H

/* Configuration mechanism #1: an address dword at 0xCF8, data at 0xCFC-0xCFF. */
#define PCI_CONFIG_ADDRESS_PORT 0xcf8
#define PCI_CONFIG_DATA_PORT 0xcfc
#define PCI_CONFIG_ENABLE (1u << 31)
#define PCI_ADDR_BUS_SHIFT 16
#define PCI_ADDR_DEV_SHIFT 11
#define PCI_ADDR_FN_SHIFT 8
#define PCI_ADDR_BUS_MASK 0xffu
#define PCI_ADDR_DEV_MASK 0x1fu
#define PCI_ADDR_FN_MASK 0x7u
#define PCI_ADDR_REG_MASK 0xfcu      /* dword-aligned register number */
#define PCI_DATA_LANE_MASK 0x2u      /* which half of the data dword a 16-bit access uses */
#define PCI_BUSES 256
#define PCI_DEVICES 32
#define PCI_FUNCTIONS 8
#define PCI_CONFIG_SPACE_SIZE 256

/* Configuration-space offsets of the type 0 header. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09          /* programming interface */
#define PCI_CLASS_SUB 0x0a
#define PCI_CLASS_BASE 0x0b
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_BAR_COUNT 6
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c  /* the legacy IRQ the firmware routed INTx to */
#define PCI_INTERRUPT_PIN 0x3d   /* 0: none, 1-4: INTA-INTD */

/* Class codes (PCI Code and ID Assignment). */
#define PCI_CLASS_STORAGE 0x01
#define PCI_SUBCLASS_STORAGE_OTHER 0x80
#define PCI_CLASS_NETWORK 0x02
#define PCI_SUBCLASS_ETHERNET 0x00
#define PCI_CLASS_BRIDGE 0x06
#define PCI_SUBCLASS_HOST_BRIDGE 0x00

#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_VENDOR_NONE 0xffff   /* what an empty slot reads */
#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_INTERRUPT_PIN_INTA 1

#define PCI_BAR_IO (1u << 0)
#define PCI_BAR_TYPE_MASK (3u << 1)
#define PCI_BAR_TYPE_64 (2u << 1)
#define PCI_BAR_MEM_FLAGS 0xfu       /* I/O flag, type, prefetchable: not address bits */
#define PCI_BAR_IO_FLAGS 0x3u        /* I/O flag and a reserved bit */

#endif
