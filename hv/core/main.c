/*
 * The hypervisor core, from the UEFI handoff to a running guest:
 * console -> config -> memory (heap, own GDT/IDT/page tables) -> guest image
 * -> VT-x -> EPT + VMCS -> run -> report. Every step that can fail says what
 * failed and what to do, then stops with a defined code (hv/stop.h).
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/segments.h"
#include "drivers/serial.h"
#include "net/net.h"
#include "hv/bench/netbench.h"
#include "hv/vmx/ept.h"
#include "hv/core/guest_image.h"
#include "hv/lib/heap.h"
#include "hv/core/hv_state.h"
#include "hv/ft/ft.h"
#include "hv/bench/ft_bench.h"
#include "hv/lib/log.h"
#include "hv/replay/replay_check.h"
#include "hv/core/shell.h"
#include "hv/lib/stop.h"
#include "hv/storage/disk.h"
#include "hv/vmx/host.h"
#include "hv/vmx/vmcs.h"
#include "hv/vmx/vmcs_setup.h"
#include "hv/core/vmexit.h"
#include "hv/vmx/vmx.h"

#define FTV_VERSION "0.1"
#define MIB (1ull << 20)
#define LOW_MEMORY_END MIB      /* never carve below 1 MiB: legacy and firmware areas */
#define FOUR_GIB (4ull << 30)   /* identity-map at least this: LAPIC, PCI holes */

static struct hv_state hv;

static const char *file_problem(int32_t status)
{
	switch (status) {
	case BOOT_FILE_MISSING: return "not found";
	case BOOT_FILE_TOO_LARGE: return "too large to load";
	default: return "could not be read";
	}
}

/* Where a non-fatal stop leaves the hypervisor (hv.on_stop = console): the
 * console loop, which keeps serving the network too. */
static void stay_at_console(void)
{
	shell_loop(&hv);
}

static void load_config(void)
{
	const struct boot_file *f = &hv.boot->config;
	struct config_error err;
	if (f->status != BOOT_FILE_OK) {
		log_error("config", "\\ftvisor.cfg %s on the boot volume: put a config file next to "
				    "EFI\\BOOT (see config/ftvisor.cfg)",
			  file_problem(f->status));
		hv_stop(STOP_CONFIG);
	}
	if (config_parse((const char *)f->data, f->size, &hv.config, &err) != 0) {
		log_error("config", "\\ftvisor.cfg line %u: %s", err.line, err.message);
		hv_stop(STOP_CONFIG);
	}
	log_set_level(hv.config.log_level);
	stop_configure(hv.config.on_stop == STOP_ACTION_POWEROFF, hv.boot->image_base,
		       stay_at_console);
	log_info("config", "guest %s, %llu MiB RAM, heap %llu MiB", hv.config.guest_image,
		 (unsigned long long)hv.config.guest_ram_mb, (unsigned long long)hv.config.heap_mb);
}

static uint64_t carve_or_stop(uint64_t size, const char *what, const char *key)
{
	uint64_t base;
	if (memmap_carve(&hv.memmap, size, 2 * MIB, LOW_MEMORY_END, &base) != 0) {
		log_error("mem", "not enough memory for %s: need %llu MiB, the largest free block is "
				 "%llu MiB (lower %s or give the machine more memory)",
			  what, (unsigned long long)(size / MIB),
			  (unsigned long long)(memmap_largest_free(&hv.memmap, 2 * MIB, LOW_MEMORY_END) / MIB),
			  key);
		hv_stop(STOP_MEMORY);
	}
	return base;
}

static void setup_memory(void)
{
	hv.memmap.regions = hv.boot->memmap;
	hv.memmap.count = hv.boot->memmap_count;
	hv.memmap.capacity = BOOT_MEMMAP_MAX;
	if (memmap_normalize(&hv.memmap) != 0) {
		log_error("mem", "the firmware's memory map has overlapping regions; refusing to guess");
		hv_stop(STOP_MEMORY);
	}
	log_info("mem", "%llu MiB free of %llu MiB mapped, %u regions",
		 (unsigned long long)(memmap_total(&hv.memmap, BOOT_MEM_FREE) / MIB),
		 (unsigned long long)(memmap_top(&hv.memmap) / MIB), hv.memmap.count);

	hv.heap_base = carve_or_stop(hv.config.heap_mb * MIB, "the hypervisor heap", "hv.heap_mb");
	heap_init(hv.heap_base, hv.config.heap_mb * MIB);

	gdt_install();
	idt_install();
	uint64_t top = memmap_top(&hv.memmap);
	if (paging_install(top > FOUR_GIB ? top : FOUR_GIB) != 0)
		hv_stop(STOP_MEMORY);
	apic_quiesce();
}

