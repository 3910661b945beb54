/*
 * Intel 82540EM driver, the NIC that both QEMU and Bochs emulate. Polled;
 * its interrupt (receive and link causes, throttled) only tells the host
 * to poll now. One receive ring and one transmit ring of legacy
 * descriptors with 2 KiB buffers from the heap, which is identity-mapped,
 * so a buffer's address is also its DMA address.
 *
 * Emulator facts the code relies on (see platform notes):
 *  - QEMU 7.2 refuses receive for 1 s after every RCTL write, so RCTL is
 *    written once per initialisation, last;
 *  - Bochs dies on a zero-length or half-written frame, so send() refuses
 *    bad lengths and fences the descriptor before the TDT doorbell;
 *  - Bochs has the MAC only in the EEPROM: it is read through EERD and
 *    programmed into RAL0/RAH0.
 */
#include "drivers/e1000.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/desc_ring.h"
#include "drivers/e1000_mac.h"
#include "drivers/e1000_regs.h"
#include "drivers/e1000_rx.h"
#include "drivers/pci.h"
#include "arch/x86_64/cpu.h"
#include "hv/lib/log.h"

#define RX_RING_SIZE 128
#define TX_RING_SIZE 128
#define BUF_SIZE 2048                 /* matches RCTL.BSIZE_2048 */
#define BUF_ALIGN 4096
#define MMIO_SIZE 0x20000             /* BAR0: 128 KiB of registers */
#define IDENTITY_MAPPED_END (4ull << 30) /* the hypervisor maps at least this much */

#define RESET_TIMEOUT_US 10000
#define EEPROM_TIMEOUT_US 10000
#define SAMPLE_INTERVAL_US 100000     /* counters, link and receive watchdog */
#define REPORT_INTERVAL_US 1000000    /* error counters to the console, at most this often */
#define STUCK_LIMIT_US 200000         /* no ring progress for this long: reset */
#define STUCK_LIMIT_MAX_US 25600000   /* a NIC that keeps sticking is reset less often */
#define IRQ_CAUSES (E1000_INT_RXT0 | E1000_INT_RXO | E1000_INT_RXDMT0 | E1000_INT_LSC)
#define IRQ_THROTTLE 100              /* at most one interrupt per 25.6 us */

struct e1000 {
	struct nic nic;
	struct pci_dev pci;
	volatile uint8_t *regs;
	volatile struct e1000_rx_desc *rx;
	volatile struct e1000_tx_desc *tx;
	uint8_t *rx_buf, *tx_buf;
	uint32_t rx_next;             /* next receive descriptor to look at */
	uint32_t rx_tail;             /* last value written to RDT */
	uint32_t tx_tail;             /* next transmit slot to fill (= TDT) */
	uint32_t tx_clean;            /* oldest transmit slot not yet reclaimed */
	int rx_discarding;            /* inside a frame that spans buffers: drop to its end */
	int link;                     /* STATUS.LU at the last sample */
	int dead;                     /* a reset failed: the NIC is out of service */
	int irq_on;                   /* IRQ_CAUSES enabled (again after every reset) */
	uint64_t tx_progress_us, rx_progress_us;
	uint64_t stuck_limit_us;
	uint32_t rx_last_rdh;         /* RDH at the last sample */
	uint64_t rx_missed_seen;      /* hw_rx_missed at the last sample */
	uint8_t last_rx_error_bits;
	uint16_t last_rx_bad_length;  /* the length of the last descriptor that overran its buffer */
	uint64_t next_sample_us, next_report_us;
	struct nic_stats reported;    /* the counters at the last console report */
};

static uint32_t reg_read(struct e1000 *e, uint32_t reg)
{
	return *(volatile uint32_t *)(e->regs + reg);
}

static void reg_write(struct e1000 *e, uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)(e->regs + reg) = value;
}

