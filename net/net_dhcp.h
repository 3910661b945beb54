/*
 * The server's address from a DHCP server (net.dhcp = yes): lwIP's client
 * asks, this waits for the first lease (saying so while it waits), and
 * reports every later change of address (a renewal that moved it, a lease
 * lost). lwIP renews in the background from net_poll()'s timers.
 */
#ifndef FTV_NET_NET_DHCP_H
#define FTV_NET_NET_DHCP_H

#include <stdint.h>

#include "lwip/netif.h"

/* Starts DHCP on an interface that is up and waits at most timeout_s for a
 * lease. 0 when the interface has its address; -1 (said on the console)
 * when no lease came. */
int net_dhcp_acquire(struct netif *netif, uint64_t timeout_s);

/* One line for the 'net' command: where the address came from. */
void net_dhcp_print(struct netif *netif);

#endif
