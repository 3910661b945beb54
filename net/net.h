/*
 * The hypervisor's own network: one NIC, lwIP on top, a static IPv4
 * address from the config (net.*). Everything is polled: call net_poll()
 * often (the console loop does; so must any long-running loop).
 */
#ifndef FTV_NET_NET_H
#define FTV_NET_NET_H

#include <stddef.h>

#include "../drivers/nic.h"
#include "../hv/config.h"

/* Brings the network up when net.ip is set (otherwise says networking is
 * off and touches nothing). 0 on success or when off; -1 when net.ip is
 * set but there is no working NIC (said on the console). */
int net_init(const struct ftv_config *cfg);

/* Receives, transmits, runs lwIP's timers. Cheap when nothing happens. */
void net_poll(void);

/* The 'net' console command: address, NIC, counters, lwIP's errors. */
void net_print_status(void);

/* Frames for MACs other than the hypervisor's (and copies of broadcast
 * and multicast frames) go to fn; without one they are counted and
 * dropped. For a guest's virtual NIC. */
void net_set_foreign_rx(nic_rx_fn fn, void *ctx);

#endif
