/*
 * One iSCSI session over one connection (RFC 7143), as a state machine over
 * an abstract byte stream: the caller hands in received bytes (any
 * chunking) and the time, the session sends through transport->send and
 * reports through transport->event and each task's done callback. No lwIP
 * and no globals here: the lwIP glue is a later step.
 *
 * Login: security stage (AuthMethod None, or CHAP with MD5 when a secret is
 * configured), operational stage (every key offered, see iscsi_keys.h),
 * then the full feature phase: tasks with their own tags, the
 * CmdSN/ExpCmdSN/MaxCmdSN window (commands wait in a queue while it is
 * closed, several are in flight), Data-In into the task's buffer, R2T
 * answered with Data-Out, immediate and unsolicited data where negotiated,
 * SCSI Response with sense, NOP-In answered, NOP-Out as keep-alive, Async
 * Message and Reject logged and acted on, Logout.
 *
 * ErrorRecoveryLevel 0: any protocol error fails the session; its tasks are
 * completed with ISCSI_TASK_SESSION_LOST.
 * NOT YET (the reconnect step): keeping those tasks for reissue on a new
 * connection (reads and writes are idempotent; a COMPARE AND WRITE must not
 * be reissued blindly: re-read the block instead), per-command timeouts
 * (only the keep-alive detects a silent target now), and mutual CHAP.
 * transport->send must take every byte it is given (the lwIP glue queues).
 */
#ifndef FTV_ISCSI_SESSION_H
#define FTV_ISCSI_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/iscsi/iscsi_frame.h"
#include "net/iscsi/iscsi_isid.h"
#include "net/iscsi/iscsi_keys.h"

#define ISCSI_SESSION_MAX_DSL 65536   /* our MaxRecvDataSegmentLength, and the largest PDU we send */
#define ISCSI_SESSION_MAX_TASKS 32    /* in flight or queued */
#define ISCSI_LOGIN_TEXT_MAX 16384    /* a login response's keys, all its PDUs together */
#define ISCSI_SENSE_MAX 252

enum iscsi_event {
	ISCSI_EVENT_LOGGED_IN,        /* full feature phase: tasks may be submitted */
	ISCSI_EVENT_FAILED,           /* detail: why; the connection must be dropped */
	ISCSI_EVENT_LOGGED_OUT,
	ISCSI_EVENT_LOGOUT_REQUESTED, /* Async Message 1: call iscsi_session_logout soon */
};

struct iscsi_transport {
	void *ctx;
	/* Queues len bytes to the target; 0, or -1 when the connection is gone. */
	int (*send)(void *ctx, const void *bytes, size_t len);
	uint64_t (*now_ms)(void *ctx);
	void (*event)(void *ctx, enum iscsi_event ev, const char *detail);
};

struct iscsi_config {
	const char *initiator_name;
	const char *target_name;
	uint8_t isid[ISCSI_ISID_SIZE];
	const char *chap_name, *chap_secret; /* chap_secret NULL: AuthMethod=None */
	struct iscsi_params offer;           /* see iscsi_session_default_offer */
	uint32_t login_timeout_ms;
	uint32_t nop_interval_ms;            /* idle time before a NOP-Out; 0: none */
	uint32_t nop_timeout_ms;             /* NOP-In wait before the session fails */
};

/* What the initiator offers unless told otherwise: digests off, InitialR2T=No,
 * ImmediateData=Yes, bursts of 256 KiB / 64 KiB, ERL 0, one connection. */
void iscsi_session_default_offer(struct iscsi_params *p);

enum iscsi_task_result {
	ISCSI_TASK_OK = 0,            /* the SCSI status (and sense) are valid */
	ISCSI_TASK_TARGET_FAILURE,    /* SCSI Response's response field not 0 */
	ISCSI_TASK_REJECTED,          /* the target sent Reject for the command */
	ISCSI_TASK_SHORT_DATA,        /* GOOD, but fewer Data-In bytes came than the residual accounts for */
	ISCSI_TASK_SESSION_LOST,      /* the session failed with the task in flight */
};

/* A SCSI command, owned by the caller until done() runs. */
struct iscsi_task {
	/* in */
	uint8_t cdb[16];
	uint64_t lun;                 /* as the BHS carries it: iscsi_lun(n) */
	uint8_t *buf;                 /* read: filled; write: sent */
	uint32_t len;                 /* bytes expected (read) or to send (write) */
	bool write;
	void (*done)(struct iscsi_task *t);
	void *arg;
	/* out */
	enum iscsi_task_result result;
	uint8_t status;
	uint8_t sense[ISCSI_SENSE_MAX];
	uint32_t sense_len;
	uint32_t residual;            /* valid with underflow / overflow */
	bool underflow, overflow;
	uint32_t transferred;         /* Data-In bytes placed (reads) */
	/* the session's */
	uint32_t itt, cmd_sn;
	uint32_t next_data_sn;        /* Data-In expected */
	uint32_t next_r2t_sn;
	struct iscsi_task *next;      /* the queue of commands waiting for the window */
};

