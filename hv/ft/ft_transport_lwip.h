/*
 * The roles' transport (hv/ft/ft_roles.h) over lwIP's raw API: the logging
 * channel on TCP (the backup listens, the primary connects) and heartbeats
 * on UDP, both with the one configured peer; anything from another address
 * is refused or ignored.
 */
#ifndef FTV_FT_TRANSPORT_LWIP_H
#define FTV_FT_TRANSPORT_LWIP_H

#include <stdint.h>

#include "lwip/ip_addr.h"

#include "hv/eventlog/event_log.h"
#include "hv/ft/ft_roles.h"

struct tcp_pcb;
struct udp_pcb;

struct ft_lwip {
	struct ft_roles *roles;
	ip_addr_t peer;
	char peer_str[IP4ADDR_STRLEN_MAX];
	uint16_t port, hb_port;
	struct tcp_pcb *listener, *conn;
	struct tcp_pcb *aborted;      /* aborted during the current receive callback */
	struct udp_pcb *hb;
	uint8_t msg[FT_MSG_HEADER_SIZE + EVENT_LOG_BATCH_BYTES]; /* one message being queued */
};

/* Names the peer (IPv4, host order) and ports; opens nothing yet. */
void ft_lwip_init(struct ft_lwip *t, uint32_t peer_ip, uint16_t port, uint16_t hb_port);
struct ft_transport ft_lwip_transport(struct ft_lwip *t);
/* Opens the heartbeat endpoint and, for a backup, the listener; from then
 * on what arrives goes to 'roles'. 0, or -1. */
int ft_lwip_open(struct ft_lwip *t, struct ft_roles *roles);

#endif
