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

struct ftv_config {
	char guest_image[FTV_CONFIG_STR_MAX];
	char guest_cmdline[FTV_CONFIG_STR_MAX];
	uint64_t guest_ram_mb;
	uint64_t heap_mb;
	uint64_t timer_slice;         /* max guest time between forced exits, preemption-timer ticks */
	uint32_t log_level;           /* enum log_level */
	uint32_t on_stop;       /* enum stop_action */
	char console_autorun[FTV_CONFIG_STR_MAX];
};

struct config_error {
	unsigned line;                /* 0: not tied to a line */
	char message[160];
};

/* Fills *out with defaults, then the file's values. 0 on success. */
int config_parse(const char *text, size_t len, struct ftv_config *out, struct config_error *err);

void config_defaults(struct ftv_config *out);

#endif
