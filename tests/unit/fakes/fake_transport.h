/*
 * A transport for hv/ft/ft_roles.c in host tests: a clock the test sets,
 * and a record of everything the roles did to the network (messages
 * queued, channels closed, connections started, heartbeats sent).
 */
#ifndef FTV_TEST_FAKE_TRANSPORT_H
#define FTV_TEST_FAKE_TRANSPORT_H

#include <stdint.h>

#include "hv/eventlog/event_log.h"
#include "hv/ft/ft_roles.h"

#define FAKE_MSGS 16

struct fake_msg {
	enum ft_msg_type type;
	uint32_t len;
	uint8_t payload[EVENT_LOG_BATCH_BYTES];
};

struct fake_net {
	uint64_t now_us;
	int no_room;                  /* sends fail (a full TCP window) */
	uint64_t sent;                /* messages queued; the last FAKE_MSGS kept */
	struct fake_msg msgs[FAKE_MSGS];
	int refused, aborted, connects, flushes;
	uint64_t heartbeats;
	uint8_t last_hb[FT_HEARTBEAT_SIZE];
};

struct ft_transport fake_transport(struct fake_net *n);
/* The message queued 'back' messages ago (0: the last), or NULL. */
const struct fake_msg *fake_sent(const struct fake_net *n, unsigned back);

#endif
