/*
 * ftvisor.cfg: "key = value" lines, '#' starts a comment. Every key the
 * hypervisor knows is in one table in config.c with its type, default and
 * range; unknown keys, duplicates and bad values are errors with a line
 * number. Pure code: used by boot/, the core and the host tests.
 */
#ifndef FTV_CONFIG_H
#define FTV_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define FTV_CONFIG_DEFAULT_GUEST_IMAGE "guest.bin"
#define FTV_CONFIG_STR_MAX 128

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

enum stop_action {
	STOP_ACTION_CONSOLE = 0,   /* stay at the console prompt */
	STOP_ACTION_POWEROFF = 1,  /* leave the machine (emulators: exit with a code) */
};

/* "ADDR[:PORT]": an IPv4 address in host byte order; port 0 when not given
 * (the service's well-known port). */
struct config_endpoint {
	uint32_t ip;
	uint32_t port;
};

struct ftv_config {
	char guest_image[FTV_CONFIG_STR_MAX];
	char guest_cmdline[FTV_CONFIG_STR_MAX];
	uint64_t guest_ram_mb;
	uint64_t heap_mb;
	uint64_t timer_slice;         /* max guest time between forced exits, preemption-timer ticks */
	uint32_t log_level;           /* enum log_level */
	uint32_t on_stop;       /* enum stop_action */
	char console_autorun[FTV_CONFIG_STR_MAX];
	uint64_t replay_check;        /* self-check: record this many events, replay, compare (0: off) */
	uint32_t replay_counter;      /* enum execpoint_choice */
	uint64_t replay_hash_interval;
	uint64_t replay_memhash_interval;
	uint64_t replay_log_mb;
	uint32_t replay_bench;        /* also time the same run without recording */
	uint32_t replay_dump;         /* print the record log on the console (base64) */
	uint32_t replay_corrupt;      /* then replay damaged copies of the log: each must be refused */
	uint32_t replay_alter;        /* then replay a copy with one event altered (enum log_alteration) */
	uint64_t replay_alter_event;  /* the first event that alteration may pick */

	/* networking (IPv4 addresses in host byte order; 0 = unset) */
	uint32_t net_ip, net_netmask, net_gateway;
	uint32_t net_mtu;
	uint32_t net_irq;             /* enum net_irq_mode */
	uint32_t net_dhcp;            /* the address from DHCP instead of net.ip */
	uint64_t net_dhcp_timeout_s;
	uint32_t net_bench;           /* enum net_bench: plain-TCP benchmark at start */
	uint32_t net_bench_peer;      /* the sink a sender connects to */
	uint64_t net_bench_mb;        /* what the sender pushes */

	/* fault tolerance */
	uint32_t ft_role;             /* enum ft_role */
	uint32_t ft_peer;             /* the other server's address */
	uint32_t ft_port;             /* logging channel, TCP */
	uint32_t ft_hb_port;          /* heartbeats, UDP */
	uint64_t ft_hb_interval_ms;
	uint64_t ft_hb_timeout_ms;
	uint64_t ft_max_unacked_kb;   /* flow control: pause the guest beyond this */
	uint64_t ft_flush_ms;         /* the longest an event waits in the primary's open batch */
	uint64_t ft_stats_interval_ms;/* print the 'net' and 'ft' figures this often (0: never) */
	uint64_t ft_corrupt_batch;    /* fault injection: the primary damages this batch once on the wire */
	uint64_t ft_bench_mb;         /* benchmark the logging channel with this much synthetic log
				       * instead of running the role (0: off) */

	/* shared storage: an iSCSI target (ip 0 = none) */
	struct config_endpoint storage_target;
	char storage_iqn[FTV_CONFIG_STR_MAX];
	char storage_initiator[FTV_CONFIG_STR_MAX]; /* empty: derived from the MAC */
	char storage_chap_user[FTV_CONFIG_STR_MAX];
	char storage_chap_secret[FTV_CONFIG_STR_MAX]; /* empty: no CHAP */
};

enum net_bench { NET_BENCH_OFF = 0, NET_BENCH_SINK = 1, NET_BENCH_SEND = 2 };
enum net_irq_mode { NET_IRQ_AUTO = 0, NET_IRQ_OFF = 1 };

enum ft_role { FT_ROLE_NONE = 0, FT_ROLE_PRIMARY = 1, FT_ROLE_BACKUP = 2 };

struct config_error {
	unsigned line;                /* 0: not tied to a line */
	char message[160];
};

/* Fills *out with defaults, then the file's values. 0 on success. */
int config_parse(const char *text, size_t len, struct ftv_config *out, struct config_error *err);

void config_defaults(struct ftv_config *out);

#endif
