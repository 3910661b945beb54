/*
 * The hypervisor's own network card, whatever its model: one small
 * interface so that the network stack (net/) never knows which driver runs.
 * Drivers are polled; an interrupt only says "poll now" (nic_irq.h routes
 * it and wakes the host), so a driver without interrupts still works.
 */
#ifndef FTV_DRIVERS_NIC_H
#define FTV_DRIVERS_NIC_H

#include <stddef.h>
#include <stdint.h>

#define NIC_MAC_LEN 6

struct pci_dev;

/* send() results. */
#define NIC_OK 0
#define NIC_ERR_BUSY (-1)      /* transmit ring full: try again after a poll */
#define NIC_ERR_LENGTH (-2)    /* empty or larger than a transmit buffer */
#define NIC_ERR_DOWN (-3)      /* the NIC failed and could not be recovered */

/* Counters since boot; they survive a NIC reset. */
struct nic_stats {
	uint64_t rx_frames, rx_bytes;    /* handed to the poll callback */
	uint64_t tx_frames, tx_bytes;    /* handed to the hardware */
	uint64_t rx_errors;              /* dropped: the NIC flagged an error, or a frame spanned buffers */
	uint64_t rx_bad_length;          /* dropped: the NIC claimed more bytes than the buffer holds */
	uint64_t tx_busy;                /* sends refused: transmit ring full */
	uint64_t tx_refused;             /* sends refused: bad length or NIC down */
	uint64_t hw_rx_missed;           /* the NIC dropped frames: no free receive descriptor */
	uint64_t hw_rx_no_buffer;        /* receive descriptors ran out (frames may still have fit) */
	uint64_t hw_crc_errors;
	uint64_t hw_rx_good, hw_tx_good; /* the NIC's own frame counts */
	uint64_t recoveries;             /* resets after a stuck ring */
};

struct nic;

/* Receives one frame; the bytes are valid only during the call. */
typedef void (*nic_rx_fn)(void *ctx, const void *frame, size_t len);

struct nic_ops {
	/* Queues one Ethernet frame (no FCS). NIC_OK or a NIC_ERR_* value. */
	int (*send)(struct nic *nic, const void *frame, size_t len);
	/* Delivers up to budget received frames to rx; also reclaims sent
	 * buffers and watches for a stuck ring. Returns the frames delivered. */
	size_t (*poll)(struct nic *nic, nic_rx_fn rx, void *ctx, size_t budget);
	int (*link_up)(struct nic *nic);
	/* Folds the hardware's clear-on-read counters in, then copies all. */
	void (*stats)(struct nic *nic, struct nic_stats *out);
	/* Resets and re-initialises the hardware. 0 on success. */
	int (*reset)(struct nic *nic);
	/* Interrupts; NULL when the driver has none. irq_enable: the causes
	 * poll() serves (receive, link) on or off. irq_raise: assert the line
	 * once, for the routing probe. irq_ack: read and clear the causes
	 * (deasserting the line); 0 when the NIC was not interrupting. */
	void (*irq_enable)(struct nic *nic, int on);
	void (*irq_raise)(struct nic *nic);
	uint32_t (*irq_ack)(struct nic *nic);
};

struct nic {
	const char *name;          /* driver: "e1000" */
	char where[64];            /* model and location, for the console */
	uint8_t mac[NIC_MAC_LEN];
	const struct nic_ops *ops;
	const struct pci_dev *pci; /* where its interrupt comes from; NULL if not PCI */
	void *priv;                /* the driver's own state */
	struct nic_stats stats;
};

/* What one driver's probe found. */
enum nic_probe_result {
	NIC_PROBE_ABSENT,          /* not its hardware: try the next driver */
	NIC_PROBE_READY,           /* *out is up */
	NIC_PROBE_FAILED,          /* its hardware, but it would not start (said why) */
};

/* Tries each driver in turn. NULL when none found a device (said on the
 * console, with the models wanted) or the device found failed to start. */
struct nic *nic_probe(void);

#endif
