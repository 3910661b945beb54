/*
 * libFuzzer target for the config file parser (hv/lib/config.c): the
 * input is ftvisor.cfg, read from an exactly-sized buffer. What parses
 * holds NUL-terminated strings and choices within their lists; what is
 * refused names a line of the file and says why. Two rewrites that must not
 * change the meaning are checked too: a comment line appended gives the same
 * configuration (or the same error), a blank line put first gives the same
 * configuration (or the same error one line later). Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/lib/config.h"
#include "tests/fuzz/fuzz_check.h"

#define MAX_TEXT 8192

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_config", what);
}

static int parse(const char *prefix, const uint8_t *data, size_t size, const char *suffix,
		 struct ftv_config *cfg, struct config_error *err)
{
	size_t p = strlen(prefix), s = strlen(suffix), len = p + size + s;
	char *text = malloc(len ? len : 1);
	if (!text)
		abort();
	memcpy(text, prefix, p);
	memcpy(text + p, data, size);
	memcpy(text + p + size, suffix, s);
	int rc = config_parse(text, len, cfg, err);
	free(text);
	return rc;
}

static int terminated(const char *s)
{
	return memchr(s, 0, FTV_CONFIG_STR_MAX) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ftv_config cfg, other;
	struct config_error err, err2;
	if (size > MAX_TEXT)
		return 0;
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';

	int rc = parse("", data, size, "", &cfg, &err);
	if (rc == 0) {
		check(terminated(cfg.guest_image) && terminated(cfg.guest_cmdline) &&
			      terminated(cfg.console_autorun),
		      "a string value is not NUL-terminated");
		check(cfg.log_level <= LOG_DEBUG && cfg.on_stop <= STOP_ACTION_POWEROFF &&
			      cfg.net_bench <= NET_BENCH_SEND && cfg.ft_role <= FT_ROLE_BACKUP &&
			      cfg.net_irq <= NET_IRQ_OFF && cfg.replay_dump <= 1,
		      "a choice outside its list");
		check(cfg.guest_ram_mb >= 2 && cfg.heap_mb >= 8 && cfg.net_bench_mb <= 4096,
		      "a number outside its range");
	} else {
		check(rc == -1, "config_parse returned neither 0 nor -1");
		check(err.line >= 1 && err.line <= lines, "the error names no line of the file");
		check(fuzz_said_why(err.message, sizeof(err.message)), "refused without a reason");
	}

	int rc2 = parse("", data, size, "\n# appended comment\n", &other, &err2);
	check(rc2 == rc, "an appended comment changes the verdict");
	check(rc ? err2.line == err.line && strcmp(err2.message, err.message) == 0
		 : memcmp(&cfg, &other, sizeof(cfg)) == 0,
	      "an appended comment changes the result");

	rc2 = parse("\n", data, size, "", &other, &err2);
	check(rc2 == rc, "a blank first line changes the verdict");
	check(rc ? err2.line == err.line + 1 && strcmp(err2.message, err.message) == 0
		 : memcmp(&cfg, &other, sizeof(cfg)) == 0,
	      "a blank first line changes the result");
	return 0;
}
