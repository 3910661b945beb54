/*
 * An lwIP network interface over a struct nic: frames lwIP sends go to
 * nic->ops->send; frames the NIC receives come in through netif_nic_input.
 */
#ifndef FTV_NET_NETIF_NIC_H
#define FTV_NET_NETIF_NIC_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/netif.h"

#include "net/frame_demux.h"
#include "drivers/nic.h"

#define NETIF_NIC_FRAME_MAX (1500 + ETH_HEADER_LEN)   /* largest MTU ftvisor accepts */

/* The interface's state (netif->state). */
struct netif_nic {
	struct nic *nic;
	uint16_t mtu;
	uint8_t frame[NETIF_NIC_FRAME_MAX];   /* a chained pbuf is flattened here */
};

/* netif_add's init function: netif->state must point to a filled struct netif_nic. */
err_t netif_nic_init(struct netif *netif);

/* A nic_rx_fn: ctx is the struct netif. Copies the frame into pbufs and
 * hands it to the stack (netif->input). */
void netif_nic_input(void *ctx, const void *frame, size_t len);

#endif
