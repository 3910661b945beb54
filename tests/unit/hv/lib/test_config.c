/*
 * hv/config.c: the ftvisor.cfg parser. Every call parses a heap copy of
 * the text with no terminating NUL, so ASan reports any read past 'len'.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/config.h"

static int parse_n(const char *text, size_t len, struct ftv_config *c, struct config_error *e)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	int rc = config_parse(copy, len, c, e);
	free(copy);
	return rc;
}

static int parse(const char *text, struct ftv_config *c, struct config_error *e)
{
	return parse_n(text, strlen(text), c, e);
}

/* A failing parse must name the line and say something specific (a rule
 * between keys names the line of the key that breaks it). */
static void expect_error(const char *text, unsigned line, const char *word)
{
	struct ftv_config c;
	struct config_error e;
	assert_int_equal(parse(text, &c, &e), -1);
	assert_int_equal(e.line, line);
	if (!strstr(e.message, word))
		fail_msg("message \"%s\" lacks \"%s\"", e.message, word);
}

/* The documented defaults, and an empty file yields exactly them. */
static void test_defaults_and_empty_file(void **state)
{
	(void)state;
	struct ftv_config d, c;
	struct config_error e;
	config_defaults(&d);
	assert_string_equal(d.guest_image, FTV_CONFIG_DEFAULT_GUEST_IMAGE);
	assert_string_equal(d.guest_cmdline, "");
	assert_int_equal(d.guest_ram_mb, 64);
	assert_int_equal(d.heap_mb, 32);
	assert_int_equal(d.timer_slice, 1000000);
	assert_int_equal(d.log_level, LOG_INFO);
	assert_int_equal(d.on_stop, STOP_ACTION_CONSOLE);
	assert_string_equal(d.console_autorun, "");

	memset(&c, 0xa5, sizeof(c));
	memset(&e, 0xa5, sizeof(e));
	assert_int_equal(parse_n("", 0, &c, &e), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	assert_int_equal(e.line, 0);
	assert_string_equal(e.message, "");
}

/* Every key is accepted and lands in its own field. */
static void test_every_key(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	const char *text = "guest.image = \\EFI\\g.bin\n"
			   "guest.cmdline = quiet mode=2\n"
			   "guest.ram_mb = 128\n"
			   "hv.heap_mb = 64\n"
			   "hv.timer_slice = 5000\n"
			   "log.level = debug\n"
			   "hv.on_stop = poweroff\n"
			   "console.autorun = stats; quit\n";
	assert_int_equal(parse(text, &c, &e), 0);
	assert_string_equal(c.guest_image, "\\EFI\\g.bin");
	assert_string_equal(c.guest_cmdline, "quiet mode=2");
	assert_int_equal(c.guest_ram_mb, 128);
	assert_int_equal(c.heap_mb, 64);
	assert_int_equal(c.timer_slice, 5000);
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_int_equal(c.on_stop, STOP_ACTION_POWEROFF);
	assert_string_equal(c.console_autorun, "stats; quit");
}

/* Comments, blank lines and surrounding blanks are ignored; inner blanks of a
 * string value are kept; a last line without '\n' still counts. */
static void test_comments_and_whitespace(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	const char *text = "# ftvisor.cfg\n"
			   "\n"
			   "   \t \n"
			   "  # indented comment = not a key\n"
			   "\tguest.ram_mb\t=\t96   # trailing comment\n"
			   "guest.cmdline =   a  b   \n"
			   "log.level=warn";
	assert_int_equal(parse(text, &c, &e), 0);
	assert_int_equal(c.guest_ram_mb, 96);
	assert_string_equal(c.guest_cmdline, "a  b");
	assert_int_equal(c.log_level, LOG_WARN);
}

/* Values may contain '=', may be empty; '#' always starts a comment. */
static void test_value_edge_cases(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	assert_int_equal(parse("guest.cmdline = a=b c=d\n", &c, &e), 0);
	assert_string_equal(c.guest_cmdline, "a=b c=d");
	assert_int_equal(parse("guest.cmdline =\n", &c, &e), 0);
	assert_string_equal(c.guest_cmdline, "");
	assert_int_equal(parse("guest.cmdline = x # y\n", &c, &e), 0);
	assert_string_equal(c.guest_cmdline, "x");
}

/* Windows line endings: no '\r' may end up in a value or break a number. */
static void test_crlf(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	const char *text = "guest.image = win.bin\r\n"
			   "guest.ram_mb = 256\r\n"
			   "\r\n"
			   "log.level = error\r\n";
	assert_int_equal(parse(text, &c, &e), 0);
	assert_string_equal(c.guest_image, "win.bin");
	assert_int_equal(c.guest_ram_mb, 256);
	assert_int_equal(c.log_level, LOG_ERROR);
	/* ...and lines are still counted one per "\r\n". */
	expect_error("# a\r\n\r\nbogus = 1\r\n", 3, "unknown key");
}

/* Only 'len' bytes are parsed, even when more text follows in memory. */
static void test_respects_length(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	const char *text = "guest.ram_mb = 128\nbogus";
	assert_int_equal(parse_n(text, strlen("guest.ram_mb = 12"), &c, &e), 0);
	assert_int_equal(c.guest_ram_mb, 12);
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_error("guest.ram_mb = 64\n\nguest.ramm_mb = 64\n", 3, "unknown key 'guest.ramm_mb'");
	/* A prefix or extension of a real key is not that key. */
	expect_error("guest.ram = 64\n", 1, "unknown key");
	expect_error("guest.ram_mbx = 64\n", 1, "unknown key");
}

/* A very long unknown key is cut in the message, which stays terminated. */
static void test_unknown_key_long_name(void **state)
{
	(void)state;
	char text[400];
	struct ftv_config c;
	struct config_error e;
	memset(text, 'k', 300);
	strcpy(text + 300, " = 1\n");
	assert_int_equal(parse(text, &c, &e), -1);
	assert_int_equal(e.line, 1);
	assert_non_null(memchr(e.message, 0, sizeof(e.message)));
	assert_non_null(strstr(e.message, "unknown key 'kkkkkkkkkk"));
	assert_true(strlen(e.message) < 100);
}

static void test_duplicate_key(void **state)
{
	(void)state;
	expect_error("log.level = info\nguest.ram_mb = 8\nlog.level = info\n", 3,
		     "duplicate key log.level");
}

static void test_bad_number(void **state)
{
	(void)state;
	expect_error("guest.ram_mb = 12a\n", 1, "not a number");
	expect_error("guest.ram_mb = -4\n", 1, "not a number");
	expect_error("guest.ram_mb = 1 2\n", 1, "not a number");
	expect_error("guest.ram_mb =\n", 1, "not a number");
	expect_error("guest.ram_mb = 0x\n", 1, "not a number");
	expect_error("guest.ram_mb = 0xfg\n", 1, "not a number");
	expect_error("guest.ram_mb = 64k\n", 1, "guest.ram_mb");
}

/* Bounds are inclusive: min and max are accepted, one beyond is not. */
static void test_range(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	assert_int_equal(parse("guest.ram_mb = 2\nhv.heap_mb = 4096\n", &c, &e), 0);
	assert_int_equal(c.guest_ram_mb, 2);
	assert_int_equal(c.heap_mb, 4096);
	assert_int_equal(parse("guest.ram_mb = 65536\nhv.heap_mb = 8\n", &c, &e), 0);
	assert_int_equal(c.guest_ram_mb, 65536);
	assert_int_equal(c.heap_mb, 8);
	expect_error("guest.ram_mb = 1\n", 1, "out of range");
	expect_error("guest.ram_mb = 65537\n", 1, "out of range");
	expect_error("hv.heap_mb = 7\n", 1, "out of range");
	expect_error("hv.timer_slice = 999\n", 1, "out of range");
	expect_error("hv.timer_slice = 1000000001\n", 1, "out of range");
}

/* The benchmarks' keys: off by default, a sender of 16 MiB when asked. */
static void test_bench_keys(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	assert_int_equal(parse("", &c, &e), 0);
	assert_int_equal(c.net_bench, NET_BENCH_OFF);
	assert_int_equal(c.net_bench_peer, 0);
	assert_int_equal(c.net_bench_mb, 16);
	assert_int_equal(c.ft_bench_mb, 0);
	assert_int_equal(parse("net.bench = send\nnet.bench_peer = 10.77.0.21\nnet.bench_mb = 4096\n"
			       "ft.bench_mb = 1024\n", &c, &e), 0);
	assert_int_equal(c.net_bench, NET_BENCH_SEND);
	assert_int_equal(c.net_bench_peer, 0x0a4d0015);
	assert_int_equal(c.net_bench_mb, 4096);
	assert_int_equal(c.ft_bench_mb, 1024);
	assert_int_equal(parse("net.bench = sink\n", &c, &e), 0);
	assert_int_equal(c.net_bench, NET_BENCH_SINK);
	expect_error("net.bench = on\n", 1, "not one of the allowed values");
	expect_error("net.bench_peer = 10.77.0\n", 1, "not an IPv4 address");
	expect_error("net.bench_mb = 0\n", 1, "out of range");
	expect_error("net.bench_mb = 4097\n", 1, "out of range");
	expect_error("ft.bench_mb = 1025\n", 1, "out of range");
}

/* The primary's flush age: 20 ms by default, from 1 ms to a second. */
static void test_flush_key(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	assert_int_equal(parse("", &c, &e), 0);
	assert_int_equal(c.ft_flush_ms, 20);
	assert_int_equal(parse("ft.flush_ms = 1\n", &c, &e), 0);
	assert_int_equal(c.ft_flush_ms, 1);
	assert_int_equal(parse("ft.flush_ms = 1000\n", &c, &e), 0);
	assert_int_equal(c.ft_flush_ms, 1000);
	expect_error("ft.flush_ms = 0\n", 1, "out of range");
	expect_error("ft.flush_ms = 1001\n", 1, "out of range");
}

/* How the server gets its address and receives: static and interrupts by
 * default; DHCP and polling on request. */
static void test_net_address_and_irq_keys(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	assert_int_equal(parse("", &c, &e), 0);
	assert_int_equal(c.net_dhcp, 0);
	assert_int_equal(c.net_dhcp_timeout_s, 30);
	assert_int_equal(c.net_irq, NET_IRQ_AUTO);
	assert_int_equal(parse("net.dhcp = yes\nnet.dhcp_timeout_s = 5\nnet.irq = off\n", &c, &e), 0);
	assert_int_equal(c.net_dhcp, 1);
	assert_int_equal(c.net_dhcp_timeout_s, 5);
	assert_int_equal(c.net_irq, NET_IRQ_OFF);
	expect_error("net.dhcp_timeout_s = 0\n", 1, "out of range");
	expect_error("net.irq = msi\n", 1, "net.irq");
}

/* storage.*: the portal with and without a port, and the rules between keys. */
static void test_storage_keys(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	const char *base = "net.ip = 10.0.0.2\nstorage.iqn = iqn.2026-12.org.ftvisor:lun\n";
	char text[512];
	assert_int_equal(parse("", &c, &e), 0);
	assert_int_equal(c.storage_target.ip, 0);
	snprintf(text, sizeof(text), "%sstorage.target = 10.77.0.1\n", base);
	assert_int_equal(parse(text, &c, &e), 0);
	assert_int_equal(c.storage_target.ip, 0x0a4d0001u);
	assert_int_equal(c.storage_target.port, 0);
	assert_string_equal(c.storage_iqn, "iqn.2026-12.org.ftvisor:lun");
	snprintf(text, sizeof(text),
		 "%sstorage.target = 10.77.0.1:3261\nstorage.initiator = iqn.2026-12.org.ftvisor:a\n"
		 "storage.chap_user = u\nstorage.chap_secret = s3cret\n", base);
	assert_int_equal(parse(text, &c, &e), 0);
	assert_int_equal(c.storage_target.port, 3261);
	assert_string_equal(c.storage_chap_secret, "s3cret");
	expect_error("storage.target = 10.77.0.1:0\n", 1, "storage.target");
	expect_error("storage.target = 10.77.0.1:65536\n", 1, "storage.target");
	expect_error("storage.target = 10.77.0.1:\n", 1, "storage.target");
	expect_error("storage.target = 10.77.0\n", 1, "storage.target");
	expect_error("storage.target = 0.0.0.0\n", 1, "storage.target");
	expect_error("net.ip = 10.0.0.2\nstorage.target = 10.77.0.1\n", 2, "storage.iqn");
	expect_error("net.ip = 10.0.0.2\nstorage.iqn = iqn.x\n", 2, "storage.target");
	expect_error("storage.target = 10.77.0.1\nstorage.iqn = iqn.x\n", 1, "net.ip");
	expect_error("net.ip = 10.0.0.2\nstorage.target = 10.77.0.1\nstorage.iqn = lun\n", 3,
		     "storage.iqn");
	snprintf(text, sizeof(text), "%sstorage.target = 10.77.0.1\nstorage.initiator = my host\n", base);
	expect_error(text, 4, "storage.initiator");
	snprintf(text, sizeof(text), "%sstorage.target = 10.77.0.1\nstorage.chap_user = u\n", base);
	expect_error(text, 4, "chap_secret");
}

static void test_hex_numbers(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	assert_int_equal(parse("hv.heap_mb = 0x40\nguest.ram_mb = 0X1fF\n"
			       "hv.timer_slice = 0xF4240\n", &c, &e), 0);
	assert_int_equal(c.heap_mb, 0x40);
	assert_int_equal(c.guest_ram_mb, 0x1ff);
	assert_int_equal(c.timer_slice, 1000000);
	/* Leading zeros are decimal, not octal. */
	assert_int_equal(parse("guest.ram_mb = 010\n", &c, &e), 0);
	assert_int_equal(c.guest_ram_mb, 10);
}

/* A number beyond 2^64-1 is rejected rather than wrapped: 2^64 + 1000000
 * would wrap to 1000000, a valid timer slice. */
static void test_uint64_overflow(void **state)
{
	(void)state;
	expect_error("hv.timer_slice = 18446744073709551616\n", 1, "not a number");
	expect_error("hv.timer_slice = 18446744073710551616\n", 1, "not a number");
	expect_error("hv.timer_slice = 0x100000000000f4240\n", 1, "not a number");
	/* 2^64-1 itself is a number, just out of range. */
	expect_error("hv.timer_slice = 18446744073709551615\n", 1, "out of range");
	expect_error("hv.timer_slice = 0xffffffffffffffff\n", 1, "out of range");
}

static void test_bad_choice(void **state)
{
	(void)state;
	expect_error("log.level = verbose\n", 1, "not one of the allowed values");
	expect_error("log.level = inf\n", 1, "log.level");
	expect_error("log.level = infox\n", 1, "log.level");
	expect_error("hv.on_stop = reboot\n", 1, "hv.on_stop");
	expect_error("hv.on_stop =\n", 1, "hv.on_stop");
}

/* Strings hold at most FTV_CONFIG_STR_MAX - 1 characters. */
static void test_value_too_long(void **state)
{
	(void)state;
	char text[300];
	struct ftv_config c;
	struct config_error e;
	strcpy(text, "guest.cmdline = ");
	size_t head = strlen(text);
	memset(text + head, 'v', FTV_CONFIG_STR_MAX - 1);
	strcpy(text + head + FTV_CONFIG_STR_MAX - 1, "\n");
	assert_int_equal(parse(text, &c, &e), 0);
	assert_int_equal(strlen(c.guest_cmdline), FTV_CONFIG_STR_MAX - 1);

	memset(text + head, 'v', FTV_CONFIG_STR_MAX);
	strcpy(text + head + FTV_CONFIG_STR_MAX, "\n");
	expect_error(text, 1, "too long");
}

static void test_missing_equals_or_key(void **state)
{
	(void)state;
	expect_error("guest.ram_mb 64\n", 1, "expected 'key = value'");
	expect_error("\n\nguest.ram_mb\n", 3, "expected");
	expect_error(" = 64\n", 1, "missing key");
}

/* Binary junk is refused with its line, wherever it sits on the line (even
 * inside a comment); tabs are fine. */
static void test_control_and_non_ascii(void **state)
{
	(void)state;
	struct ftv_config c;
	struct config_error e;
	expect_error("guest.ram_mb = 64\nguest.cmdline = a\x01" "b\n", 2, "control or non-ASCII");
	expect_error("# caf\xc3\xa9\n", 1, "non-ASCII");
	expect_error("guest.cmdline = \x7f\n", 1, "non-ASCII");
	expect_error("guest.cmdline = a\x1b[0m\n", 1, "control");
	/* An embedded NUL is a byte like any other. */
	const char nul[] = "\n\nguest.cmdline = a\0b\n";
	assert_int_equal(parse_n(nul, sizeof(nul) - 1, &c, &e), -1);
	assert_int_equal(e.line, 3);
	assert_non_null(strstr(e.message, "control"));
	/* Tab is allowed. */
	assert_int_equal(parse("guest.cmdline = a\tb\n", &c, &e), 0);
	assert_string_equal(c.guest_cmdline, "a\tb");
}

/* Errors count lines including comments and blanks. */
static void test_line_numbers(void **state)
{
	(void)state;
	expect_error("# one\n\n# three\nguest.ram_mb = 64\n\nlog.level = loud\n", 6, "log.level");
	expect_error("bogus\n", 1, "expected");
}

/* A NULL error pointer is allowed; the result is still reported. */
static void test_null_error(void **state)
{
	(void)state;
	struct ftv_config c;
	assert_int_equal(parse("guest.ram_mb = 1\n", &c, NULL), -1);
	assert_int_equal(parse("guest.ram_mb = 3\n", &c, NULL), 0);
	assert_int_equal(c.guest_ram_mb, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_empty_file),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_comments_and_whitespace),
		cmocka_unit_test(test_value_edge_cases),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_respects_length),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_unknown_key_long_name),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_bad_number),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_bench_keys),
		cmocka_unit_test(test_flush_key),
		cmocka_unit_test(test_net_address_and_irq_keys),
		cmocka_unit_test(test_storage_keys),
		cmocka_unit_test(test_hex_numbers),
		cmocka_unit_test(test_uint64_overflow),
		cmocka_unit_test(test_bad_choice),
		cmocka_unit_test(test_value_too_long),
		cmocka_unit_test(test_missing_equals_or_key),
		cmocka_unit_test(test_control_and_non_ascii),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_null_error),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
