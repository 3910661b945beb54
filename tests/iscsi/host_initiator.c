/*
 * The initiator of net/iscsi against a real target, from the host: the
 * same session code the hypervisor will run, over a POSIX socket instead of
 * lwIP. Logs in, runs TEST UNIT READY (unit attentions retried), INQUIRY
 * (standard, Block Limits, Device Identification), READ CAPACITY(16),
 * writes 1 MiB as four commands in flight at once and reads it back the
 * same way, comparing checksums, SYNCHRONIZE CACHE(16), REPORT SUPPORTED
 * OPERATION CODES, one COMPARE AND WRITE (its outcome reported: tgt refuses
 * it), persistent reservations (REGISTER AND IGNORE, RESERVE Write
 * Exclusive, READ KEYS / READ RESERVATION, RELEASE, unregister), Logout.
 *
 *   host_initiator [-d] [-u CHAP_NAME -s CHAP_SECRET] HOST PORT TARGET_IQN
 *     -d  offer CRC32C header and data digests
 *
 * Prints one line per step and "host_initiator: OK" at the end; exits 1
 * with the reason on the first failure. Every wait is bounded (10 s).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/cpu.h"
#include "hv/lib/crc32c.h"
#include "hv/lib/log.h"
#include "net/iscsi/iscsi_session.h"
#include "net/iscsi/scsi_cdb.h"
#include "net/iscsi/scsi_sense.h"

#define WAIT_MS 10000
#define IO_BYTES (1u << 20)
#define IO_PIECES 4
#define PR_KEY 0x66747669736f7231ull /* "ftvisor1" */

static int sock = -1;
static bool logged_in, logged_out, failed;

static void die(const char *what)
{
	printf("host_initiator: FAIL: %s\n", what);
	exit(1);
}

