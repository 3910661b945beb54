#include "hv/storage/disk.h"

#include <stdio.h>
#include <string.h>

#include "hv/lib/log.h"
#include "net/iscsi/scsi_cdb.h"
#include "net/iscsi/scsi_sense.h"
#include "net/iscsi_lwip.h"
#include "net/net.h"

#define UNIT_ATTENTION_RETRIES 8
#define INQUIRY_LEN 96

enum disk_lun_state {
	LUN_UNKNOWN,            /* no session yet, or lost */
	LUN_CHECKING,           /* the probe runs */
	LUN_READY,
	LUN_REFUSED,            /* the probe failed: said on the console */
};

enum probe_step { STEP_TEST_UNIT_READY, STEP_INQUIRY, STEP_READ_CAPACITY };

static struct {
	bool on;
	char where[24];                 /* ADDR:PORT */
	char initiator[FTV_CONFIG_STR_MAX];
	const struct ftv_config *cfg;
	struct iscsi_link link;
	enum disk_lun_state lun;
	enum probe_step step;
	unsigned retries;
	struct iscsi_task task;
	uint8_t data[INQUIRY_LEN];
	uint64_t submitted_us;
	struct scsi_capacity cap;
	char vendor[9], product[17];
	/* figures */
	uint64_t completed, errors;
	uint64_t last_latency_us;
	uint32_t failed_attempts;       /* connection attempts in a row that failed */
	char last_error[160];
} disk;

static void probe_submit(enum probe_step step);

static const char *lun_state_name(enum disk_lun_state st)
{
	static const char *const names[] = { "unknown", "being checked", "ready", "refused" };
	return names[st];
}

static void lun_refused(const char *fmt, const char *what)
{
	snprintf(disk.last_error, sizeof(disk.last_error), fmt, what);
	log_error("storage", "LUN %u: %s", DISK_LUN, disk.last_error);
	disk.lun = LUN_REFUSED;
}

static void copy_trimmed(char *out, const uint8_t *in, size_t n)
{
	memcpy(out, in, n);
	out[n] = 0;
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = 0;
}

/* One probe command came back: the next one, a retry, or the verdict. */
static void probe_done(struct iscsi_task *t)
{
	disk.last_latency_us = log_uptime_us() - disk.submitted_us;
	disk.completed++;
	if (t->result == ISCSI_TASK_SESSION_LOST)
		return; /* the link reconnects and the probe starts over */
	static const char *const names[] = { "TEST UNIT READY", "INQUIRY", "READ CAPACITY(16)" };
	const char *name = names[disk.step];
	if (t->result != ISCSI_TASK_OK) {
		disk.errors++;
		lun_refused("%s failed at the iSCSI level", name);
		return;
	}
	struct scsi_sense s;
	enum scsi_outcome o = scsi_classify(t->status, t->sense, t->sense_len, &s);
	if (o == SCSI_OUTCOME_RETRY && disk.retries++ < UNIT_ATTENTION_RETRIES) {
		log_info("storage", "%s: retried after sense %x/%02x/%02x", name, s.key, s.asc, s.ascq);
		probe_submit(disk.step);
		return;
	}
	if (o != SCSI_OUTCOME_GOOD) {
		disk.errors++;
		char what[96];
		snprintf(what, sizeof(what), "%s: %s (status 0x%02x, sense %x/%02x/%02x)", name,
			 scsi_outcome_name(o), t->status, s.key, s.asc, s.ascq);
		lun_refused("%s", what);
		return;
	}
	switch (disk.step) {
	case STEP_TEST_UNIT_READY:
		probe_submit(STEP_INQUIRY);
		break;
	case STEP_INQUIRY:
		if (t->transferred < 36) {
			lun_refused("%s: short standard data", name);
			return;
		}
		copy_trimmed(disk.vendor, disk.data + 8, 8);
		copy_trimmed(disk.product, disk.data + 16, 16);
		log_info("storage", "LUN %u: device type %u, vendor '%s', product '%s'", DISK_LUN,
			 disk.data[0] & 0x1f, disk.vendor, disk.product);
		probe_submit(STEP_READ_CAPACITY);
		break;
	case STEP_READ_CAPACITY:
		if (!scsi_parse_capacity16(disk.data, t->transferred, &disk.cap)) {
			lun_refused("%s: data not understood", name);
			return;
		}
		disk.lun = LUN_READY;
		log_info("storage", "LUN %u: %llu blocks of %u bytes (%llu MiB)", DISK_LUN,
			 (unsigned long long)disk.cap.blocks, disk.cap.block_size,
			 (unsigned long long)(disk.cap.blocks * disk.cap.block_size >> 20));
		break;
	}
}

static void probe_submit(enum probe_step step)
{
	struct iscsi_task *t = &disk.task;
	if (step != disk.step)
		disk.retries = 0;
	disk.step = step;
	memset(t, 0, sizeof(*t));
	t->lun = iscsi_lun(DISK_LUN);
	t->done = probe_done;
	switch (step) {
	case STEP_TEST_UNIT_READY:
		scsi_cdb_test_unit_ready(t->cdb);
		break;
	case STEP_INQUIRY:
		scsi_cdb_inquiry(t->cdb, false, 0, INQUIRY_LEN);
		t->buf = disk.data;
		t->len = INQUIRY_LEN;
		break;
	case STEP_READ_CAPACITY:
		scsi_cdb_read_capacity16(t->cdb);
		t->buf = disk.data;
		t->len = SCSI_READ_CAPACITY16_LEN;
		break;
	}
	disk.submitted_us = log_uptime_us();
	if (iscsi_session_submit(iscsi_link_session(&disk.link), t) != 0) {
		disk.errors++;
		lun_refused("the session refused the command (%s)", "not logged in or full");
	}
}

