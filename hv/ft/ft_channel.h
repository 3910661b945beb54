/*
 * The guest-free half of ft.c, for the channel benchmark (ft_bench.c):
 * the logging channel and heartbeats of the configured role, over the
 * hypervisor's log (hv->log), with no vCPU needed. Internal to hv/ft*.c.
 */
#ifndef FTV_FT_CHANNEL_H
#define FTV_FT_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

struct hv_state;
struct rtt_stats;

/* Sets up the role's state, a log of log_bytes (unless one exists) and
 * the endpoints; says so on the console. Stops ftvisor when it cannot, or
 * when the primary's flow control (ft.max_unacked_kb) would not keep the
 * log from filling. */
void ft_channel_open(struct hv_state *hv, size_t log_bytes);
/* Primary: serves the channel until the backup acknowledged every
 * finished batch of the log. 0, or -1 when no backup will (it fell
 * silent, refused the channel or cannot catch up). */
int ft_channel_wait_acked(void);
/* Backup: event_log's wait_more hook (serves the channel until more log
 * arrives; 0 when the primary fell silent). */
int ft_channel_wait_more(void *ctx);
/* Backup: serves the channel until its last ACK is queued. */
void ft_channel_flush_ack(void);
/* Primary: from now on, stamp each batch sent into sent_us[its sequence
 * number] (for the first n) and add the round trip of the ACK covering
 * it to *rtt. sent_us NULL: stop. */
void ft_channel_time_acks(uint64_t *sent_us, size_t n, struct rtt_stats *rtt);

#endif
