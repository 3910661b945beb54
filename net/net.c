#include "net/net.h"

#include <stdio.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "net/frame_demux.h"
#include "net/net_dhcp.h"
#include "net/netif_nic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/irq.h"
#include "drivers/nic_irq.h"
#include "hv/lib/log.h"

/* Frames taken from the NIC per poll: bounds the time one poll can take. */
#define POLL_BUDGET 64
/* Halt polling: for this long after a frame came, waiting spins instead of
 * halting. Replies and the next segment of a stream follow within it, and
 * waking from HLT costs more than spinning that long (most in emulators). */
#define HALT_POLL_US 200

static struct {
	int up;                       /* net_init brought the stack up */
	struct nic *nic;
	struct netif netif;
	struct netif_nic port;
	struct frame_demux demux;
	struct nic_irq irq;
	uint64_t last_rx_us;          /* when a poll last delivered a frame */
} net;

static void format_ip(const ip4_addr_t *a, char *buf, int len)
{
	if (ip4_addr_isany(a))
		strncpy(buf, "none", (size_t)len);
	else
		ip4addr_ntoa_r(a, buf, len);
}

static void ip_from_config(uint32_t host_order, ip4_addr_t *out)
{
	ip4_addr_set_u32(out, lwip_htonl(host_order));
}

/* lwIP learns about the link from the NIC; it announces itself (gratuitous
 * ARP) when the link comes up. */
static void follow_link(void)
{
	int up = net.nic->ops->link_up(net.nic);
	if (up && !netif_is_link_up(&net.netif))
		netif_set_link_up(&net.netif);
	else if (!up && netif_is_link_up(&net.netif))
		netif_set_link_down(&net.netif);
}

/* Interrupt-driven receive when the NIC's interrupt can be routed. */
static void setup_interrupt(const struct ftv_config *cfg, uint64_t rsdp)
{
	struct madt_info madt;
	int have_madt;
	net.irq.nic = net.nic;
	if (cfg->net_irq == NET_IRQ_OFF) {
		snprintf(net.irq.why_polled, sizeof(net.irq.why_polled), "net.irq = off");
		log_info("net", "%s: receiving by polling (net.irq = off)", net.nic->name);
		return;
	}
	unsigned pins = ioapic_discover(rsdp, &madt, &have_madt);
	nic_irq_setup(&net.irq, net.nic, pins, have_madt ? &madt : NULL);
}

int net_init(const struct ftv_config *cfg, uint64_t rsdp)
{
	ip4_addr_t ip, mask, gw;
	char sip[16], smask[16], sgw[16];
	if (!cfg->net_ip && !cfg->net_dhcp) {
		log_info("net", "networking off (no net.ip, net.dhcp off)");
		return 0;
	}
	if (cfg->net_ip && cfg->net_dhcp) {
		log_error("net", "net.ip is set and net.dhcp = yes: choose one way to get the address");
		return -1;
	}
	net.nic = nic_probe();
	if (!net.nic) {
		log_error("net", "networking is configured but there is no working NIC: remove net.ip "
				 "and net.dhcp, or give the machine a supported NIC");
		return -1;
	}
	lwip_init();
	ip_from_config(cfg->net_ip, &ip);      /* all 0 with DHCP, until the lease */
	ip_from_config(cfg->net_ip ? cfg->net_netmask : 0, &mask);
	ip_from_config(cfg->net_gateway, &gw);
	net.port.nic = net.nic;
	net.port.mtu = (uint16_t)cfg->net_mtu;
	if (!netif_add(&net.netif, &ip, &mask, &gw, &net.port, netif_nic_init, ethernet_input)) {
		log_error("net", "lwIP refused the interface");
		return -1;
	}
	netif_set_default(&net.netif);
	netif_set_up(&net.netif);

	memcpy(net.demux.own_mac, net.nic->mac, ETH_ADDR_LEN);
	net.demux.stack = netif_nic_input;
	net.demux.stack_ctx = &net.netif;
	net.up = 1;
	follow_link();
	setup_interrupt(cfg, rsdp);
	if (cfg->net_dhcp && net_dhcp_acquire(&net.netif, cfg->net_dhcp_timeout_s) != 0)
		return -1;

	format_ip(netif_ip4_addr(&net.netif), sip, sizeof(sip));
	format_ip(netif_ip4_netmask(&net.netif), smask, sizeof(smask));
	format_ip(netif_ip4_gw(&net.netif), sgw, sizeof(sgw));
	log_info("net", "interface up: %s netmask %s gateway %s, MTU %u, on %s (%s)", sip, smask,
		 sgw, net.port.mtu, net.nic->name, net.nic->where);
	return 0;
}

void net_poll(void)
{
	if (!net.up)
		return;
	net.irq.pending = 0;
	size_t frames = net.nic->ops->poll(net.nic, frame_demux_deliver, &net.demux, POLL_BUDGET);
	if (frames)
		net.last_rx_us = log_uptime_us();
	/* A full budget may have left frames behind: the next wait must not sleep. */
	if (frames == POLL_BUDGET)
		net.irq.pending = 1;
	follow_link();
	sys_check_timeouts();
}