/* Single-level LUN addressing (SAM-5 4.7) for LUNs below 256. */
static inline uint64_t iscsi_lun(unsigned n)
{
	return (uint64_t)(n & 0xff) << 48;
}

enum iscsi_session_state {
	ISCSI_SESSION_IDLE,
	ISCSI_SESSION_SECURITY,
	ISCSI_SESSION_OPERATIONAL,
	ISCSI_SESSION_FULL_FEATURE,
	ISCSI_SESSION_LOGGING_OUT,
	ISCSI_SESSION_LOGGED_OUT,
	ISCSI_SESSION_FAILED,
};

/* Where the security stage is. */
enum iscsi_auth_step { AUTH_OFFERED, AUTH_CHAP_ALGORITHM, AUTH_CHAP_RESPONSE, AUTH_DONE };

struct iscsi_session_stats {
	uint64_t pdus_in, pdus_out, bytes_in, bytes_out;
	uint32_t nops_answered, keepalives, async_events, rejects;
};

struct iscsi_session {
	struct iscsi_config cfg;
	const struct iscsi_transport *tr;
	enum iscsi_session_state state;
	char error[160];

	/* login */
	enum iscsi_auth_step auth;
	struct iscsi_neg neg;
	unsigned login_exchanges;
	uint64_t login_started_ms;
	uint8_t login_text[ISCSI_LOGIN_TEXT_MAX];
	size_t login_text_len;
	uint16_t tsih;
	struct iscsi_params params;   /* negotiated (valid from the full feature phase) */

	/* sequence numbers (serial arithmetic, RFC 1982) */
	uint32_t cmd_sn, exp_cmd_sn, max_cmd_sn, exp_stat_sn;

	/* tasks */
	struct iscsi_task *slots[ISCSI_SESSION_MAX_TASKS];
	uint32_t tag_generation;
	struct iscsi_task *queue_head, *queue_tail;

	/* keep-alive */
	uint64_t last_rx_ms, nop_sent_ms;
	bool nop_outstanding;
	uint32_t nop_itt;

	struct iscsi_session_stats stats;
	struct iscsi_rx rx;
	uint8_t rx_data[ISCSI_FRAME_DATA_ROOM(ISCSI_SESSION_MAX_DSL)];
	uint8_t tx[ISCSI_BHS_SIZE + ISCSI_DIGEST_SIZE + ISCSI_FRAME_DATA_ROOM(ISCSI_SESSION_MAX_DSL)];
};

/* Sets up a session (cfg is copied; its strings must outlive the session). */
void iscsi_session_init(struct iscsi_session *s, const struct iscsi_config *cfg,
			const struct iscsi_transport *tr);
/* The connection is up: sends the first Login Request. */
void iscsi_session_start(struct iscsi_session *s);
/* Bytes from the target, in any chunking. */
void iscsi_session_receive(struct iscsi_session *s, const uint8_t *bytes, size_t len);
/* Timers: login timeout, keep-alive. Call every few hundred ms. */
void iscsi_session_tick(struct iscsi_session *s);
/* Queues a command (full feature phase only): 0, or -1 (not logged in,
 * every tag in use, a length the session cannot carry). */
int iscsi_session_submit(struct iscsi_session *s, struct iscsi_task *t);
/* Closes the session (Logout Request, reason 0). */
void iscsi_session_logout(struct iscsi_session *s);
/* Commands in flight or queued. */
unsigned iscsi_session_outstanding(const struct iscsi_session *s);
const char *iscsi_session_state_name(enum iscsi_session_state st);

/* ---- between the session's files (iscsi_session.c, iscsi_login.c) ---- */
void iscsi_session_fail(struct iscsi_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int iscsi_session_send(struct iscsi_session *s, const struct iscsi_pdu *p, const void *data, uint32_t len);
void iscsi_session_take_sns(struct iscsi_session *s, const struct iscsi_pdu *p, bool advances_stat_sn);
void iscsi_login_send_first(struct iscsi_session *s);
void iscsi_login_response(struct iscsi_session *s, const struct iscsi_pdu *p, const uint8_t *data);

#endif