static void check_guest_image(uint64_t ram_size)
{
	const struct boot_file *g = &hv.boot->guest;
	struct ftv_guest_header hdr;
	char why[160];
	if (g->status != BOOT_FILE_OK) {
		log_error("guest", "guest image \\%s %s on the boot volume (config key guest.image)",
			  hv.boot->guest_path, file_problem(g->status));
		hv_stop(STOP_GUEST_IMAGE);
	}
	if (guest_image_check((const void *)g->data, g->size, ram_size, &hdr, why, sizeof(why)) != 0) {
		log_error("guest", "guest image \\%s: %s", hv.boot->guest_path, why);
		hv_stop(STOP_GUEST_IMAGE);
	}
	log_info("guest", "image \\%s: %llu bytes at 0x%x, entry 0x%x", hv.boot->guest_path,
		 (unsigned long long)g->size, hdr.load_gpa, hdr.entry_gpa);
	hv.guest.data = (const void *)g->data;
	hv.guest.size = g->size;
	hv.guest.hdr = hdr;
	hv.guest.cmdline = hv.config.guest_cmdline;
}

/* The guest's CPU, once: every CPUID exit answers from it, and the pair
 * compares its hash. TSX goes off first where the CPU lets us. */
static void build_cpu_model(void)
{
	struct cpuid_features f = { hv.plan.rdtscp, hv.plan.rdrand_exiting, hv.plan.rdseed_exiting };
	char what[160];
	host_tsx_off();
	cpu_model_build(&hv.cpu_model, host_cpuid, &f);
	hv.cpu_model_hash = hv.cpu_model.hash;
	cpu_model_describe(&hv.cpu_model, what, sizeof(what));
	log_info("cpu", "guest CPU: %s; %u CPUID leaves, hash 0x%016llx", what, hv.cpu_model.count,
		 (unsigned long long)hv.cpu_model_hash);
}

static struct vcpu *create_vcpu(uint64_t ram_size)
{
	struct vcpu *v = memalign(16, sizeof(*v));
	uint64_t tables;
	if (!v) {
		log_error("vmx", "out of heap for the vCPU (raise hv.heap_mb)");
		hv_stop(STOP_MEMORY);
	}
	memset(v, 0, sizeof(*v));
	v->plan = &hv.plan;
	v->caps = &hv.caps;
	v->cpu_model = &hv.cpu_model;
	v->ram = (uint8_t *)hv.ram_base;
	v->ram_size = ram_size;
	v->timer_slice = hv.config.timer_slice;
	v->nd = &hv.nd;
	nd_init(&hv.nd, ND_LIVE, &hv.log); /* the log itself is allocated when something records */
	if (ept_build(hv.ram_base, ram_size, hv.plan.ept_1g, &v->eptp, &tables) != 0) {
		log_error("ept", "out of heap for the EPT tables (raise hv.heap_mb)");
		hv_stop(STOP_MEMORY);
	}
	log_info("ept", "guest-physical 0-%llu MiB -> host 0x%llx, write-back, %llu tables",
		 (unsigned long long)(ram_size / MIB), (unsigned long long)hv.ram_base,
		 (unsigned long long)tables);
	if (vmcs_create(v) != 0)
		hv_stop(STOP_VMX_SETUP);
	v->ep = execpoint_select(v, (enum execpoint_choice)hv.config.replay_counter, &hv.exact_points);
	guest_power_on(v, &hv.guest);
	return v;
}

/* Record and replay need every input at the choke point; says why not. */
static int can_record(const struct hv_state *hv, const char *what)
{
	char why[VMX_PLAN_ERROR_MAX];
	int rdseed = cpu_cpuid(0, 0).eax >= 7 && (cpu_cpuid(7, 0).ebx & CPUID_7_EBX_RDSEED);
	int rdrand = (cpu_cpuid(1, 0).ecx & CPUID_1_ECX_RDRAND) != 0;
	if (vmx_plan_can_record(&hv->plan, rdrand, rdseed, why, sizeof(why)) == 0)
		return 1;
	log_error("replay", "%s refused: the VMX controls %s are missing", what, why);
	return 0;
}

/* A plain run has no FT role, but the server stays reachable: frames that
 * interrupted the guest, and lwIP's timers, are served between entries. */
#define PLAIN_RUN_POLL_US 10000

static void serve_network(struct vcpu *v)
{
	static uint64_t last_us;
	(void)v;
	uint64_t now = log_uptime_us();
	if (net_rx_pending() || now - last_us >= PLAIN_RUN_POLL_US) {
		last_us = now;
		net_poll();
	}
}