static int sock_send(void *ctx, const void *b, size_t n)
{
	(void)ctx;
	const uint8_t *p = b;
	while (n > 0) {
		ssize_t w = send(sock, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static uint64_t mono_ms(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_event(void *ctx, enum iscsi_event ev, const char *detail)
{
	(void)ctx;
	if (ev == ISCSI_EVENT_LOGGED_IN)
		logged_in = true;
	else if (ev == ISCSI_EVENT_LOGGED_OUT)
		logged_out = true;
	else if (ev == ISCSI_EVENT_FAILED) {
		failed = true;
		printf("session failed: %s\n", detail);
	}
}

static const struct iscsi_transport transport = { NULL, sock_send, mono_ms, on_event };
static struct iscsi_session sess;

/* Runs the connection until *flag or a failure; false on timeout or failure. */
static bool pump_until(const bool *flag)
{
	uint64_t end = mono_ms(NULL) + WAIT_MS;
	uint8_t buf[65536];
	while (!*flag && !failed) {
		if (mono_ms(NULL) >= end)
			return false;
		struct pollfd p = { sock, POLLIN, 0 };
		int r = poll(&p, 1, 200);
		if (r > 0) {
			ssize_t n = recv(sock, buf, sizeof(buf), 0);
			if (n <= 0)
				die("the target closed the connection");
			iscsi_session_receive(&sess, buf, (size_t)n);
		}
		iscsi_session_tick(&sess);
	}
	return *flag;
}

struct cmd {
	struct iscsi_task t;
	bool done;
};

static void cmd_done(struct iscsi_task *t)
{
	((struct cmd *)t->arg)->done = true;
}

static void cmd_prepare(struct cmd *c, uint8_t *buf, uint32_t len, bool write)
{
	memset(c, 0, sizeof(*c));
	c->t.lun = iscsi_lun(1);
	c->t.buf = buf;
	c->t.len = len;
	c->t.write = write;
	c->t.done = cmd_done;
	c->t.arg = c;
}

/* Sends one command and waits; retries unit attentions (not executed). */
static enum scsi_outcome run(struct cmd *c, const char *name)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		c->done = false;
		if (iscsi_session_submit(&sess, &c->t) != 0)
			die("submit refused");
		if (!pump_until(&c->done))
			die(name);
		if (c->t.result != ISCSI_TASK_OK)
			die("the task failed at the iSCSI level");
		struct scsi_sense s;
		enum scsi_outcome o = scsi_classify(c->t.status, c->t.sense, c->t.sense_len, &s);
		if (o != SCSI_OUTCOME_RETRY) {
			if (o != SCSI_OUTCOME_GOOD)
				printf("%s: %s (status 0x%02x, sense %x/%02x/%02x)\n", name, scsi_outcome_name(o),
				       c->t.status, s.key, s.asc, s.ascq);
			return o;
		}
		printf("%s: retried after sense %x/%02x/%02x\n", name, s.key, s.asc, s.ascq);
	}
	die("unit attentions without end");
	return SCSI_OUTCOME_ERROR;
}

static void run_good(struct cmd *c, const char *name)
{
	if (run(c, name) != SCSI_OUTCOME_GOOD)
		die(name);
}

static void connect_to(const char *host, int port)
{
	sock = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (sock < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1)
		die("bad address");
	if (connect(sock, (struct sockaddr *)&a, sizeof(a)) != 0)
		die("connect");
	int one = 1;
	setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void inquiries(void)
{
	static uint8_t d[255];
	struct cmd c;
	cmd_prepare(&c, d, 96, false);
	scsi_cdb_test_unit_ready(c.t.cdb);
	c.t.len = 0;
	c.t.buf = NULL;
	run_good(&c, "TEST UNIT READY");
	cmd_prepare(&c, d, 96, false);
	scsi_cdb_inquiry(c.t.cdb, false, 0, 96);
	run_good(&c, "INQUIRY");
	printf("INQUIRY: type %u, vendor '%.8s', product '%.16s'\n", d[0] & 0x1f, d + 8, d + 16);
	cmd_prepare(&c, d, 64, false);
	scsi_cdb_inquiry(c.t.cdb, true, SCSI_VPD_BLOCK_LIMITS, 64);
	struct scsi_block_limits bl;
	if (run(&c, "INQUIRY Block Limits") == SCSI_OUTCOME_GOOD && scsi_parse_block_limits(d, c.t.transferred, &bl))
		printf("Block Limits: max compare and write %u blocks, max transfer %u\n", bl.max_compare_write,
		       (unsigned)bl.max_transfer);
	cmd_prepare(&c, d, 255, false);
	scsi_cdb_inquiry(c.t.cdb, true, SCSI_VPD_DEVICE_ID, 255);
	run_good(&c, "INQUIRY Device Identification");
	const uint8_t *id;
	size_t idlen;
	if (scsi_find_designator(d, c.t.transferred, 3, &id, &idlen)) {
		printf("Device Identification: NAA ");
		for (size_t i = 0; i < idlen; i++)
			printf("%02x", id[i]);
		printf("\n");
	} else {
		printf("Device Identification: no NAA designator\n");
	}
}

static uint32_t capacity(void)
{
	uint8_t d[SCSI_READ_CAPACITY16_LEN];
	struct cmd c;
	cmd_prepare(&c, d, sizeof(d), false);
	scsi_cdb_read_capacity16(c.t.cdb);
	run_good(&c, "READ CAPACITY(16)");
	struct scsi_capacity cap;
	if (!scsi_parse_capacity16(d, c.t.transferred, &cap))
		die("READ CAPACITY(16) data");
	printf("READ CAPACITY(16): %llu blocks of %u bytes (%llu MiB)\n", (unsigned long long)cap.blocks,
	       cap.block_size, (unsigned long long)(cap.blocks * cap.block_size >> 20));
	if (cap.blocks * cap.block_size < IO_BYTES)
		die("the LUN is smaller than 1 MiB");
	return cap.block_size;
}

/* IO_PIECES commands in flight at once over IO_BYTES from LBA 0. */
static void io_all(uint8_t *buf, bool write, uint32_t block)
{
	struct cmd c[IO_PIECES];
	uint32_t piece = IO_BYTES / IO_PIECES;
	uint64_t t0 = mono_ms(NULL);
	for (unsigned i = 0; i < IO_PIECES; i++) {
		cmd_prepare(&c[i], buf + i * piece, piece, write);
		if (write)
			scsi_cdb_write16(c[i].t.cdb, (uint64_t)i * piece / block, piece / block, false);
		else
			scsi_cdb_read16(c[i].t.cdb, (uint64_t)i * piece / block, piece / block, false);
		if (iscsi_session_submit(&sess, &c[i].t) != 0)
			die("submit refused");
	}
	unsigned in_flight = iscsi_session_outstanding(&sess);
	for (unsigned i = 0; i < IO_PIECES; i++) {
		if (!pump_until(&c[i].done) || c[i].t.result != ISCSI_TASK_OK || c[i].t.status != 0)
			die(write ? "WRITE(16)" : "READ(16)");
		if (!write && c[i].t.transferred != piece)
			die("READ(16) came back short");
	}
	printf("%s(16): %u bytes in %u commands, %u in flight at once, %llu ms\n", write ? "WRITE" : "READ",
	       IO_BYTES, IO_PIECES, in_flight, (unsigned long long)(mono_ms(NULL) - t0));
}

static void data_round_trip(uint32_t block)
{
	static uint8_t out[IO_BYTES], in[IO_BYTES];
	uint64_t x = (uint64_t)mono_ms(NULL) * 0x9e3779b97f4a7c15ull | 1;
	for (size_t i = 0; i < sizeof(out); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		out[i] = (uint8_t)x;
	}
	io_all(out, true, block);
	struct cmd c;
	cmd_prepare(&c, NULL, 0, false);
	scsi_cdb_sync_cache16(c.t.cdb, 0, 0);
	run_good(&c, "SYNCHRONIZE CACHE(16)");
	io_all(in, false, block);
	uint32_t wsum = crc32c(out, sizeof(out)), rsum = crc32c(in, sizeof(in));
	printf("1 MiB written crc32c %08x, read back crc32c %08x\n", wsum, rsum);
	if (wsum != rsum || memcmp(in, out, sizeof(in)) != 0)
		die("read-back data differ");
}

static void opcodes_and_caw(uint32_t block)
{
	static uint8_t d[8192];
	struct cmd c;
	cmd_prepare(&c, d, sizeof(d), false);
	scsi_cdb_report_opcodes(c.t.cdb, 0, 0, 0, sizeof(d));
	if (run(&c, "REPORT SUPPORTED OPERATION CODES") == SCSI_OUTCOME_GOOD && c.t.transferred >= 4) {
		uint32_t n = (uint32_t)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3];
		bool caw = false;
		for (uint32_t at = 4; at + 8 <= 4 + n && at + 8 <= c.t.transferred; at += (d[at + 5] & 2) ? 20 : 8)
			caw |= d[at] == SCSI_OP_COMPARE_AND_WRITE;
		printf("REPORT SUPPORTED OPERATION CODES: %u bytes, COMPARE AND WRITE %s\n", (unsigned)n,
		       caw ? "listed" : "not listed");
	}
	/* Compare block 0 with what is there, write it back unchanged: the
	 * outcome shows whether the target really does COMPARE AND WRITE. */
	static uint8_t blk[2 * 4096];
	cmd_prepare(&c, blk, block, false);
	scsi_cdb_read16(c.t.cdb, 0, 1, false);
	run_good(&c, "READ(16) of block 0");
	memcpy(blk + block, blk, block);
	cmd_prepare(&c, blk, 2 * block, true);
	scsi_cdb_compare_and_write(c.t.cdb, 0, 1);
	printf("COMPARE AND WRITE: %s\n", scsi_outcome_name(run(&c, "COMPARE AND WRITE")));
}

static void pr_out(enum scsi_pr_out_action a, uint64_t key, uint64_t sa_key, const char *name)
{
	static uint8_t pl[SCSI_PR_OUT_PARAM_LEN];
	struct cmd c;
	scsi_pr_out_params(pl, key, sa_key);
	cmd_prepare(&c, pl, sizeof(pl), true);
	scsi_cdb_pr_out(c.t.cdb, a, SCSI_PR_SCOPE_LU, a == SCSI_PR_RESERVE || a == SCSI_PR_RELEASE ?
						      SCSI_PR_TYPE_WRITE_EXCLUSIVE : 0);
	run_good(&c, name);
	printf("%s: GOOD\n", name);
}

static struct scsi_pr_reservation read_reservation(void)
{
	static uint8_t d[64];
	struct cmd c;
	cmd_prepare(&c, d, sizeof(d), false);
	scsi_cdb_pr_in(c.t.cdb, SCSI_PR_READ_RESERVATION, sizeof(d));
	run_good(&c, "READ RESERVATION");
	struct scsi_pr_reservation r;
	if (!scsi_parse_pr_reservation(d, c.t.transferred, &r))
		die("READ RESERVATION data");
	return r;
}

static void reservations(void)
{
	pr_out(SCSI_PR_REGISTER_AND_IGNORE, 0, PR_KEY, "REGISTER AND IGNORE EXISTING KEY");
	static uint8_t d[256];
	struct cmd c;
	cmd_prepare(&c, d, sizeof(d), false);
	scsi_cdb_pr_in(c.t.cdb, SCSI_PR_READ_KEYS, sizeof(d));
	run_good(&c, "READ KEYS");
	uint32_t gen;
	uint64_t keys[8];
	size_t n;
	bool mine = false;
	if (!scsi_parse_pr_keys(d, c.t.transferred, &gen, keys, 8, &n))
		die("READ KEYS data");
	for (size_t i = 0; i < n && i < 8; i++)
		mine |= keys[i] == PR_KEY;
	printf("READ KEYS: generation %u, %zu key(s), ours %s\n", (unsigned)gen, n, mine ? "present" : "MISSING");
	if (!mine)
		die("our key is not registered");
	pr_out(SCSI_PR_RESERVE, PR_KEY, 0, "RESERVE (Write Exclusive)");
	struct scsi_pr_reservation r = read_reservation();
	printf("READ RESERVATION: %s, key %llx, type %u\n", r.held ? "held" : "none", (unsigned long long)r.key,
	       r.type);
	if (!r.held || r.key != PR_KEY || r.type != SCSI_PR_TYPE_WRITE_EXCLUSIVE)
		die("the reservation is not ours");
	pr_out(SCSI_PR_RELEASE, PR_KEY, 0, "RELEASE");
	pr_out(SCSI_PR_REGISTER, PR_KEY, 0, "REGISTER key 0 (unregister)");
	if (read_reservation().held)
		die("a reservation is left after RELEASE");
}

/* The console's timestamps count from here; the TSC rate measured over 20 ms. */
static void start_log_clock(void)
{
	uint64_t t0 = cpu_rdtsc(), m0 = mono_ms(NULL);
	usleep(20000);
	uint64_t ticks = cpu_rdtsc() - t0, ms = mono_ms(NULL) - m0;
	log_init(t0, ms ? ticks / ms * 1000 : 1);
}

int main(int argc, char **argv)
{
	start_log_clock();
	struct iscsi_config cfg = { 0 };
	iscsi_session_default_offer(&cfg.offer);
	int opt;
	while ((opt = getopt(argc, argv, "du:s:")) != -1) {
		if (opt == 'd')
			cfg.offer.header_digest = cfg.offer.data_digest = true;
		else if (opt == 'u')
			cfg.chap_name = optarg;
		else if (opt == 's')
			cfg.chap_secret = optarg;
		else
			die("usage: host_initiator [-d] [-u NAME -s SECRET] HOST PORT TARGET_IQN");
	}
	if (argc - optind != 3)
		die("usage: host_initiator [-d] [-u NAME -s SECRET] HOST PORT TARGET_IQN");
	cfg.initiator_name = "iqn.2026-12.org.ftvisor:host-initiator";
	cfg.target_name = argv[optind + 2];
	iscsi_isid_derive(cfg.initiator_name, strlen(cfg.initiator_name), cfg.isid);
	cfg.login_timeout_ms = WAIT_MS;
	cfg.nop_interval_ms = 2000;
	cfg.nop_timeout_ms = 5000;
	connect_to(argv[optind], atoi(argv[optind + 1]));
	iscsi_session_init(&sess, &cfg, &transport);
	uint64_t t0 = mono_ms(NULL);
	iscsi_session_start(&sess);
	if (!pump_until(&logged_in))
		die("login");
	printf("login: full feature phase in %llu ms, TSIH %u, digests %s\n",
	       (unsigned long long)(mono_ms(NULL) - t0), sess.tsih, sess.params.header_digest ? "CRC32C" : "None");
	inquiries();
	uint32_t block = capacity();
	data_round_trip(block);
	opcodes_and_caw(block);
	reservations();
	iscsi_session_logout(&sess);
	if (!pump_until(&logged_out))
		die("logout");
	printf("host_initiator: %llu PDUs in, %llu out; OK\n", (unsigned long long)sess.stats.pdus_in,
	       (unsigned long long)sess.stats.pdus_out);
	close(sock);
	return 0;
}
