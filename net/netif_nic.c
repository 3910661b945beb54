#include "net/netif_nic.h"

#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"

#include "hv/lib/log.h"

static err_t netif_nic_output(struct netif *netif, struct pbuf *p)
{
	struct netif_nic *port = netif->state;
	size_t len = p->tot_len;
	if (len == 0 || len > (size_t)port->mtu + ETH_HEADER_LEN) {
		LINK_STATS_INC(link.lenerr);
		LINK_STATS_INC(link.drop);
		log_error("net", "lwIP asked to send a %zu-byte frame (MTU %u): dropped", len, port->mtu);
		return ERR_BUF;
	}
	const void *frame = p->payload;
	if (p->len != p->tot_len) {
		pbuf_copy_partial(p, port->frame, p->tot_len, 0);
		frame = port->frame;
	}
	int r = port->nic->ops->send(port->nic, frame, len);
	if (r != NIC_OK) {
		LINK_STATS_INC(link.drop);
		/* A full ring is back-pressure, not a failure: TCP resends. */
		return r == NIC_ERR_BUSY ? ERR_MEM : ERR_IF;
	}
	LINK_STATS_INC(link.xmit);
	return ERR_OK;
}

void netif_nic_input(void *ctx, const void *frame, size_t len)
{
	struct netif *netif = ctx;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p) {
		/* Counted (lwIP statistics, 'net'), not logged: a flood would flood the console. */
		LINK_STATS_INC(link.memerr);
		LINK_STATS_INC(link.drop);
		return;
	}
	pbuf_take(p, frame, (u16_t)len);
	LINK_STATS_INC(link.recv);
	if (netif->input(p, netif) != ERR_OK) {
		LINK_STATS_INC(link.drop);
		pbuf_free(p);
	}
}

err_t netif_nic_init(struct netif *netif)
{
	struct netif_nic *port = netif->state;
	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->output = etharp_output;
	netif->linkoutput = netif_nic_output;
	netif->mtu = port->mtu;
	netif->hwaddr_len = NIC_MAC_LEN;
	memcpy(netif->hwaddr, port->nic->mac, NIC_MAC_LEN);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	return ERR_OK;
}