static uint64_t dma_address(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Adds the clear-on-read hardware counters to the 64-bit totals. */
static void fold_counters(struct e1000 *e)
{
	struct nic_stats *s = &e->nic.stats;
	s->hw_crc_errors += reg_read(e, E1000_CRCERRS);
	s->hw_rx_missed += reg_read(e, E1000_MPC);
	s->hw_rx_no_buffer += reg_read(e, E1000_RNBC);
	s->hw_rx_good += reg_read(e, E1000_GPRC);
	s->hw_tx_good += reg_read(e, E1000_GPTC);
}

static int wait_clear(struct e1000 *e, uint32_t reg, uint32_t bits, uint64_t timeout_us)
{
	uint64_t deadline = log_uptime_us() + timeout_us;
	while (reg_read(e, reg) & bits) {
		if (log_uptime_us() > deadline)
			return -1;
		cpu_pause();
	}
	return 0;
}

static int eeprom_read(struct e1000 *e, uint32_t word, uint16_t *out)
{
	reg_write(e, E1000_EERD, word << E1000_EERD_ADDR_SHIFT | E1000_EERD_START);
	uint64_t deadline = log_uptime_us() + EEPROM_TIMEOUT_US;
	for (;;) {
		uint32_t v = reg_read(e, E1000_EERD);
		if (v & E1000_EERD_DONE) {
			*out = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
			return 0;
		}
		if (log_uptime_us() > deadline)
			return -1;
		cpu_pause();
	}
}

static int read_mac(struct e1000 *e)
{
	uint16_t words[E1000_EEPROM_MAC_WORDS];
	for (uint32_t i = 0; i < E1000_EEPROM_MAC_WORDS; i++) {
		if (eeprom_read(e, i, &words[i]) != 0) {
			log_error("e1000", "EEPROM word %u did not read within %d ms (EERD 0x%08x)", i,
				  EEPROM_TIMEOUT_US / 1000, reg_read(e, E1000_EERD));
			return -1;
		}
	}
	e1000_mac_from_eeprom(words, e->nic.mac);
	if (!e1000_mac_usable(e->nic.mac)) {
		log_error("e1000", "the EEPROM holds no usable MAC address (%04x %04x %04x)",
			  words[0], words[1], words[2]);
		return -1;
	}
	return 0;
}

/* Reset with every interrupt masked: the firmware's driver may have left
 * the NIC running; init_hardware() enables ours again. */
static int reset_hardware(struct e1000 *e)
{
	reg_write(e, E1000_IMC, E1000_IMC_ALL);
	reg_write(e, E1000_CTRL, reg_read(e, E1000_CTRL) | E1000_CTRL_RST);
	if (wait_clear(e, E1000_CTRL, E1000_CTRL_RST, RESET_TIMEOUT_US) != 0) {
		log_error("e1000", "device reset did not complete within %d ms (CTRL 0x%08x)",
			  RESET_TIMEOUT_US / 1000, reg_read(e, E1000_CTRL));
		return -1;
	}
	reg_write(e, E1000_IMC, E1000_IMC_ALL);   /* the reset unmasked nothing, but be sure */
	(void)reg_read(e, E1000_ICR);              /* drop causes latched before the reset */
	uint32_t ctrl = reg_read(e, E1000_CTRL);
	ctrl |= E1000_CTRL_SLU | E1000_CTRL_ASDE;
	ctrl &= ~(E1000_CTRL_LRST | E1000_CTRL_PHY_RST | E1000_CTRL_ILOS | E1000_CTRL_VME);
	reg_write(e, E1000_CTRL, ctrl);
	return 0;
}

static void setup_addresses(struct e1000 *e)
{
	uint32_t ral, rah;
	e1000_mac_to_receive_address(e->nic.mac, &ral, &rah);
	reg_write(e, E1000_RAL0, ral);
	reg_write(e, E1000_RAH0, rah);
	for (uint32_t i = 0; i < E1000_MTA_ENTRIES; i++)
		reg_write(e, E1000_MTA + 4 * i, 0);
}

static void setup_tx(struct e1000 *e)
{
	memset((void *)e->tx, 0, TX_RING_SIZE * sizeof(*e->tx));
	e->tx_tail = e->tx_clean = 0;
	reg_write(e, E1000_TDBAL, (uint32_t)dma_address((const void *)e->tx));
	reg_write(e, E1000_TDBAH, (uint32_t)(dma_address((const void *)e->tx) >> 32));
	reg_write(e, E1000_TDLEN, TX_RING_SIZE * sizeof(*e->tx));
	reg_write(e, E1000_TDH, 0);
	reg_write(e, E1000_TDT, 0);
	reg_write(e, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP |
					 E1000_TCTL_CT_DEFAULT << E1000_TCTL_CT_SHIFT |
					 E1000_TCTL_COLD_FULL_DUPLEX << E1000_TCTL_COLD_SHIFT);
	reg_write(e, E1000_TIPG, E1000_TIPG_IPGT | E1000_TIPG_IPGR1 << E1000_TIPG_IPGR1_SHIFT |
					 E1000_TIPG_IPGR2 << E1000_TIPG_IPGR2_SHIFT);
}

/* The hardware owns descriptors RDH..RDT-1; one slot always stays with
 * the driver so that a full ring and an empty one look different. */
static void setup_rx(struct e1000 *e)
{
	memset((void *)e->rx, 0, RX_RING_SIZE * sizeof(*e->rx));
	for (uint32_t i = 0; i < RX_RING_SIZE; i++)
		e->rx[i].addr = dma_address(e->rx_buf + (size_t)i * BUF_SIZE);
	e->rx_next = 0;
	e->rx_tail = RX_RING_SIZE - 1;
	e->rx_last_rdh = 0;
	e->rx_discarding = 0;
	reg_write(e, E1000_RDBAL, (uint32_t)dma_address((const void *)e->rx));
	reg_write(e, E1000_RDBAH, (uint32_t)(dma_address((const void *)e->rx) >> 32));
	reg_write(e, E1000_RDLEN, RX_RING_SIZE * sizeof(*e->rx));
	reg_write(e, E1000_RDH, 0);
	reg_write(e, E1000_RDT, e->rx_tail);
	/* Last and once: QEMU holds receive back for a second after each write. */
	reg_write(e, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC |
					 E1000_RCTL_BSIZE_2048);
}

static int init_hardware(struct e1000 *e)
{
	/* Again on every recovery: a stall may come from lost bus mastering. */
	pci_enable_memory_and_dma(&e->pci);
	if (reset_hardware(e) != 0)
		return -1;
	setup_addresses(e);
	(void)reg_read(e, E1000_CRCERRS);          /* counters restart from this reset */
	(void)reg_read(e, E1000_MPC);
	(void)reg_read(e, E1000_RNBC);
	(void)reg_read(e, E1000_GPRC);
	(void)reg_read(e, E1000_GPTC);
	setup_tx(e);
	setup_rx(e);
	reg_write(e, E1000_ITR, IRQ_THROTTLE);
	if (e->irq_on)
		reg_write(e, E1000_IMS, IRQ_CAUSES);
	uint64_t now = log_uptime_us();
	e->link = (reg_read(e, E1000_STATUS) & E1000_STATUS_LU) != 0;
	e->tx_progress_us = e->rx_progress_us = now;
	e->rx_missed_seen = e->nic.stats.hw_rx_missed;
	e->next_sample_us = now + SAMPLE_INTERVAL_US;
	return 0;
}

/* Recovery from a stuck ring: fold the counters the reset would clear,
 * then start over. Frames in the rings are lost; TCP resends. */
static void recover(struct e1000 *e)
{
	uint32_t lost = ring_distance(e->tx_clean, e->tx_tail, TX_RING_SIZE);
	fold_counters(e);
	e->nic.stats.recoveries++;
	log_warn("e1000", "resetting the NIC (recovery %llu; %u queued frames dropped)",
		 (unsigned long long)e->nic.stats.recoveries, lost);
	e->stuck_limit_us = e->stuck_limit_us * 2 < STUCK_LIMIT_MAX_US ? e->stuck_limit_us * 2
								       : STUCK_LIMIT_MAX_US;
	if (init_hardware(e) != 0) {
		e->dead = 1;
		log_error("e1000", "the NIC did not come back after a reset: networking is out of "
				   "service until ftvisor restarts");
	}
}

static uint32_t tx_reclaim(struct e1000 *e)
{
	uint32_t done = 0;
	while (e->tx_clean != e->tx_tail && (e->tx[e->tx_clean].status & E1000_TXD_STAT_DD)) {
		e->tx_clean = ring_next(e->tx_clean, TX_RING_SIZE);
		done++;
	}
	return done;
}

static int e1000_send(struct nic *nic, const void *frame, size_t len)
{
	struct e1000 *e = nic->priv;
	if (e->dead) {
		nic->stats.tx_refused++;
		return NIC_ERR_DOWN;
	}
	if (len == 0 || len > BUF_SIZE) {
		nic->stats.tx_refused++;
		log_error("e1000", "refusing to send a %zu-byte frame (buffers hold 1-%d bytes)", len,
			  BUF_SIZE);
		return NIC_ERR_LENGTH;
	}
	tx_reclaim(e);
	uint32_t slot = e->tx_tail;
	uint32_t next = ring_next(slot, TX_RING_SIZE);
	if (next == e->tx_clean) {
		nic->stats.tx_busy++;
		return NIC_ERR_BUSY;
	}
	uint8_t *buf = e->tx_buf + (size_t)slot * BUF_SIZE;
	memcpy(buf, frame, len);
	volatile struct e1000_tx_desc *d = &e->tx[slot];
	d->addr = dma_address(buf);
	d->length = (uint16_t)len;
	d->cso = 0;
	d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	d->status = 0;
	d->css = 0;
	d->special = 0;
	/* The NIC may read the descriptor and buffer as soon as TDT moves. */
	cpu_store_fence();
	e->tx_tail = next;
	reg_write(e, E1000_TDT, next);
	nic->stats.tx_frames++;
	nic->stats.tx_bytes += len;
	return NIC_OK;
}

/* Hands finished receive descriptors to rx (or drops them), then gives
 * them back to the hardware with one RDT write. */
static size_t receive(struct e1000 *e, nic_rx_fn rx, void *ctx, size_t budget)
{
	struct nic_stats *s = &e->nic.stats;
	size_t delivered = 0, used = 0;
	while (used < budget) {
		volatile struct e1000_rx_desc *d = &e->rx[e->rx_next];
		uint8_t status = d->status;
		if (!(status & E1000_RXD_STAT_DD))
			break;
		cpu_load_fence();    /* length, errors and data only after DD */
		uint16_t len = d->length;
		uint8_t errors = d->errors;
		const uint8_t *buf = e->rx_buf + (size_t)e->rx_next * BUF_SIZE;
		switch (e1000_rx_judge(status, len, errors, BUF_SIZE, &e->rx_discarding)) {
		case E1000_RX_DELIVER:
			s->rx_frames++;
			s->rx_bytes += len;
			delivered++;
			rx(ctx, buf, len);
			break;
		case E1000_RX_DROP_ERROR:
			e->last_rx_error_bits = errors;
			s->rx_errors++;
			break;
		case E1000_RX_DROP_SPANNED:
			s->rx_errors++;
			break;
		case E1000_RX_DROP_OVERSIZE:
			e->last_rx_bad_length = len;
			s->rx_bad_length++;
			break;
		case E1000_RX_DROP_REST:
			break;
		}
		d->status = 0;
		e->rx_tail = e->rx_next;
		e->rx_next = ring_next(e->rx_next, RX_RING_SIZE);
		used++;
	}
	if (used) {
		cpu_store_fence();
		reg_write(e, E1000_RDT, e->rx_tail);
	}
	return delivered;
}

/* The transmit ring is stuck when sent frames stay without DD while the
 * link is up. */
static void watch_tx(struct e1000 *e, uint64_t now)
{
	uint32_t reclaimed = tx_reclaim(e);
	uint32_t pending = ring_distance(e->tx_clean, e->tx_tail, TX_RING_SIZE);
	int waiting = pending > 0 && e->link;
	if (!waiting || reclaimed) {
		e->tx_progress_us = now;
		if (reclaimed)
			e->stuck_limit_us = STUCK_LIMIT_US;
		return;
	}
	if (ring_stuck(waiting, e->tx_progress_us, now, e->stuck_limit_us)) {
		log_warn("e1000", "transmit ring stuck: %u frame(s) pending for %llu ms without "
				  "completion (TDH %u, TDT %u)",
			 pending, (unsigned long long)((now - e->tx_progress_us) / 1000),
			 reg_read(e, E1000_TDH), e->tx_tail);
		recover(e);
	}
}

/* The receive ring is stuck when the NIC reports missed frames although it
 * had free descriptors, and RDH does not move. */
static void watch_rx(struct e1000 *e, uint64_t now)
{
	uint32_t rdh = reg_read(e, E1000_RDH);
	uint64_t missed = e->nic.stats.hw_rx_missed - e->rx_missed_seen;
	int waiting = missed > 0 && rdh != e->rx_tail;
	int moved = rdh != e->rx_last_rdh;
	e->rx_missed_seen = e->nic.stats.hw_rx_missed;
	e->rx_last_rdh = rdh;
	if (!waiting || moved) {
		e->rx_progress_us = now;
		if (moved)
			e->stuck_limit_us = STUCK_LIMIT_US;
		return;
	}
	if (ring_stuck(waiting, e->rx_progress_us, now, e->stuck_limit_us)) {
		log_warn("e1000", "receive ring stuck: RDH %u has not moved for %llu ms while the NIC "
				  "missed %llu frames (RDT %u)",
			 rdh, (unsigned long long)((now - e->rx_progress_us) / 1000),
			 (unsigned long long)missed, e->rx_tail);
		recover(e);
	}
}

/* Error counters that grew since the last report, one line each. */
static void report_errors(struct e1000 *e)
{
	const struct nic_stats *s = &e->nic.stats, *r = &e->reported;
	if (s->rx_errors > r->rx_errors)
		log_warn("e1000", "dropped %llu received frames with errors (last error bits 0x%02x)",
			 (unsigned long long)(s->rx_errors - r->rx_errors), e->last_rx_error_bits);
	if (s->rx_bad_length > r->rx_bad_length)
		log_warn("e1000", "dropped %llu received frames longer than their %d-byte buffer "
				  "(last claimed %u bytes)",
			 (unsigned long long)(s->rx_bad_length - r->rx_bad_length), BUF_SIZE,
			 e->last_rx_bad_length);
	if (s->hw_rx_missed > r->hw_rx_missed)
		log_warn("e1000", "the NIC missed %llu frames: no free receive descriptor (poll "
				  "more often)",
			 (unsigned long long)(s->hw_rx_missed - r->hw_rx_missed));
	if (s->hw_crc_errors > r->hw_crc_errors)
		log_warn("e1000", "%llu frames arrived with a bad CRC",
			 (unsigned long long)(s->hw_crc_errors - r->hw_crc_errors));
	e->reported = *s;
}

static void sample(struct e1000 *e, uint64_t now)
{
	e->next_sample_us = now + SAMPLE_INTERVAL_US;
	fold_counters(e);
	int link = (reg_read(e, E1000_STATUS) & E1000_STATUS_LU) != 0;
	if (link != e->link)
		log_info("e1000", "link %s", link ? "up" : "down");
	e->link = link;
	watch_rx(e, now);
	if (now >= e->next_report_us) {
		e->next_report_us = now + REPORT_INTERVAL_US;
		report_errors(e);
	}
}

static size_t e1000_poll(struct nic *nic, nic_rx_fn rx, void *ctx, size_t budget)
{
	struct e1000 *e = nic->priv;
	if (e->dead)
		return 0;
	size_t delivered = receive(e, rx, ctx, budget);
	uint64_t now = log_uptime_us();
	watch_tx(e, now);
	if (!e->dead && now >= e->next_sample_us)
		sample(e, now);
	return delivered;
}

static int e1000_link_up(struct nic *nic)
{
	struct e1000 *e = nic->priv;
	return !e->dead && e->link;
}

static void e1000_stats(struct nic *nic, struct nic_stats *out)
{
	struct e1000 *e = nic->priv;
	if (!e->dead)
		fold_counters(e);
	*out = nic->stats;
}

static int e1000_reset(struct nic *nic)
{
	struct e1000 *e = nic->priv;
	fold_counters(e);
	if (init_hardware(e) != 0) {
		e->dead = 1;
		return -1;
	}
	e->dead = 0;
	return 0;
}

static void e1000_irq_enable(struct nic *nic, int on)
{
	struct e1000 *e = nic->priv;
	e->irq_on = on;
	reg_write(e, on ? E1000_IMS : E1000_IMC, on ? IRQ_CAUSES : E1000_IMC_ALL);
}

static void e1000_irq_raise(struct nic *nic)
{
	struct e1000 *e = nic->priv;
	reg_write(e, E1000_IMS, E1000_INT_RXT0);
	reg_write(e, E1000_ICS, E1000_INT_RXT0);
}

static uint32_t e1000_irq_ack(struct nic *nic)
{
	struct e1000 *e = nic->priv;
	return reg_read(e, E1000_ICR);
}

static const struct nic_ops e1000_ops = {
	.send = e1000_send,
	.poll = e1000_poll,
	.link_up = e1000_link_up,
	.stats = e1000_stats,
	.reset = e1000_reset,
	.irq_enable = e1000_irq_enable,
	.irq_raise = e1000_irq_raise,
	.irq_ack = e1000_irq_ack,
};

static int allocate_rings(struct e1000 *e)
{
	e->rx = memalign(E1000_RING_ALIGN, RX_RING_SIZE * sizeof(*e->rx));
	e->tx = memalign(E1000_RING_ALIGN, TX_RING_SIZE * sizeof(*e->tx));
	e->rx_buf = memalign(BUF_ALIGN, (size_t)RX_RING_SIZE * BUF_SIZE);
	e->tx_buf = memalign(BUF_ALIGN, (size_t)TX_RING_SIZE * BUF_SIZE);
	if (e->rx && e->tx && e->rx_buf && e->tx_buf)
		return 0;
	log_error("e1000", "out of heap for the rings and buffers (%d KiB; raise hv.heap_mb)",
		  (RX_RING_SIZE + TX_RING_SIZE) * BUF_SIZE / 1024);
	return -1;
}

enum nic_probe_result e1000_probe(struct nic **out)
{
	struct pci_dev pci;
	uint64_t bar;
	if (pci_find(E1000_VENDOR_INTEL, E1000_DEVICE_82540EM, &pci) != 0)
		return NIC_PROBE_ABSENT;
	if (pci_bar_memory(&pci, 0, &bar) != 0) {
		log_error("e1000", "82540EM at PCI %02x:%02x.%x has no memory BAR0 (firmware left it "
				   "unassigned?)",
			  pci.bus, pci.dev, pci.fn);
		return NIC_PROBE_FAILED;
	}
	if (bar + MMIO_SIZE > IDENTITY_MAPPED_END) {
		log_error("e1000", "82540EM registers at 0x%llx lie above the first 4 GiB, which is all "
				   "ftvisor is sure to map",
			  (unsigned long long)bar);
		return NIC_PROBE_FAILED;
	}
	struct e1000 *e = calloc(1, sizeof(*e));
	if (!e) {
		log_error("e1000", "out of heap for the driver state (raise hv.heap_mb)");
		return NIC_PROBE_FAILED;
	}
	if (allocate_rings(e) != 0)
		return NIC_PROBE_FAILED;
	e->pci = pci;
	e->regs = (volatile uint8_t *)(uintptr_t)bar;
	e->stuck_limit_us = STUCK_LIMIT_US;
	e->nic.name = "e1000";
	e->nic.ops = &e1000_ops;
	e->nic.pci = &e->pci;
	e->nic.priv = e;
	snprintf(e->nic.where, sizeof(e->nic.where), "Intel 82540EM at PCI %02x:%02x.%x",
		 pci.bus, pci.dev, pci.fn);
	pci_enable_memory_and_dma(&pci);   /* registers reachable before the first reset */
	/* The MAC is read from a freshly reset NIC, then the reset is redone
	 * as part of the full initialisation (the same path recovery takes). */
	if (reset_hardware(e) != 0 || read_mac(e) != 0 || init_hardware(e) != 0)
		return NIC_PROBE_FAILED;
	const uint8_t *m = e->nic.mac;
	log_info("e1000", "%s, registers at 0x%llx, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s",
		 e->nic.where, (unsigned long long)bar, m[0], m[1], m[2], m[3], m[4], m[5],
		 e->link ? "up" : "down");
	*out = &e->nic;
	return NIC_PROBE_READY;
}
