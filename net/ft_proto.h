/*
 * The logging channel's wire format (TCP, primary -> backup and back), and
 * the heartbeat datagram (UDP, both ways). Pure: host-tested and fuzzed.
 *
 * Every TCP message is a 12-byte header then its payload, little-endian:
 *   0 u32 magic 'F','T','C','H'   4 u8 version   5 u8 type
 *   6 u16 reserved (0)            8 u32 payload length
 * Types:
 *   HELLO    primary -> backup: who I am, this boot's run id and what I
 *            run (struct ft_hello)
 *   WELCOME  backup -> primary: accepted; send from this batch (struct ft_ack)
 *   REFUSE   backup -> primary: not accepted; payload is the reason (text)
 *   BATCH    primary -> backup: one record-log batch (log_codec.h), verbatim
 *   ACK      backup -> primary: everything before this batch is received and
 *            verified (struct ft_ack), cumulative
 * WELCOME and ACK echo the run id of the HELLO: a primary that rebooted
 * runs a new execution, which no backup of the old one can follow.
 */
#ifndef FTV_FT_PROTO_H
#define FTV_FT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define FT_PROTO_VERSION 2
#define FT_MSG_HEADER_SIZE 12
#define FT_MSG_MAX_PAYLOAD (1u << 20)

enum ft_msg_type {
	FT_MSG_HELLO = 1,
	FT_MSG_WELCOME = 2,
	FT_MSG_REFUSE = 3,
	FT_MSG_BATCH = 4,
	FT_MSG_ACK = 5,
};

struct ft_hello {
	uint32_t proto_version;
	uint32_t counter;           /* enum execpoint_choice actually in use */
	uint64_t guest_hash;        /* hash of the guest image and command line */
	uint64_t ram_size;
	uint64_t run_id;            /* random at each boot of the primary, never 0 */
	uint64_t cpu_model;         /* hash of the virtual CPU model the guest sees */
};
#define FT_HELLO_SIZE 40

/* The primary learns which event that is from its own batch headers. */
struct ft_ack {
	uint64_t run_id;            /* the run being acknowledged (the HELLO's) */
	uint64_t next_seq;          /* the first batch not yet received */
};
#define FT_ACK_SIZE 16

/* Writes a message header into out[FT_MSG_HEADER_SIZE]. */
void ft_msg_header(uint8_t *out, enum ft_msg_type type, uint32_t payload_len);
void ft_hello_encode(const struct ft_hello *h, uint8_t out[FT_HELLO_SIZE]);
int ft_hello_decode(const uint8_t *p, size_t len, struct ft_hello *h);
void ft_ack_encode(const struct ft_ack *a, uint8_t out[FT_ACK_SIZE]);
int ft_ack_decode(const uint8_t *p, size_t len, struct ft_ack *a);

/*
 * Reassembly of messages from a byte stream. Feed whatever TCP delivered;
 * take complete messages out. A bad header (magic, version, type, reserved,
 * oversize) is an error that ends the connection: the stream cannot be
 * re-synchronised safely.
 */
struct ft_rx {
	uint8_t *buf;               /* capacity: FT_MSG_HEADER_SIZE + FT_MSG_MAX_PAYLOAD */
	size_t cap, len;
	size_t consumed;            /* bytes of the last message handed out */
	char error[96];
};

struct ft_msg {
	enum ft_msg_type type;
	const uint8_t *payload;     /* valid until the next ft_rx_* call */
	uint32_t len;
};

enum ft_rx_result { FT_RX_NONE = 0, FT_RX_MSG = 1, FT_RX_ERROR = -1 };

void ft_rx_init(struct ft_rx *rx, uint8_t *buf, size_t cap);
/* Bytes the buffer can still take. */
size_t ft_rx_room(const struct ft_rx *rx);
/* Appends up to n bytes; returns how many were taken. */
size_t ft_rx_feed(struct ft_rx *rx, const void *data, size_t n);
/* The next complete message, if any. */
enum ft_rx_result ft_rx_next(struct ft_rx *rx, struct ft_msg *msg);
void ft_rx_reset(struct ft_rx *rx);
const char *ft_msg_type_name(unsigned type);

/* The heartbeat datagram, 40 bytes:
 *   0 u32 magic 'F','T','H','B'  4 u8 version  5 u8 role (enum ft_role)
 *   6 u16 reserved  8 u32 sequence  12 u32 uptime in ms (wraps)
 *   16 u64 log position (primary: events recorded; backup: events received)
 *   24 u64 guest execution point count
 *   32 u64 run id (primary: its own; backup: the run it follows, 0 if none) */
struct ft_heartbeat {
	uint8_t role;
	uint32_t seq;
	uint32_t uptime_ms;
	uint64_t events;
	uint64_t count;
	uint64_t run_id;
};
#define FT_HEARTBEAT_SIZE 40

void ft_heartbeat_encode(const struct ft_heartbeat *hb, uint8_t out[FT_HEARTBEAT_SIZE]);
/* 0, or -1 for anything that is not a well-formed heartbeat. */
int ft_heartbeat_decode(const uint8_t *p, size_t len, struct ft_heartbeat *hb);

#endif
