#include "hv/vmx/vmx_caps.h"

#include <stdio.h>
#include <string.h>

#include "hv/vmx/vmx_defs.h"

/* Every control ftvisor relies on, and why. The only place they are chosen. */
static const struct vmx_ctl wanted_controls[] = {
	{ CTL_PIN, PIN_EXTERNAL_INTERRUPT_EXITING, CTL_REQUIRED, "external-interrupt exiting",
	  "the host keeps its interrupts" },
	{ CTL_PIN, PIN_NMI_EXITING, CTL_REQUIRED, "NMI exiting", "NMIs belong to the host" },
	{ CTL_PIN, PIN_PREEMPTION_TIMER, CTL_REQUIRED, "VMX-preemption timer",
	  "bounded guest time slices; the emulator execution-point counter" },
	{ CTL_PROC, PROC_INTERRUPT_WINDOW_EXITING, CTL_ON_DEMAND, "interrupt-window exiting",
	  "hold a virtual interrupt until the guest can take it" },
	{ CTL_PROC, PROC_HLT_EXITING, CTL_REQUIRED, "HLT exiting",
	  "an idle guest must not stop the instruction count" },
	{ CTL_PROC, PROC_MWAIT_EXITING, CTL_REQUIRED, "MWAIT exiting", "MWAIT is hidden from guests" },
	{ CTL_PROC, PROC_MONITOR_EXITING, CTL_REQUIRED, "MONITOR exiting", "MONITOR is hidden from guests" },
	{ CTL_PROC, PROC_RDPMC_EXITING, CTL_REQUIRED, "RDPMC exiting", "the PMU is the host's" },
	{ CTL_PROC, PROC_RDTSC_EXITING, CTL_REQUIRED, "RDTSC exiting", "time is a recorded input" },
	{ CTL_PROC, PROC_CR8_LOAD_EXITING, CTL_REQUIRED, "CR8-load exiting",
	  "CR8 is the virtual APIC's TPR, not the host's" },
	{ CTL_PROC, PROC_CR8_STORE_EXITING, CTL_REQUIRED, "CR8-store exiting",
	  "CR8 is the virtual APIC's TPR, not the host's" },
	{ CTL_PROC, PROC_UNCONDITIONAL_IO_EXITING, CTL_REQUIRED, "I/O exiting",
	  "every port is a virtual device" },
	{ CTL_PROC, PROC_SECONDARY_CONTROLS, CTL_REQUIRED, "secondary controls", "EPT lives there" },
	{ CTL_PROC2, PROC2_EPT, CTL_REQUIRED, "EPT", "guest memory isolation" },
	{ CTL_PROC2, PROC2_UNRESTRICTED_GUEST, CTL_REQUIRED, "unrestricted guest",
	  "guests start without paging" },
	{ CTL_PROC2, PROC2_VPID, CTL_OPTIONAL, "VPID", "no TLB flush on every VM exit" },
	{ CTL_PROC2, PROC2_RDTSCP, CTL_OPTIONAL, "RDTSCP", "guests may use RDTSCP" },
	{ CTL_PROC2, PROC2_RDRAND_EXITING, CTL_OPTIONAL, "RDRAND exiting",
	  "without it RDRAND is hidden from the guest" },
	{ CTL_PROC2, PROC2_RDSEED_EXITING, CTL_OPTIONAL, "RDSEED exiting",
	  "without it RDSEED is hidden from the guest" },
	{ CTL_EXIT, EXIT_HOST_ADDRESS_SPACE_SIZE, CTL_REQUIRED, "64-bit host", "ftvisor is 64-bit" },
	{ CTL_EXIT, EXIT_ACK_INTERRUPT_ON_EXIT, CTL_REQUIRED, "acknowledge interrupt on exit",
	  "the host learns the vector without enabling interrupts" },
	{ CTL_EXIT, EXIT_SAVE_PAT, CTL_REQUIRED, "save PAT", "guest PAT is guest state" },
	{ CTL_EXIT, EXIT_LOAD_PAT, CTL_REQUIRED, "load PAT", "guest PAT is guest state" },
	{ CTL_EXIT, EXIT_SAVE_EFER, CTL_REQUIRED, "save EFER", "guest EFER is guest state" },
	{ CTL_EXIT, EXIT_LOAD_EFER, CTL_REQUIRED, "load EFER", "guest EFER is guest state" },
	{ CTL_EXIT, EXIT_SAVE_PREEMPTION_TIMER, CTL_REQUIRED, "save preemption timer",
	  "exact guest instruction counts in the emulator backend" },
	{ CTL_EXIT, EXIT_LOAD_PERF_GLOBAL_CTRL, CTL_OPTIONAL, "load host PERF_GLOBAL_CTRL",
	  "the branch counter counts only while the guest runs" },
	{ CTL_EXIT, EXIT_SAVE_DEBUG_CONTROLS, CTL_OPTIONAL, "save debug controls",
	  "guest DR7/DEBUGCTL kept apart from the host's (with load debug controls)" },
	{ CTL_ENTRY, ENTRY_IA32E_MODE_GUEST, CTL_ON_DEMAND, "IA-32e mode guest", "64-bit guests" },
	{ CTL_ENTRY, ENTRY_LOAD_PERF_GLOBAL_CTRL, CTL_OPTIONAL, "load guest PERF_GLOBAL_CTRL",
	  "the branch counter counts only while the guest runs" },
	{ CTL_ENTRY, ENTRY_LOAD_DEBUG_CONTROLS, CTL_OPTIONAL, "load debug controls",
	  "guest DR7/DEBUGCTL kept apart from the host's (with save debug controls)" },
	{ CTL_ENTRY, ENTRY_LOAD_PAT, CTL_REQUIRED, "load guest PAT", "guest PAT is guest state" },
	{ CTL_ENTRY, ENTRY_LOAD_EFER, CTL_REQUIRED, "load guest EFER", "guest EFER is guest state" },
};

