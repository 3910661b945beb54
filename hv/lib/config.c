#include "hv/lib/config.h"

#include <string.h>

enum key_type { KEY_STRING, KEY_NUMBER, KEY_CHOICE, KEY_IPV4, KEY_ENDPOINT };

struct config_key {
	const char *name;
	enum key_type type;
	size_t offset;
	uint64_t min, max;            /* KEY_NUMBER */
	const char *const *choices;   /* KEY_CHOICE: index stored as uint32_t */
	const char *help;
};

static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };
static const char *const stop_actions[] = { "console", "poweroff", NULL };
static const char *const counters[] = { "auto", "emulator", "pmu", NULL };
static const char *const yes_no[] = { "no", "yes", NULL };
static const char *const ft_roles[] = { "none", "primary", "backup", NULL };
static const char *const net_benches[] = { "off", "sink", "send", NULL };
static const char *const net_irqs[] = { "auto", "off", NULL };
/* In the order of enum log_alteration (hv/eventlog/log_alter.h). */
static const char *const alterations[] = { "off", "tsc", "intr", "drop", "extra", "hash", NULL };

#define OFF(field) offsetof(struct ftv_config, field)

static const struct config_key config_keys[] = {
	{ "guest.image", KEY_STRING, OFF(guest_image), 0, 0, NULL, "path of the guest image on the ESP" },
	{ "guest.cmdline", KEY_STRING, OFF(guest_cmdline), 0, 0, NULL, "command line given to the guest" },
	{ "guest.ram_mb", KEY_NUMBER, OFF(guest_ram_mb), 2, 65536, NULL, "guest RAM in MiB" },
	{ "hv.heap_mb", KEY_NUMBER, OFF(heap_mb), 8, 4096, NULL, "hypervisor heap in MiB" },
	{ "hv.timer_slice", KEY_NUMBER, OFF(timer_slice), 1000, 1000000000, NULL,
	  "longest guest run between forced exits (preemption-timer ticks)" },
	{ "log.level", KEY_CHOICE, OFF(log_level), 0, 0, log_levels, "error, warn, info or debug" },
	{ "hv.on_stop", KEY_CHOICE, OFF(on_stop), 0, 0, stop_actions,
	  "console or poweroff" },
	{ "console.autorun", KEY_STRING, OFF(console_autorun), 0, 0, NULL,
	  "console commands run at start, separated by ';'" },
	{ "replay.check", KEY_NUMBER, OFF(replay_check), 0, 1000000000000ull, NULL,
	  "self-check: record N events from a snapshot, replay them, compare" },
	{ "replay.counter", KEY_CHOICE, OFF(replay_counter), 0, 0, counters,
	  "execution-point counter: auto, emulator or pmu" },
	{ "replay.hash_interval", KEY_NUMBER, OFF(replay_hash_interval), 1, 1000000, NULL,
	  "events between state hashes" },
	{ "replay.memhash_interval", KEY_NUMBER, OFF(replay_memhash_interval), 0, 1000000000, NULL,
	  "events between guest-memory hashes, plus one at the end (0: never)" },
	{ "replay.log_mb", KEY_NUMBER, OFF(replay_log_mb), 1, 4096, NULL, "record log buffer in MiB" },
	{ "replay.bench", KEY_CHOICE, OFF(replay_bench), 0, 0, yes_no,
	  "also run the guest without recording, and compare speeds" },
	{ "replay.dump", KEY_CHOICE, OFF(replay_dump), 0, 0, yes_no,
	  "print the record log on the console for tools/ftvlog" },
	{ "replay.corrupt", KEY_CHOICE, OFF(replay_corrupt), 0, 0, yes_no,
	  "after the self-check, replay damaged copies of the log (each must be refused)" },
	{ "replay.alter", KEY_CHOICE, OFF(replay_alter), 0, 0, alterations,
	  "after the self-check, replay a copy of the log with one event's content altered "
	  "(off, tsc, intr, drop, extra, hash): replay must diverge there" },
	{ "replay.alter_event", KEY_NUMBER, OFF(replay_alter_event), 0, 1000000000000ull, NULL,
	  "replay.alter changes the first event of its kind from this index on" },
	{ "net.ip", KEY_IPV4, OFF(net_ip), 0, 0, NULL, "this server's IPv4 address" },
	{ "net.netmask", KEY_IPV4, OFF(net_netmask), 0, 0, NULL, "IPv4 netmask" },
	{ "net.gateway", KEY_IPV4, OFF(net_gateway), 0, 0, NULL, "IPv4 default gateway" },
	{ "net.mtu", KEY_NUMBER, OFF(net_mtu), 576, 1500, NULL, "MTU of the server's NIC" },
	{ "net.dhcp", KEY_CHOICE, OFF(net_dhcp), 0, 0, yes_no,
	  "take the address, netmask and gateway from a DHCP server (instead of net.ip)" },
	{ "net.dhcp_timeout_s", KEY_NUMBER, OFF(net_dhcp_timeout_s), 1, 3600, NULL,
	  "how long to wait for the first DHCP lease" },
	{ "net.irq", KEY_CHOICE, OFF(net_irq), 0, 0, net_irqs,
	  "NIC interrupts: auto (probe the route, else poll) or off (always poll)" },
	{ "net.bench", KEY_CHOICE, OFF(net_bench), 0, 0, net_benches,
	  "plain-TCP benchmark at start: off, sink (listen and echo) or send" },
	{ "net.bench_peer", KEY_IPV4, OFF(net_bench_peer), 0, 0, NULL,
	  "the sink's IPv4 address (net.bench = send)" },
	{ "net.bench_mb", KEY_NUMBER, OFF(net_bench_mb), 1, 4096, NULL,
	  "MiB the benchmark's sender pushes" },
	{ "ft.role", KEY_CHOICE, OFF(ft_role), 0, 0, ft_roles, "none, primary or backup" },
	{ "ft.peer", KEY_IPV4, OFF(ft_peer), 0, 0, NULL, "the other server's IPv4 address" },
	{ "ft.port", KEY_NUMBER, OFF(ft_port), 1, 65535, NULL, "logging channel TCP port" },
	{ "ft.hb_port", KEY_NUMBER, OFF(ft_hb_port), 1, 65535, NULL, "heartbeat UDP port" },
	{ "ft.hb_interval_ms", KEY_NUMBER, OFF(ft_hb_interval_ms), 10, 60000, NULL,
	  "time between heartbeats" },
	{ "ft.hb_timeout_ms", KEY_NUMBER, OFF(ft_hb_timeout_ms), 50, 600000, NULL,
	  "silence after which the peer counts as gone" },
	{ "ft.max_unacked_kb", KEY_NUMBER, OFF(ft_max_unacked_kb), 16, 1048576, NULL,
	  "unacknowledged log beyond which the primary pauses the guest" },
	{ "ft.flush_ms", KEY_NUMBER, OFF(ft_flush_ms), 1, 1000, NULL,
	  "the longest an event waits in the primary's open batch before it is sent" },
	{ "ft.stats_interval_ms", KEY_NUMBER, OFF(ft_stats_interval_ms), 0, 3600000, NULL,
	  "print the net and ft figures this often (0: never)" },
	{ "ft.corrupt_batch", KEY_NUMBER, OFF(ft_corrupt_batch), 0, 1000000000, NULL,
	  "fault injection: the primary flips a bit of this batch once on the wire (0: off)" },
	{ "ft.bench_mb", KEY_NUMBER, OFF(ft_bench_mb), 0, 1024, NULL,
	  "benchmark the logging channel with this much synthetic log instead of running the role "
	  "(0: off)" },
	{ "storage.target", KEY_ENDPOINT, OFF(storage_target), 0, 0, NULL,
	  "the iSCSI target's portal, ADDR[:PORT] (port 3260 when not given)" },
	{ "storage.iqn", KEY_STRING, OFF(storage_iqn), 0, 0, NULL,
	  "the iSCSI target's name (iqn.*, eui.* or naa.*)" },
	{ "storage.initiator", KEY_STRING, OFF(storage_initiator), 0, 0, NULL,
	  "this server's iSCSI initiator name (default: derived from its MAC)" },
	{ "storage.chap_user", KEY_STRING, OFF(storage_chap_user), 0, 0, NULL,
	  "CHAP user name for the login (with storage.chap_secret)" },
	{ "storage.chap_secret", KEY_STRING, OFF(storage_chap_secret), 0, 0, NULL,
	  "CHAP secret for the login (with storage.chap_user)" },
};

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

