/*
 * The hypervisor's own network: one NIC, lwIP on top, a static IPv4
 * address from the config (net.*). The work is done in net_poll(): call it
 * often (the console loop does; so must any long-running loop). When the
 * NIC's interrupt is routed, a frame arriving wakes net_wait() and forces
 * the guest out (net_rx_pending() then says "poll now").
 */
#ifndef FTV_NET_NET_H
#define FTV_NET_NET_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/nic.h"
#include "hv/lib/config.h"

/* Brings the network up when net.ip is set (otherwise says networking is
 * off and touches nothing). 0 on success or when off; -1 when net.ip is
 * set but there is no working NIC (said on the console). */
int net_init(const struct ftv_config *cfg, uint64_t acpi_rsdp);

/* Receives, transmits, runs lwIP's timers. Cheap when nothing happens. */
void net_poll(void);

/* A NIC interrupt came since the last net_poll(). */
int net_rx_pending(void);

/* Idles until the NIC interrupts or at most max_us (HLT), between polls.
 * Without a routed interrupt, or shortly after a frame came (halt
 * polling), it only pauses the CPU once: the caller's loop polls. */
void net_wait(uint64_t max_us);

/* The NIC's MAC (6 bytes), or NULL while the network is off. */
const uint8_t *net_mac(void);

/* The 'net' console command: address, NIC, counters, lwIP's errors. */
void net_print_status(void);

/* Frames for MACs other than the hypervisor's (and copies of broadcast
 * and multicast frames) go to fn; without one they are counted and
 * dropped. For a guest's virtual NIC. */
void net_set_foreign_rx(nic_rx_fn fn, void *ctx);

#endif