static const char *const kind_names[CTL_KIND_COUNT] = {
	"pin-based", "processor-based", "secondary processor-based", "VM-exit", "VM-entry",
};

const char *vmx_ctl_kind_name(enum vmx_ctl_kind kind)
{
	return (unsigned)kind < CTL_KIND_COUNT ? kind_names[kind] : "?";
}

const struct vmx_ctl *vmx_ctl_table(size_t *count)
{
	*count = sizeof(wanted_controls) / sizeof(wanted_controls[0]);
	return wanted_controls;
}

uint32_t vmx_adjust(uint64_t cap_msr, uint32_t wanted, uint32_t *missing)
{
	uint32_t must_be_one = (uint32_t)cap_msr;
	uint32_t may_be_one = (uint32_t)(cap_msr >> 32);
	*missing = wanted & ~may_be_one;
	return (wanted & may_be_one) | must_be_one;
}

static uint64_t cap_for(const struct vmx_caps *c, enum vmx_ctl_kind k)
{
	switch (k) {
	case CTL_PIN: return c->pin;
	case CTL_PROC: return c->proc;
	case CTL_PROC2: return c->proc2;
	case CTL_EXIT: return c->exit;
	case CTL_ENTRY: return c->entry;
	default: return 0;
	}
}

struct why_buf {
	char *s;
	size_t size, len;
	int count;
};

static void why_add(struct why_buf *w, const char *what, const char *detail)
{
	if (!w->s || w->size == 0) {
		w->count++;   /* no text wanted, but the failure still counts */
		return;
	}
	int n = snprintf(w->s + w->len, w->size - w->len, "%s%s (%s)", w->count ? "; " : "", what,
			 detail);
	if (n > 0)
		w->len = w->len + (size_t)n < w->size ? w->len + (size_t)n : w->size - 1;
	w->count++;
}

int vmx_plan_can_record(const struct vmx_plan *plan, int cpu_rdrand, int cpu_rdseed, char *why,
			size_t why_size)
{
	struct why_buf w = { why, why_size, 0, 0 };
	if (why && why_size)
		why[0] = 0;
	if (cpu_rdrand && !plan->rdrand_exiting)
		why_add(&w, "RDRAND exiting", "the CPU has RDRAND: the guest would read live random "
					      "numbers that no log holds");
	if (cpu_rdseed && !plan->rdseed_exiting)
		why_add(&w, "RDSEED exiting", "the CPU has RDSEED: the guest would read live random "
					      "numbers that no log holds");
	return w.count ? -1 : 0;
}