static void report(struct vcpu *v)
{
	if (v->stop_code == STOP_GUEST_PASSED)
		log_info("guest", "%s", v->stop_reason);
	else
		log_error("guest", "%s", v->stop_reason);
	vcpu_print_exit_counts(v);
	if (v->ep == &execpoint_pmu)
		execpoint_pmu_print_stats(v);
}

void hv_main(struct boot_info *bi)
{
	hv.boot = bi;
	serial_init();
	log_init(bi->tsc_at_boot, bi->tsc_hz);
	log_info("ftvisor", "ftvisor " FTV_VERSION " (TSC %llu.%03llu MHz, ACPI RSDP 0x%llx, image at 0x%llx)",
		 (unsigned long long)(bi->tsc_hz / 1000000),
		 (unsigned long long)(bi->tsc_hz / 1000 % 1000), (unsigned long long)bi->acpi_rsdp,
		 (unsigned long long)bi->image_base);
	if (bi->version != BOOT_INFO_VERSION) {
		log_error("ftvisor", "boot_info version %u, core expects %u: rebuild the whole image",
			  bi->version, BOOT_INFO_VERSION);
		hv_stop(STOP_CONFIG);
	}
	load_config();
	setup_memory();
	irq_init();
	if (hv.config.console_autorun[0])
		shell_run_script(&hv, hv.config.console_autorun);
	/* Before VT-x: the network must be up even where the guest cannot run,
	 * and so must the network benchmarks. */
	if (net_init(&hv.config, bi->acpi_rsdp) != 0 || netbench_run(&hv.config) != 0)
		hv_stop(STOP_CONFIG);
	/* Logs in from the network's polls from here on: never holds the boot up. */
	disk_start(&hv.config);
	if (hv.config.ft_bench_mb)
		ft_bench(&hv);

	uint64_t ram_size = hv.config.guest_ram_mb * MIB;
	check_guest_image(ram_size);
	hv.ram_base = carve_or_stop(ram_size, "guest RAM", "guest.ram_mb");

	enum ftv_stop vmx = vmx_detect(&hv.caps, &hv.plan);
	if (vmx != STOP_GUEST_PASSED)
		hv_stop(vmx);
	vmx_print_plan(&hv.plan);
	build_cpu_model();
	if (vmx_on(&hv.plan) != 0)
		hv_stop(STOP_VMX_SETUP);

	hv.vcpu = create_vcpu(ram_size);
	if (hv.config.replay_check) {
		struct replay_check_options opt = { hv.config.replay_check, hv.config.replay_bench,
						     hv.config.replay_dump, hv.config.replay_corrupt,
						     (int)hv.config.replay_alter,
						     hv.config.replay_alter_event };
		int ok = hv.exact_points && can_record(&hv, "replay.check") ? replay_check(&hv, &opt)
									     : -1;
		if (!hv.exact_points)
			log_error("replay", "replay.check needs an exact execution-point counter");
		if (hv.config.on_stop == STOP_ACTION_POWEROFF)
			hv_stop(ok == 0 ? STOP_GUEST_PASSED : STOP_DIVERGED);
		shell_loop(&hv);
	}
	/* With ft.bench_mb the role went to the benchmark. */
	if (hv.config.ft_role != FT_ROLE_NONE && !hv.config.ft_bench_mb) {
		if (!hv.exact_points) {
			log_error("ft", "ft.role needs an exact execution-point counter");
			hv_stop(STOP_VMX_SETUP);
		}
		if (!can_record(&hv, "ft.role"))
			hv_stop(STOP_VMX_SETUP);
		ft_run(&hv);
		if (hv.config.on_stop == STOP_ACTION_POWEROFF)
			hv_stop(hv.vcpu->stop_code == STOP_REPLAY_END ? STOP_GUEST_PASSED
								      : hv.vcpu->stop_code);
		shell_loop(&hv);
	}
	log_info("vmx", "launching the guest");
	uint64_t t0 = log_uptime_us();
	hv.vcpu->service = serve_network;
	vcpu_run(hv.vcpu);
	hv.vcpu->service = NULL;
	log_info("vmx", "guest ran for %llu ms", (unsigned long long)((log_uptime_us() - t0) / 1000));
	report(hv.vcpu);

	if (hv.config.on_stop == STOP_ACTION_POWEROFF)
		hv_stop(hv.vcpu->stop_code);
	log_info("ftvisor", "guest stopped; the console stays up (type 'help')");
	shell_loop(&hv);
}
