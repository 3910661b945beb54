/*
 * lwIP 2.1.3 configured for ftvisor: one polled thread (NO_SYS, raw API
 * only), IPv4 with ARP, ICMP, UDP (heartbeats, DHCP) and TCP tuned for one
 * long-lived log stream between two servers on a LAN.
 *
 * All of lwIP's memory is static (pools in the image) so that a flood of
 * frames can exhaust lwIP's pools but never the hypervisor's heap.
 */
#ifndef FTV_LWIPOPTS_H
#define FTV_LWIPOPTS_H

/* ---- platform ---- */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0     /* one thread; interrupt handlers never enter lwIP */
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0
#define MEM_ALIGNMENT 8

/* ---- protocols ---- */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_RAW 0
#define LWIP_DHCP 1                /* net.dhcp: the address from a DHCP server */
#define LWIP_NETIF_STATUS_CALLBACK 1 /* DHCP: an address that changes is said */
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_REASSEMBLY 0            /* a LAN with one MTU: no fragments to rebuild */
#define IP_FRAG 0
#define ARP_TABLE_SIZE 16
#define ARP_QUEUEING 1             /* keep what was sent while an address resolves */
#define LWIP_TCP_KEEPALIVE 1       /* lets the logging channel notice a silent peer */

/* ---- TCP for a log stream: full-size segments, a window of 64 KiB and
 * more (window scaling), and the buffers and segments to fill it ---- */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 2            /* window field counts 4-byte units: up to 256 KiB */
#define TCP_WND (128 * 1024)
#define TCP_SND_BUF (128 * 1024)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
/* A connection counts as writable again with this much room free (lwIP
 * wants it well below 64 KiB whatever the buffer size). */
#define TCP_SNDLOWAT (32 * 1024)
#define TCP_QUEUE_OOSEQ 1

/* ---- memory ----
 * MEM_SIZE: the heap that copied TCP send data (PBUF_RAM) comes from: two
 * full send buffers with their headers, plus replies (ARP, ICMP, ACKs). */
#define MEM_SIZE (320 * 1024)
#define MEMP_NUM_PBUF 32
#define MEMP_NUM_UDP_PCB 4
#define MEMP_NUM_TCP_PCB 8
#define MEMP_NUM_TCP_PCB_LISTEN 4
#define MEMP_NUM_TCP_SEG (2 * TCP_SND_QUEUELEN)
#define MEMP_NUM_ARP_QUEUE 32
/* lwIP's own cyclic timers, plus room for the FT code's sys_timeout()s */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
/* Received frames: a full receive window plus room for ARP, pings and
 * the other connection. */
#define PBUF_POOL_SIZE 128

/* ---- checksums: all in software (no offload from the NIC) ---- */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1

/* ---- statistics, printed by the 'net' console command ---- */
#define LWIP_STATS 1
#define LWIP_STATS_LARGE 1         /* 32-bit counters: 16 bits wrap within minutes */
#define LWIP_STATS_DISPLAY 1       /* also names the pools in their statistics */
#define LINK_STATS 1
#define ETHARP_STATS 1
#define IP_STATS 1
#define ICMP_STATS 1
#define UDP_STATS 1
#define TCP_STATS 1
#define MEM_STATS 1
#define MEMP_STATS 1

#endif