static void on_up(void *ctx)
{
	(void)ctx;
	const struct iscsi_session *s = iscsi_link_session(&disk.link);
	const uint8_t *i = s->cfg.isid;
	disk.failed_attempts = 0;
	log_info("storage",
		 "logged in to %s at %s (ISID %02x%02x%02x%02x%02x%02x, digests %s/%s, MaxBurst %u)",
		 disk.cfg->storage_iqn, disk.where, i[0], i[1], i[2], i[3], i[4], i[5],
		 s->params.header_digest ? "CRC32C" : "none", s->params.data_digest ? "CRC32C" : "none",
		 (unsigned)s->params.max_burst);
	disk.lun = LUN_CHECKING;
	disk.step = STEP_TEST_UNIT_READY;
	disk.retries = 0;
	probe_submit(STEP_TEST_UNIT_READY);
}

static void on_down(void *ctx, const char *why, bool was_up, uint32_t retry_ms)
{
	(void)ctx;
	snprintf(disk.last_error, sizeof(disk.last_error), "%s", why);
	disk.lun = LUN_UNKNOWN;
	if (was_up) {
		log_warn("storage", "session with %s at %s lost (%s); reconnecting in %u ms",
			 disk.cfg->storage_iqn, disk.where, why, (unsigned)retry_ms);
		return;
	}
	disk.failed_attempts++;
	log_warn("storage", "cannot reach %s at %s (%s); retrying in %u ms (attempt %u)",
		 disk.cfg->storage_iqn, disk.where, why, (unsigned)retry_ms, disk.failed_attempts);
}

void disk_start(const struct ftv_config *cfg)
{
	const struct config_endpoint *ep = &cfg->storage_target;
	const uint8_t *mac = net_mac();
	if (!ep->ip)
		return;
	if (!mac) {
		log_error("storage", "storage.target is set but the network is off: no shared disk");
		return;
	}
	disk.cfg = cfg;
	disk.on = true;
	uint16_t port = ep->port ? (uint16_t)ep->port : DISK_DEFAULT_PORT;
	snprintf(disk.where, sizeof(disk.where), "%u.%u.%u.%u:%u", ep->ip >> 24, ep->ip >> 16 & 0xff,
		 ep->ip >> 8 & 0xff, ep->ip & 0xff, port);
	if (cfg->storage_initiator[0])
		snprintf(disk.initiator, sizeof(disk.initiator), "%s", cfg->storage_initiator);
	else
		snprintf(disk.initiator, sizeof(disk.initiator),
			 "iqn.2026-12.org.ftvisor:%02x%02x%02x%02x%02x%02x", mac[0], mac[1], mac[2],
			 mac[3], mac[4], mac[5]);

	struct iscsi_config ic = {
		.initiator_name = disk.initiator,
		.target_name = cfg->storage_iqn,
		.chap_name = cfg->storage_chap_secret[0] ? cfg->storage_chap_user : NULL,
		.chap_secret = cfg->storage_chap_secret[0] ? cfg->storage_chap_secret : NULL,
		.login_timeout_ms = 10000,
		.nop_interval_ms = 5000,
		.nop_timeout_ms = 10000,
	};
	/* The MAC is this server's own: two servers never share an ISID, and
	 * reboots and reconnects keep it. */
	iscsi_isid_derive(mac, 6, ic.isid);
	iscsi_session_default_offer(&ic.offer);
	static const struct iscsi_link_ops ops = { NULL, on_up, on_down };
	log_info("storage", "connecting to %s at %s as %s", cfg->storage_iqn, disk.where, disk.initiator);
	iscsi_link_start(&disk.link, &ic, ep->ip, port, &ops);
}

void disk_print_status(void)
{
	if (!disk.on) {
		console_printf("no shared disk (set storage.target and storage.iqn)\n");
		return;
	}
	const struct iscsi_link *l = &disk.link;
	const struct iscsi_session *s = &l->sess;
	console_printf("target %s at %s, initiator %s\n", disk.cfg->storage_iqn, disk.where,
		       disk.initiator);
	console_printf("  connection: %s; session: %s\n", iscsi_link_state_name(l->state),
		       iscsi_session_state_name(s->state));
	if (disk.lun == LUN_READY)
		console_printf("  LUN %u: ready, %llu blocks of %u bytes (%llu MiB), '%s' '%s'\n", DISK_LUN,
			       (unsigned long long)disk.cap.blocks, disk.cap.block_size,
			       (unsigned long long)(disk.cap.blocks * disk.cap.block_size >> 20),
			       disk.vendor, disk.product);
	else
		console_printf("  LUN %u: %s\n", DISK_LUN, lun_state_name(disk.lun));
	console_printf("  commands: %u in flight, %llu completed, %llu errors; last latency %llu us\n",
		       l->state == ISCSI_LINK_UP ? iscsi_session_outstanding(s) : 0,
		       (unsigned long long)disk.completed, (unsigned long long)disk.errors,
		       (unsigned long long)disk.last_latency_us);
	console_printf("  connections: %u attempts, %u logins, %u reconnects after a lost session; "
		       "send queue peak %zu bytes\n",
		       l->stats.attempts, l->stats.logins, l->stats.lost, l->stats.sendq_peak);
	if (disk.last_error[0])
		console_printf("  last error: %s\n", disk.last_error);
}
