/*
 * Who gets a received frame: the hypervisor's own stack (frames to its MAC,
 * broadcast and multicast), another station behind the same NIC (frames to
 * any other MAC: a guest's virtual NIC, once there is one), or nobody
 * (counted). The decision is a pure function of the destination MAC.
 */
#ifndef FTV_NET_FRAME_DEMUX_H
#define FTV_NET_FRAME_DEMUX_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/nic.h"

#define ETH_ADDR_LEN 6
#define ETH_HEADER_LEN 14             /* destination, source, type */

#define FRAME_TO_STACK (1u << 0)
#define FRAME_TO_OTHER (1u << 1)

/* A set of FRAME_TO_* bits; 0 for a frame too short to have a header. */
unsigned frame_demux_classify(const uint8_t *frame, size_t len, const uint8_t own_mac[ETH_ADDR_LEN]);

struct frame_demux {
	uint8_t own_mac[ETH_ADDR_LEN];
	nic_rx_fn stack;              /* the hypervisor's stack */
	void *stack_ctx;
	nic_rx_fn other;              /* NULL until something registers */
	void *other_ctx;
	uint64_t to_stack, to_other;
	uint64_t unwanted;            /* unicast to another MAC with nobody registered */
	uint64_t runts;               /* shorter than an Ethernet header */
};

/* A nic_rx_fn: ctx is the struct frame_demux. */
void frame_demux_deliver(void *ctx, const void *frame, size_t len);

#endif