int net_rx_pending(void)
{
	return net.irq.pending;
}

void net_wait(uint64_t max_us)
{
	if (net.irq.pending)
		return;
	if (!net.irq.active || log_uptime_us() - net.last_rx_us < HALT_POLL_US)
		cpu_pause();
	else
		irq_wait(max_us);
}

const uint8_t *net_mac(void)
{
	return net.up ? net.nic->mac : NULL;
}

void net_set_foreign_rx(nic_rx_fn fn, void *ctx)
{
	net.demux.other = fn;
	net.demux.other_ctx = ctx;
}

static void print_proto(const char *name, const struct stats_proto *p)
{
	console_printf("  %-7s %10lu %10lu %8lu %8lu %8lu %8lu %8lu %8lu\n", name,
		       (unsigned long)p->xmit, (unsigned long)p->recv, (unsigned long)p->drop,
		       (unsigned long)p->chkerr, (unsigned long)p->lenerr, (unsigned long)p->memerr,
		       (unsigned long)p->proterr, (unsigned long)p->err);
}

static void print_lwip_stats(void)
{
	console_printf("  lwIP      sent   received  dropped   chkerr   lenerr   memerr  proterr"
		       "    other\n");
	print_proto("link", &lwip_stats.link);
	print_proto("etharp", &lwip_stats.etharp);
	print_proto("ip", &lwip_stats.ip);
	print_proto("icmp", &lwip_stats.icmp);
	print_proto("udp", &lwip_stats.udp);
	print_proto("tcp", &lwip_stats.tcp);
	console_printf("  heap: %lu of %lu bytes used (max %lu), %lu failed allocations\n",
		       (unsigned long)lwip_stats.mem.used, (unsigned long)lwip_stats.mem.avail,
		       (unsigned long)lwip_stats.mem.max, (unsigned long)lwip_stats.mem.err);
	for (int i = 0; i < MEMP_MAX; i++) {
		const struct stats_mem *m = lwip_stats.memp[i];
		console_printf("  pool %-16s %5lu of %5lu used (max %5lu), %lu failed\n", m->name,
			       (unsigned long)m->used, (unsigned long)m->avail, (unsigned long)m->max,
			       (unsigned long)m->err);
	}
}

void net_print_status(void)
{
	char sip[16], smask[16], sgw[16];
	struct nic_stats s;
	if (!net.up) {
		console_printf("networking off (set net.ip or net.dhcp in the config)\n");
		return;
	}
	format_ip(netif_ip4_addr(&net.netif), sip, sizeof(sip));
	format_ip(netif_ip4_netmask(&net.netif), smask, sizeof(smask));
	format_ip(netif_ip4_gw(&net.netif), sgw, sizeof(sgw));
	const uint8_t *m = net.nic->mac;
	console_printf("%s netmask %s gateway %s, MTU %u\n", sip, smask, sgw, net.port.mtu);
	net_dhcp_print(&net.netif);
	console_printf("%s: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s\n", net.nic->name,
		       net.nic->where, m[0], m[1], m[2], m[3], m[4], m[5],
		       net.nic->ops->link_up(net.nic) ? "up" : "down");
	if (net.irq.active)
		console_printf("  interrupt: I/O APIC pin %u, vector 0x%02x, %llu taken, %llu unclaimed\n",
			       net.irq.route.pin, IRQ_VECTOR_NIC, (unsigned long long)net.irq.taken,
			       (unsigned long long)net.irq.unclaimed);
	else
		console_printf("  interrupt: none, receiving by polling (%s)\n", net.irq.why_polled);
	net.nic->ops->stats(net.nic, &s);
	console_printf("  rx %llu frames %llu bytes, tx %llu frames %llu bytes\n",
		       (unsigned long long)s.rx_frames, (unsigned long long)s.rx_bytes,
		       (unsigned long long)s.tx_frames, (unsigned long long)s.tx_bytes);
	console_printf("  rx errors %llu, bad length %llu, missed %llu, no buffer %llu, CRC errors %llu; "
		       "tx ring full %llu, refused %llu; NIC counted rx %llu tx %llu; recoveries %llu\n",
		       (unsigned long long)s.rx_errors, (unsigned long long)s.rx_bad_length,
		       (unsigned long long)s.hw_rx_missed,
		       (unsigned long long)s.hw_rx_no_buffer, (unsigned long long)s.hw_crc_errors,
		       (unsigned long long)s.tx_busy, (unsigned long long)s.tx_refused,
		       (unsigned long long)s.hw_rx_good, (unsigned long long)s.hw_tx_good,
		       (unsigned long long)s.recoveries);
	console_printf("  frames to ftvisor %llu, to others %llu, unwanted %llu, runts %llu\n",
		       (unsigned long long)net.demux.to_stack, (unsigned long long)net.demux.to_other,
		       (unsigned long long)net.demux.unwanted, (unsigned long long)net.demux.runts);
	print_lwip_stats();
}
