#include "hv/core/shell.h"

#include <string.h>

#include "arch/x86_64/exceptions.h"
#include "hv/lib/heap.h"
#include "hv/core/hv_state.h"
#include "hv/core/shell_parse.h"
#include "hv/ft/ft.h"
#include "hv/lib/log.h"
#include "hv/replay/replay_check.h"
#include "hv/lib/stop.h"
#include "hv/storage/disk.h"
#include "hv/core/vmexit.h"
#include "drivers/serial.h"
#include "net/net.h"

/* The serial port has no interrupt here: how often an idle console looks. */
#define CONSOLE_WAKE_US 5000

#define DEFAULT_CHECK_EVENTS 10000

struct command {
	const char *name;
	const char *help;
	void (*run)(struct hv_state *hv);
};

static void cmd_help(struct hv_state *hv);

static void cmd_exits(struct hv_state *hv)
{
	console_printf("host NMIs while ftvisor ran: %llu\n",
		       (unsigned long long)host_nmis_outside_guest);
	if (!hv->vcpu) {
		console_printf("no guest has run\n");
		return;
	}
	vcpu_print_exit_counts(hv->vcpu);
}

static const char *mem_type_name(uint32_t t)
{
	static const char *const names[] = { "reserved", "free", "firmware (freed)", "loader",
					     "ACPI", "MMIO", "ftvisor" };
	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static void cmd_mem(struct hv_state *hv)
{
	const struct memmap *m = &hv->memmap;
	for (uint32_t i = 0; i < m->count; i++) {
		const struct boot_mem_region *r = &m->regions[i];
		console_printf("  %016llx-%016llx %8llu KiB  %s\n", (unsigned long long)r->base,
			       (unsigned long long)(r->base + r->pages * 4096 - 1),
			       (unsigned long long)(r->pages * 4), mem_type_name(r->type));
	}
	console_printf("heap: %llu of %llu KiB used\n", (unsigned long long)(heap_used() >> 10),
		       (unsigned long long)(heap_size() >> 10));
}

static void cmd_config(struct hv_state *hv)
{
	const struct ftv_config *c = &hv->config;
	console_printf("guest.image = %s\nguest.cmdline = %s\nguest.ram_mb = %llu\n"
		       "hv.heap_mb = %llu\nhv.timer_slice = %llu\n",
		       c->guest_image, c->guest_cmdline, (unsigned long long)c->guest_ram_mb,
		       (unsigned long long)c->heap_mb, (unsigned long long)c->timer_slice);
}

static void cmd_fault(struct hv_state *hv)
{
	(void)hv;
	log_warn("shell", "raising an invalid-opcode exception in the hypervisor, as asked");
	__asm__ volatile("ud2");
}

static void cmd_replay_check(struct hv_state *hv)
{
	if (!hv->vcpu || !hv->exact_points) {
		console_printf("replay-check needs a guest and an exact execution-point counter\n");
		return;
	}
	struct replay_check_options opt = {
		.events = hv->config.replay_check ? hv->config.replay_check : DEFAULT_CHECK_EVENTS,
	};
	replay_check(hv, &opt);
}

static void cmd_ft(struct hv_state *hv)
{
	(void)hv;
	ft_print_status();
}

static void cmd_net(struct hv_state *hv)
{
	(void)hv;
	net_print_status();
}

static void cmd_disk(struct hv_state *hv)
{
	(void)hv;
	disk_print_status();
}

static void cmd_poweroff(struct hv_state *hv)
{
	(void)hv;
	stop_configure(1, hv->boot->image_base, NULL);
	hv_stop(STOP_OPERATOR);
}

static const struct command commands[] = {
	{ "help", "list commands", cmd_help },
	{ "exits", "VM exits of the guest, by reason; host NMIs", cmd_exits },
	{ "mem", "memory map and heap use", cmd_mem },
	{ "config", "the configuration in force", cmd_config },
	{ "replay-check", "power the guest on again, record, replay, compare (replay.check events)",
	  cmd_replay_check },
	{ "ft", "fault-tolerance role, log positions, lag, heartbeats", cmd_ft },
	{ "net", "network address, NIC counters, lwIP errors", cmd_net },
	{ "disk", "shared disk: target, session, LUN size, commands, errors, reconnects", cmd_disk },
	{ "fault", "crash the hypervisor on purpose (tests the exception dump)", cmd_fault },
	{ "poweroff", "stop ftvisor and power off", cmd_poweroff },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(struct hv_state *hv)
{
	(void)hv;
	for (size_t i = 0; i < NCOMMANDS; i++)
		console_printf("  %-10s %s\n", commands[i].name, commands[i].help);
}

void shell_execute(struct hv_state *hv, const char *line)
{
	struct shell_word w = shell_word_of(line);
	if (w.len == 0)
		return;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (shell_word_is(w, commands[i].name)) {
			commands[i].run(hv);
			return;
		}
	}
	console_printf("unknown command '%.*s' (try 'help')\n", (int)w.len, w.start);
}

void shell_run_script(struct hv_state *hv, const char *script)
{
	char cmd[SHELL_LINE_MAX];
	int too_long;
	while ((script = shell_script_next(script, cmd, sizeof(cmd), &too_long)) != NULL) {
		if (too_long) {
			log_error("shell", "autorun: a command longer than %u characters is not run",
				  (unsigned)(sizeof(cmd) - 1));
			continue;
		}
		log_info("shell", "autorun: %s", cmd);
		shell_execute(hv, cmd);
	}
}

void shell_loop(struct hv_state *hv)
{
	struct shell_editor ed = { .len = 0 };
	console_printf("ftvisor> ");
	for (;;) {
		int c = serial_read_byte();
		if (c < 0) {
			net_poll();     /* the network is served while the console waits */
			net_wait(CONSOLE_WAKE_US);
			continue;
		}
		switch (shell_editor_key(&ed, c)) {
		case SHELL_KEY_ENTER:
			console_printf("\n");
			shell_execute(hv, ed.line);
			console_printf("ftvisor> ");
			break;
		case SHELL_KEY_ERASED:
			console_printf("\b \b");
			break;
		case SHELL_KEY_ADDED:
			console_printf("%c", ed.line[ed.len - 1]);
			break;
		case SHELL_KEY_IGNORED:
			break;
		}
	}
}