int vmx_plan_make(const struct vmx_caps *caps, struct vmx_plan *plan, char *why, size_t why_size)
{
	struct why_buf w = { why, why_size, 0, 0 };
	uint32_t start[CTL_KIND_COUNT] = { 0 }, required[CTL_KIND_COUNT] = { 0 };
	uint32_t optional[CTL_KIND_COUNT] = { 0 };
	size_t n;
	const struct vmx_ctl *t = vmx_ctl_table(&n);

	memset(plan, 0, sizeof(*plan));
	if (why && why_size)
		why[0] = 0;

	for (size_t i = 0; i < n; i++) {
		if (t[i].need == CTL_OPTIONAL)
			optional[t[i].kind] |= t[i].bit;
		else
			required[t[i].kind] |= t[i].bit;
		if (t[i].need != CTL_ON_DEMAND)
			start[t[i].kind] |= t[i].bit;
	}
	for (int k = 0; k < CTL_KIND_COUNT; k++) {
		uint32_t missing_req, missing_opt, none;
		uint64_t cap = cap_for(caps, (enum vmx_ctl_kind)k);
		vmx_adjust(cap, required[k], &missing_req);
		vmx_adjust(cap, optional[k], &missing_opt);
		plan->ctl[k] = vmx_adjust(cap, start[k] & ~missing_opt & ~missing_req, &none);
		plan->dropped[k] = missing_opt;
		for (size_t i = 0; i < n; i++)
			if (t[i].kind == (enum vmx_ctl_kind)k && (missing_req & t[i].bit) &&
			    t[i].need != CTL_OPTIONAL)
				why_add(&w, t[i].name, t[i].why);
	}
	/* ON_DEMAND bits were checked as required but are not set at start. */
	for (size_t i = 0; i < n; i++) {
		uint32_t forced = (uint32_t)cap_for(caps, t[i].kind);
		if (t[i].need == CTL_ON_DEMAND && (forced & t[i].bit))
			why_add(&w, t[i].name, "the CPU forces it on");
	}

	if (caps->basic & VMX_BASIC_32BIT_ADDRESSES)
		why_add(&w, "64-bit VMCS addresses", "this CPU limits VMX structures to 4 GiB");
	if (VMX_BASIC_MEMTYPE(caps->basic) != VMX_MEMTYPE_WB)
		why_add(&w, "write-back VMCS memory", "VMX structures must be cacheable");
	uint64_t ev = caps->ept_vpid;
	if (plan->ctl[CTL_PROC2] & PROC2_EPT) {
		if (!(ev & EPT_CAP_WALK_4))
			why_add(&w, "EPT 4-level walk", "the only EPT layout ftvisor builds");
		if (!(ev & EPT_CAP_WB))
			why_add(&w, "EPT write-back memory type", "guest RAM is write-back");
		if (!(ev & EPT_CAP_2M))
			why_add(&w, "EPT 2 MiB pages", "guest RAM is mapped with large pages");
		if (!(ev & EPT_CAP_INVEPT) || !(ev & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL)))
			why_add(&w, "INVEPT", "EPT changes must be flushable");
	}
	if ((plan->ctl[CTL_PROC2] & PROC2_VPID) &&
	    (!(ev & VPID_CAP_INVVPID) || !(ev & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL)))) {
		/* VPID without INVVPID is useless: run without it. */
		plan->ctl[CTL_PROC2] &= ~PROC2_VPID;
		plan->dropped[CTL_PROC2] |= PROC2_VPID;
	}

	/* Loading guest DR7 without saving it on exit would undo the guest's own
	 * DR7 writes (they do not exit): the two debug controls go together. */
	if (!(plan->ctl[CTL_ENTRY] & ENTRY_LOAD_DEBUG_CONTROLS) !=
	    !(plan->ctl[CTL_EXIT] & EXIT_SAVE_DEBUG_CONTROLS)) {
		plan->ctl[CTL_ENTRY] &= ~ENTRY_LOAD_DEBUG_CONTROLS;
		plan->ctl[CTL_EXIT] &= ~EXIT_SAVE_DEBUG_CONTROLS;
		plan->dropped[CTL_ENTRY] |= ENTRY_LOAD_DEBUG_CONTROLS;
		plan->dropped[CTL_EXIT] |= EXIT_SAVE_DEBUG_CONTROLS;
	}

	plan->revision = (uint32_t)(caps->basic & VMX_BASIC_REVISION_MASK);
	plan->vmcs_size = (uint32_t)VMX_BASIC_REGION_SIZE(caps->basic);
	plan->preemption_rate = VMX_MISC_PREEMPTION_RATE(caps->misc);
	plan->ept_1g = (ev & EPT_CAP_1G) != 0;
	plan->vpid = (plan->ctl[CTL_PROC2] & PROC2_VPID) != 0;
	plan->rdtscp = (plan->ctl[CTL_PROC2] & PROC2_RDTSCP) != 0;
	plan->rdrand_exiting = (plan->ctl[CTL_PROC2] & PROC2_RDRAND_EXITING) != 0;
	plan->rdseed_exiting = (plan->ctl[CTL_PROC2] & PROC2_RDSEED_EXITING) != 0;
	return w.count ? -1 : 0;
}
