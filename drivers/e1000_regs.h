/*
 * Intel 82540EM (PCI 8086:100e) register map, as far as ftvisor uses it:
 * offsets into BAR0, bits, and the legacy descriptor formats. Source: the
 * "PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's
 * Manual" (8254x), chapters 3 (descriptors) and 13 (registers).
 */
#ifndef FTV_DRIVERS_E1000_REGS_H
#define FTV_DRIVERS_E1000_REGS_H

#include <stdint.h>

#define E1000_VENDOR_INTEL 0x8086
#define E1000_DEVICE_82540EM 0x100e

/* General */
#define E1000_CTRL 0x0000
#define E1000_STATUS 0x0008
#define E1000_EERD 0x0014           /* EEPROM read, without bit-banging */
#define E1000_ICR 0x00c0            /* interrupt cause: clear on read */
#define E1000_ITR 0x00c4            /* interrupt throttling, in 256 ns units */
#define E1000_ICS 0x00c8            /* interrupt cause set */
#define E1000_IMS 0x00d0            /* interrupt mask set */
#define E1000_IMC 0x00d8            /* interrupt mask clear */

#define E1000_CTRL_LRST (1u << 3)   /* link reset */
#define E1000_CTRL_ASDE (1u << 5)   /* auto-speed detection */
#define E1000_CTRL_SLU (1u << 6)    /* set link up */
#define E1000_CTRL_ILOS (1u << 7)   /* invert loss-of-signal */
#define E1000_CTRL_RST (1u << 26)   /* device reset, self-clearing */
#define E1000_CTRL_VME (1u << 30)   /* VLAN mode */
#define E1000_CTRL_PHY_RST (1u << 31)

#define E1000_STATUS_LU (1u << 1)   /* link up */

/* EERD on the 82540EM: address at bit 8, done at bit 4 (later parts differ) */
#define E1000_EERD_START (1u << 0)
#define E1000_EERD_DONE (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16

#define E1000_IMC_ALL 0xffffffffu

/* Interrupt causes (ICR, ICS, IMS, IMC) */
#define E1000_INT_LSC (1u << 2)     /* link status change */
#define E1000_INT_RXDMT0 (1u << 4)  /* receive descriptors running low */
#define E1000_INT_RXO (1u << 6)     /* receiver overrun */
#define E1000_INT_RXT0 (1u << 7)    /* receive timer: frames arrived */

/* Receive */
#define E1000_RCTL 0x0100
#define E1000_RDBAL 0x2800
#define E1000_RDBAH 0x2804
#define E1000_RDLEN 0x2808
#define E1000_RDH 0x2810
#define E1000_RDT 0x2818
#define E1000_MTA 0x5200            /* multicast table: 128 dwords */
#define E1000_MTA_ENTRIES 128
#define E1000_RAL0 0x5400
#define E1000_RAH0 0x5404
#define E1000_RAH_AV (1u << 31)     /* receive address valid */

#define E1000_RCTL_EN (1u << 1)
#define E1000_RCTL_BAM (1u << 15)   /* accept broadcast */
#define E1000_RCTL_BSIZE_2048 (0u << 16)
#define E1000_RCTL_SECRC (1u << 26) /* strip the Ethernet CRC */

/* Transmit */
#define E1000_TCTL 0x0400
#define E1000_TIPG 0x0410
#define E1000_TDBAL 0x3800
#define E1000_TDBAH 0x3804
#define E1000_TDLEN 0x3808
#define E1000_TDH 0x3810
#define E1000_TDT 0x3818

#define E1000_TCTL_EN (1u << 1)
#define E1000_TCTL_PSP (1u << 3)    /* pad short packets to 64 bytes */
#define E1000_TCTL_CT_SHIFT 4       /* collision threshold */
#define E1000_TCTL_COLD_SHIFT 12    /* collision distance */
#define E1000_TCTL_CT_DEFAULT 0x0f
#define E1000_TCTL_COLD_FULL_DUPLEX 0x40

/* Inter-packet gap for the 82540EM on copper (manual, TIPG) */
#define E1000_TIPG_IPGT 10
#define E1000_TIPG_IPGR1 8
#define E1000_TIPG_IPGR2 6
#define E1000_TIPG_IPGR1_SHIFT 10
#define E1000_TIPG_IPGR2_SHIFT 20

/* Statistics: 32-bit, clear on read */
#define E1000_CRCERRS 0x4000
#define E1000_MPC 0x4010            /* missed packets */
#define E1000_GPRC 0x4074           /* good packets received */
#define E1000_GPTC 0x4080           /* good packets transmitted */
#define E1000_RNBC 0x40a0           /* receive no buffers */

/* Descriptor rings: base 16-byte aligned, length a multiple of 128 bytes */
#define E1000_RING_ALIGN 128

/* Legacy receive descriptor */
struct e1000_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t checksum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
} __attribute__((packed));

#define E1000_RXD_STAT_DD (1u << 0)  /* descriptor done */
#define E1000_RXD_STAT_EOP (1u << 1) /* end of packet */
/* Errors that condemn the frame itself (checksum offload bits are not used) */
#define E1000_RXD_ERR_CE (1u << 0)   /* CRC or alignment */
#define E1000_RXD_ERR_SE (1u << 1)   /* symbol */
#define E1000_RXD_ERR_SEQ (1u << 2)  /* sequence */
#define E1000_RXD_ERR_CXE (1u << 4)  /* carrier extension */
#define E1000_RXD_ERR_RXE (1u << 7)  /* RX data error */
#define E1000_RXD_ERR_FRAME (E1000_RXD_ERR_CE | E1000_RXD_ERR_SE | E1000_RXD_ERR_SEQ | \
			     E1000_RXD_ERR_CXE | E1000_RXD_ERR_RXE)

/* Legacy transmit descriptor */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
} __attribute__((packed));

#define E1000_TXD_CMD_EOP (1u << 0)  /* end of packet */
#define E1000_TXD_CMD_IFCS (1u << 1) /* insert the FCS */
#define E1000_TXD_CMD_RS (1u << 3)   /* report status: set DD when done */
#define E1000_TXD_STAT_DD (1u << 0)

#endif