void config_defaults(struct ftv_config *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->guest_image, FTV_CONFIG_DEFAULT_GUEST_IMAGE, sizeof(FTV_CONFIG_DEFAULT_GUEST_IMAGE));
	out->guest_ram_mb = 64;
	out->heap_mb = 32;
	out->timer_slice = 1000000;
	out->log_level = LOG_INFO;
	out->on_stop = STOP_ACTION_CONSOLE;
	out->replay_hash_interval = 64;
	out->replay_memhash_interval = 16384;
	out->replay_log_mb = 16;
	out->net_netmask = 0xffffff00u;
	out->net_mtu = 1500;
	out->net_dhcp_timeout_s = 30;
	out->net_bench_mb = 16;
	out->ft_port = 7400;
	out->ft_hb_port = 7401;
	out->ft_hb_interval_ms = 100;
	out->ft_hb_timeout_ms = 2000;
	out->ft_max_unacked_kb = 1024;
	out->ft_flush_ms = 20;
}

static int fail(struct config_error *err, unsigned line, const char *a, const char *b,
		const char *c)
{
	if (err) {
		err->line = line;
		err->message[0] = 0;
		const char *parts[3] = { a, b, c };
		size_t n = 0;
		for (int i = 0; i < 3; i++) {
			for (const char *p = parts[i]; p && *p && n + 1 < sizeof(err->message); p++)
				err->message[n++] = *p;
		}
		err->message[n] = 0;
	}
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int parse_number(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		unsigned d;
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* Dotted quad "a.b.c.d" into host byte order (a is the top byte). */
static int parse_ipv4(const char *s, size_t n, uint32_t *out)
{
	uint32_t ip = 0;
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		uint32_t v = 0;
		size_t digits = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (uint32_t)(s[i++] - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return -1;
		ip = ip << 8 | v;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
	}
	if (i != n)
		return -1;
	*out = ip;
	return 0;
}

/* "a.b.c.d" or "a.b.c.d:port" (port 1..65535; 0 stored when absent). */
static int parse_endpoint(const char *s, size_t n, struct config_endpoint *out)
{
	const char *colon = memchr(s, ':', n);
	size_t iplen = colon ? (size_t)(colon - s) : n;
	uint64_t port = 0;
	if (parse_ipv4(s, iplen, &out->ip) != 0)
		return -1;
	if (colon && (parse_number(colon + 1, n - iplen - 1, &port) != 0 || port == 0 || port > 65535))
		return -1;
	out->port = (uint32_t)port;
	return 0;
}

static int same(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && memcmp(a, b, alen) == 0;
}

/* Stores one value; *msg names what is wrong with it. */
static int store(const struct config_key *k, const char *v, size_t vlen,
		 struct ftv_config *out, const char **msg)
{
	char *field = (char *)out + k->offset;
	switch (k->type) {
	case KEY_STRING:
		if (vlen >= FTV_CONFIG_STR_MAX) {
			*msg = "value too long (max 127 characters)";
			return -1;
		}
		memcpy(field, v, vlen);
		field[vlen] = 0;
		return 0;
	case KEY_NUMBER: {
		uint64_t n;
		if (parse_number(v, vlen, &n) != 0) {
			*msg = "not a number";
			return -1;
		}
		if (n < k->min || n > k->max) {
			*msg = "out of range";
			return -1;
		}
		memcpy(field, &n, sizeof(n));
		return 0;
	}
	case KEY_IPV4: {
		uint32_t ip;
		if (parse_ipv4(v, vlen, &ip) != 0) {
			*msg = "not an IPv4 address (a.b.c.d)";
			return -1;
		}
		memcpy(field, &ip, sizeof(ip));
		return 0;
	}
	case KEY_ENDPOINT: {
		struct config_endpoint ep;
		if (parse_endpoint(v, vlen, &ep) != 0 || ep.ip == 0) {
			*msg = "not an IPv4 address with an optional port (a.b.c.d[:port])";
			return -1;
		}
		memcpy(field, &ep, sizeof(ep));
		return 0;
	}
	case KEY_CHOICE:
		for (uint32_t i = 0; k->choices[i]; i++) {
			if (same(v, vlen, k->choices[i])) {
				memcpy(field, &i, sizeof(i));
				return 0;
			}
		}
		*msg = "not one of the allowed values";
		return -1;
	}
	*msg = "internal: bad key type";
	return -1;
}

/* An iSCSI name as RFC 3720 section 3.2.6 types them: iqn., eui. or naa.,
 * then no spaces (the login text would carry them as they are). */
static int iscsi_name_ok(const char *n)
{
	if (strncmp(n, "iqn.", 4) != 0 && strncmp(n, "eui.", 4) != 0 && strncmp(n, "naa.", 4) != 0)
		return 0;
	for (; *n; n++)
		if (*n == ' ' || *n == '\t' || *n == '=')
			return 0;
	return 1;
}

/* The line a key stood on (0: not in the file). */
static unsigned line_of(const unsigned *key_line, const char *name)
{
	for (size_t k = 0; k < NKEYS; k++)
		if (strcmp(config_keys[k].name, name) == 0)
			return key_line[k];
	return 0;
}

/* The line of whichever of two keys is there. */
static unsigned line_of_either(const unsigned *key_line, const char *a, const char *b)
{
	unsigned l = line_of(key_line, a);
	return l ? l : line_of(key_line, b);
}

/* Rules between keys, checked once the whole file is read; an error names
 * the line of the key that breaks the rule. */
static int check_storage(const struct ftv_config *c, const unsigned *key_line,
			 struct config_error *err)
{
	int target = c->storage_target.ip != 0, iqn = c->storage_iqn[0] != 0;
	if (target != iqn)
		return fail(err, line_of_either(key_line, "storage.target", "storage.iqn"),
			    "storage.target and storage.iqn go together: set both or neither", NULL, NULL);
	if ((c->storage_chap_user[0] != 0) != (c->storage_chap_secret[0] != 0))
		return fail(err, line_of_either(key_line, "storage.chap_user", "storage.chap_secret"),
			    "storage.chap_user and storage.chap_secret go together", NULL, NULL);
	if (!target)
		return 0;
	if (!c->net_ip && !c->net_dhcp)
		return fail(err, line_of(key_line, "storage.target"),
			    "storage.target needs the network: set net.ip or net.dhcp", NULL, NULL);
	if (!iscsi_name_ok(c->storage_iqn))
		return fail(err, line_of(key_line, "storage.iqn"),
			    "storage.iqn: not an iSCSI name (iqn.*, eui.* or naa.*, no spaces)", NULL, NULL);
	if (c->storage_initiator[0] && !iscsi_name_ok(c->storage_initiator))
		return fail(err, line_of(key_line, "storage.initiator"),
			    "storage.initiator: not an iSCSI name (iqn.*, eui.* or naa.*, no spaces)",
			    NULL, NULL);
	return 0;
}

int config_parse(const char *text, size_t len, struct ftv_config *out, struct config_error *err)
{
	unsigned key_line[NKEYS] = { 0 }; /* where each key stood: 0, not yet */
	unsigned line = 0;
	size_t pos = 0;

	config_defaults(out);
	if (err) {
		err->line = 0;
		err->message[0] = 0;
	}
	while (pos < len) {
		size_t start = pos, end;
		while (pos < len && text[pos] != '\n')
			pos++;
		end = pos;
		pos++; /* past the newline */
		line++;

		for (size_t i = start; i < end; i++) {
			unsigned char c = (unsigned char)text[i];
			if (c == 0 || (c < 0x20 && c != '\t' && c != '\r') || c >= 0x7f)
				return fail(err, line, "not a text file (control or non-ASCII byte)", NULL, NULL);
		}
		for (size_t i = start; i < end; i++) {
			if (text[i] == '#') {
				end = i;
				break;
			}
		}
		while (start < end && is_space(text[start]))
			start++;
		while (end > start && is_space(text[end - 1]))
			end--;
		if (start == end)
			continue;

		const char *eq = memchr(text + start, '=', end - start);
		if (!eq)
			return fail(err, line, "expected 'key = value'", NULL, NULL);
		size_t kend = (size_t)(eq - text), vstart = kend + 1;
		while (kend > start && is_space(text[kend - 1]))
			kend--;
		while (vstart < end && is_space(text[vstart]))
			vstart++;
		if (kend == start)
			return fail(err, line, "missing key before '='", NULL, NULL);

		size_t k;
		for (k = 0; k < NKEYS; k++)
			if (same(text + start, kend - start, config_keys[k].name))
				break;
		if (k == NKEYS) {
			char name[48];
			size_t n = kend - start < sizeof(name) - 1 ? kend - start : sizeof(name) - 1;
			memcpy(name, text + start, n);
			name[n] = 0;
			return fail(err, line, "unknown key '", name, "'");
		}
		if (key_line[k])
			return fail(err, line, "duplicate key ", config_keys[k].name, NULL);
		key_line[k] = line;
		const char *msg = NULL;
		if (store(&config_keys[k], text + vstart, end - vstart, out, &msg) != 0)
			return fail(err, line, config_keys[k].name, ": ", msg);
	}
	return check_storage(out, key_line, err);
}
