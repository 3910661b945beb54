#include "tests/unit/fakes/fake_transport.h"

#include <string.h>

static int fake_send(void *ctx, enum ft_msg_type type, const void *payload, uint32_t len)
{
	struct fake_net *n = ctx;
	if (n->no_room || len > EVENT_LOG_BATCH_BYTES)
		return -1;
	struct fake_msg *m = &n->msgs[n->sent++ % FAKE_MSGS];
	m->type = type;
	m->len = len;
	memcpy(m->payload, payload, len);
	return 0;
}

static void fake_flush(void *ctx)
{
	((struct fake_net *)ctx)->flushes++;
}

static void fake_refuse(void *ctx)
{
	((struct fake_net *)ctx)->refused++;
}

static void fake_abort(void *ctx)
{
	((struct fake_net *)ctx)->aborted++;
}

static void fake_connect(void *ctx)
{
	((struct fake_net *)ctx)->connects++;
}

static void fake_heartbeat(void *ctx, const uint8_t *dgram, size_t len)
{
	struct fake_net *n = ctx;
	n->heartbeats++;
	memcpy(n->last_hb, dgram, len < sizeof(n->last_hb) ? len : sizeof(n->last_hb));
}

static uint64_t fake_now_us(void *ctx)
{
	return ((struct fake_net *)ctx)->now_us;
}

static const struct ft_transport_ops fake_ops = {
	.send = fake_send,
	.flush = fake_flush,
	.refuse = fake_refuse,
	.abort = fake_abort,
	.connect = fake_connect,
	.heartbeat = fake_heartbeat,
	.now_us = fake_now_us,
};

struct ft_transport fake_transport(struct fake_net *n)
{
	return (struct ft_transport){ &fake_ops, n };
}

const struct fake_msg *fake_sent(const struct fake_net *n, unsigned back)
{
	if (back >= n->sent || back >= FAKE_MSGS)
		return NULL;
	return &n->msgs[(n->sent - 1 - back) % FAKE_MSGS];
}
