#include "net/ft_proto.h"

#include <stdio.h>
#include <string.h>

#include "hv/lib/le_bytes.h"

#define MSG_MAGIC 0x48435446u   /* "FTCH" little-endian */
#define HB_MAGIC 0x42485446u    /* "FTHB" */
#define ROLE_MAX 2

void ft_msg_header(uint8_t *out, enum ft_msg_type type, uint32_t payload_len)
{
	put_le(out, MSG_MAGIC, 4);
	out[4] = FT_PROTO_VERSION;
	out[5] = (uint8_t)type;
	put_le(out + 6, 0, 2);
	put_le(out + 8, payload_len, 4);
}

void ft_hello_encode(const struct ft_hello *h, uint8_t out[FT_HELLO_SIZE])
{
	put_le(out, h->proto_version, 4);
	put_le(out + 4, h->counter, 4);
	put_le(out + 8, h->guest_hash, 8);
	put_le(out + 16, h->ram_size, 8);
	put_le(out + 24, h->run_id, 8);
	put_le(out + 32, h->cpu_model, 8);
}

int ft_hello_decode(const uint8_t *p, size_t len, struct ft_hello *h)
{
	if (len != FT_HELLO_SIZE)
		return -1;
	h->proto_version = (uint32_t)get_le(p, 4);
	h->counter = (uint32_t)get_le(p + 4, 4);
	h->guest_hash = get_le(p + 8, 8);
	h->ram_size = get_le(p + 16, 8);
	h->run_id = get_le(p + 24, 8);
	h->cpu_model = get_le(p + 32, 8);
	return 0;
}

void ft_ack_encode(const struct ft_ack *a, uint8_t out[FT_ACK_SIZE])
{
	put_le(out, a->run_id, 8);
	put_le(out + 8, a->next_seq, 8);
}

int ft_ack_decode(const uint8_t *p, size_t len, struct ft_ack *a)
{
	if (len != FT_ACK_SIZE)
		return -1;
	a->run_id = get_le(p, 8);
	a->next_seq = get_le(p + 8, 8);
	return 0;
}

const char *ft_msg_type_name(unsigned type)
{
	switch (type) {
	case FT_MSG_HELLO: return "HELLO";
	case FT_MSG_WELCOME: return "WELCOME";
	case FT_MSG_REFUSE: return "REFUSE";
	case FT_MSG_BATCH: return "BATCH";
	case FT_MSG_ACK: return "ACK";
	default: return "unknown";
	}
}

void ft_rx_init(struct ft_rx *rx, uint8_t *buf, size_t cap)
{
	rx->buf = buf;
	rx->cap = cap;
	ft_rx_reset(rx);
}

void ft_rx_reset(struct ft_rx *rx)
{
	rx->len = 0;
	rx->consumed = 0;
	rx->error[0] = 0;
}

/* Drops the message handed out last, so its bytes can be reused. */
static void drop_consumed(struct ft_rx *rx)
{
	if (!rx->consumed)
		return;
	memmove(rx->buf, rx->buf + rx->consumed, rx->len - rx->consumed);
	rx->len -= rx->consumed;
	rx->consumed = 0;
}

size_t ft_rx_room(const struct ft_rx *rx)
{
	return rx->cap - rx->len + rx->consumed;
}

size_t ft_rx_feed(struct ft_rx *rx, const void *data, size_t n)
{
	drop_consumed(rx);
	if (rx->error[0])
		return 0;
	size_t take = n < rx->cap - rx->len ? n : rx->cap - rx->len;
	memcpy(rx->buf + rx->len, data, take);
	rx->len += take;
	return take;
}

enum ft_rx_result ft_rx_next(struct ft_rx *rx, struct ft_msg *msg)
{
	drop_consumed(rx);
	if (rx->error[0])
		return FT_RX_ERROR;
	if (rx->len < FT_MSG_HEADER_SIZE)
		return FT_RX_NONE;
	const uint8_t *h = rx->buf;
	uint32_t type = h[5], len = (uint32_t)get_le(h + 8, 4);
	if (get_le(h, 4) != MSG_MAGIC)
		snprintf(rx->error, sizeof(rx->error), "not a logging-channel message (bad magic)");
	else if (h[4] != FT_PROTO_VERSION)
		snprintf(rx->error, sizeof(rx->error), "channel protocol version %u, this side speaks %u",
			 h[4], FT_PROTO_VERSION);
	else if (type < FT_MSG_HELLO || type > FT_MSG_ACK)
		snprintf(rx->error, sizeof(rx->error), "unknown message type %u", type);
	else if (get_le(h + 6, 2) != 0)
		snprintf(rx->error, sizeof(rx->error), "reserved header bits set");
	else if (len > FT_MSG_MAX_PAYLOAD || len > rx->cap - FT_MSG_HEADER_SIZE)
		snprintf(rx->error, sizeof(rx->error), "%s message of %u bytes is too large",
			 ft_msg_type_name(type), len);
	if (rx->error[0])
		return FT_RX_ERROR;
	if (rx->len < FT_MSG_HEADER_SIZE + (size_t)len)
		return FT_RX_NONE;
	msg->type = (enum ft_msg_type)type;
	msg->payload = rx->buf + FT_MSG_HEADER_SIZE;
	msg->len = len;
	rx->consumed = FT_MSG_HEADER_SIZE + len;
	return FT_RX_MSG;
}

void ft_heartbeat_encode(const struct ft_heartbeat *hb, uint8_t out[FT_HEARTBEAT_SIZE])
{
	put_le(out, HB_MAGIC, 4);
	out[4] = FT_PROTO_VERSION;
	out[5] = hb->role;
	put_le(out + 6, 0, 2);
	put_le(out + 8, hb->seq, 4);
	put_le(out + 12, hb->uptime_ms, 4);
	put_le(out + 16, hb->events, 8);
	put_le(out + 24, hb->count, 8);
	put_le(out + 32, hb->run_id, 8);
}

int ft_heartbeat_decode(const uint8_t *p, size_t len, struct ft_heartbeat *hb)
{
	if (len != FT_HEARTBEAT_SIZE || get_le(p, 4) != HB_MAGIC || p[4] != FT_PROTO_VERSION ||
	    p[5] > ROLE_MAX || get_le(p + 6, 2) != 0)
		return -1;
	hb->role = p[5];
	hb->seq = (uint32_t)get_le(p + 8, 4);
	hb->uptime_ms = (uint32_t)get_le(p + 12, 4);
	hb->events = get_le(p + 16, 8);
	hb->count = get_le(p + 24, 8);
	hb->run_id = get_le(p + 32, 8);
	return 0;
}
