#include "net/net_dhcp.h"

#include "lwip/dhcp.h"
#include "lwip/ip4_addr.h"

#include "net/net.h"
#include "hv/lib/log.h"

#define PROGRESS_MS 5000        /* "still waiting" this often */
#define WAIT_US 1000

static struct {
	int bound;                  /* the first lease came */
	ip4_addr_t last;            /* the address reported last */
} dhcp_state;

/* lwIP calls this when the address changes (after the first lease: a
 * renewal that moved it, or the lease lost). */
static void on_status(struct netif *netif)
{
	const ip4_addr_t *now = netif_ip4_addr(netif);
	if (!dhcp_state.bound || ip4_addr_cmp(now, &dhcp_state.last))
		return;
	char was[16], is[16];
	ip4addr_ntoa_r(&dhcp_state.last, was, sizeof(was));
	ip4addr_ntoa_r(now, is, sizeof(is));
	if (ip4_addr_isany(now))
		log_warn("net", "DHCP: the lease on %s was lost; asking again", was);
	else
		log_warn("net", "DHCP: the address moved from %s to %s", was, is);
	ip4_addr_copy(dhcp_state.last, *now);
}

int net_dhcp_acquire(struct netif *netif, uint64_t timeout_s)
{
	netif_set_status_callback(netif, on_status);
	if (dhcp_start(netif) != ERR_OK) {
		log_error("net", "DHCP: lwIP could not start its client (out of memory?)");
		return -1;
	}
	log_info("net", "DHCP: asking for an address (up to %llu s)", (unsigned long long)timeout_s);
	uint64_t start = log_uptime_ms(), next_note = start + PROGRESS_MS;
	while (!dhcp_supplied_address(netif)) {
		uint64_t now = log_uptime_ms();
		if (now - start >= timeout_s * 1000) {
			log_error("net", "DHCP: no lease within %llu s: is a DHCP server on this segment? "
					 "(or set net.ip and turn net.dhcp off)",
				  (unsigned long long)timeout_s);
			dhcp_stop(netif);
			return -1;
		}
		if (now >= next_note) {
			log_info("net", "DHCP: still waiting for a lease (%llu s)",
				 (unsigned long long)((now - start) / 1000));
			next_note += PROGRESS_MS;
		}
		net_poll();
		net_wait(WAIT_US);
	}
	dhcp_state.bound = 1;
	ip4_addr_copy(dhcp_state.last, *netif_ip4_addr(netif));
	const struct dhcp *d = netif_dhcp_data(netif);
	char server[16];
	ip4addr_ntoa_r(ip_2_ip4(&d->server_ip_addr), server, sizeof(server));
	log_info("net", "DHCP: lease from %s for %lu s after %llu ms", server,
		 (unsigned long)d->offered_t0_lease, (unsigned long long)(log_uptime_ms() - start));
	return 0;
}

void net_dhcp_print(struct netif *netif)
{
	const struct dhcp *d = netif_dhcp_data(netif);
	if (!d) {
		console_printf("  address: static (net.ip)\n");
		return;
	}
	char server[16];
	ip4addr_ntoa_r(ip_2_ip4(&d->server_ip_addr), server, sizeof(server));
	console_printf("  address: DHCP from %s, lease %lu s, %s\n", server,
		       (unsigned long)d->offered_t0_lease,
		       dhcp_supplied_address(netif) ? "bound" : "not bound");
}
