/*
 * The shared disk's service: with storage.target and storage.iqn set, keeps
 * an iSCSI session to the target (net/iscsi_lwip.h: reconnects with
 * backoff) and, after every login, checks LUN 1: TEST UNIT READY (unit
 * attentions retried), INQUIRY, READ CAPACITY(16). Runs inside net_poll()
 * (lwIP's timers and callbacks): boot never waits for it.
 */
#ifndef FTV_STORAGE_DISK_H
#define FTV_STORAGE_DISK_H

#include "hv/lib/config.h"

#define DISK_DEFAULT_PORT 3260
#define DISK_LUN 1

/* Starts the service when the config names a target (the network must be
 * up); says nothing and does nothing otherwise. */
void disk_start(const struct ftv_config *cfg);

/* The 'disk' console command. */
void disk_print_status(void);

#endif
