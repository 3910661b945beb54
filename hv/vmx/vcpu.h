/* The one virtual CPU and everything the exit handlers need about it. */
#ifndef FTV_VCPU_H
#define FTV_VCPU_H

#include <stddef.h>
#include <stdint.h>

#include "hv/eventlog/event.h"
#include "hv/replay/execpoint.h"
#include "hv/replay/execpoint_pmu.h"
#include "hv/lib/stop.h"
#include "hv/devices/vioapic.h"
#include "hv/devices/vlapic.h"
#include "hv/vmx/vmx_caps.h"
#include "hv/vmx/vmx_defs.h"
#include "hv/devices/blk_ramdisk.h"
#include "hv/devices/virtio_blk.h"
#include "hv/devices/vpci.h"
#include "hv/devices/vrtc.h"
#include "hv/devices/vuart.h"

/* General registers by their hardware number (as exit qualifications and
 * instruction-information fields name them); RSP lives in the VMCS. */
enum gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
};

/* Shared with arch/x86_64/vmx_entry.S: offsets are fixed there. */
struct vcpu_context {
	uint64_t gpr[16];
	uint64_t launched;
	uint8_t *fx_host;
	uint8_t *fx_guest;
};

_Static_assert(offsetof(struct vcpu_context, launched) == 128, "vmx_entry.S CTX_LAUNCHED");
_Static_assert(offsetof(struct vcpu_context, fx_host) == 136, "vmx_entry.S CTX_FX_HOST");
_Static_assert(offsetof(struct vcpu_context, fx_guest) == 144, "vmx_entry.S CTX_FX_GUEST");

int vmx_enter(struct vcpu_context *ctx);
void vmx_exit_entry(void);

/* What one VM exit was, read from the VMCS once. */
struct vm_exit {
	uint32_t reason;          /* basic reason */
	uint32_t raw_reason;
	uint64_t qualification;
	uint32_t instr_len;
	uint32_t instr_info;
	uint32_t intr_info;
	uint64_t guest_phys;
	uint64_t rip;
};

enum vcpu_state { VCPU_RUNNING, VCPU_STOPPED };

struct nondet;
struct cpu_model;

struct vcpu {
	struct vcpu_context ctx;
	uint8_t fx_host[512] __attribute__((aligned(16)));
	uint8_t fx_guest[512] __attribute__((aligned(16)));

	const struct vmx_plan *plan;
	const struct vmx_caps *caps;
	const struct cpu_model *cpu_model; /* what CPUID says, and the CR4 bits it allows */
	uint64_t vmcs_phys;
	uint64_t eptp;
	uint8_t *ram;             /* host address of guest-physical 0 */
	uint64_t ram_size;

	struct vlapic lapic;
	struct vioapic ioapic;    /* at VIOAPIC_DEFAULT_BASE, delivering to 'lapic' */
	struct vuart uart;
	struct vrtc rtc;
	struct vpci pci;          /* the PCI bus: a host bridge and the disk */
	struct virtio_blk disk;   /* virtio-blk at 00:01.0 */
	struct blk_ramdisk no_medium; /* the disk's backend until shared storage comes: 0 sectors */

	uint64_t tsc_base;        /* guest TSC = host TSC - tsc_base */
	uint64_t timer_slice;     /* longest run between forced exits, timer ticks */
	uint32_t proc_ctl;        /* primary controls as currently written */

	const struct execpoint_backend *ep;
	struct exec_point point;  /* where the guest is, as of the last exit */
	uint32_t timer_loaded;    /* preemption-timer value of the current entry */
	struct execpoint_pmu_state pmu; /* the PMU backend's state */
	struct nondet *nd;        /* record/replay: the choke point's state */
	void (*service)(struct vcpu *v); /* host work between guest entries (the FT roles), or NULL */

	enum vcpu_state state;
	enum ftv_stop stop_code;
	uint32_t report_code;     /* the guest's FTV_HC_REPORT argument */
	char stop_reason[192];

	uint64_t exits;
	uint64_t exit_counts[EXIT_REASON_COUNT];
	uint64_t interrupts_injected;
	uint64_t host_nmis;       /* NMIs of the host that arrived while the guest ran */
	uint64_t unclaimed_port_accesses;
	uint64_t refused_msr_accesses;
};

/* Guest time as the guest sees it. */
uint64_t vcpu_guest_tsc(const struct vcpu *v);
/* Ends the guest's run; the reason is printed once the loop unwinds. */
void vcpu_stop(struct vcpu *v, enum ftv_stop code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Moves RIP past the exiting instruction and drops STI/MOV-SS blocking. */
void vcpu_skip_instruction(struct vcpu *v, const struct vm_exit *e);
/* General registers by number; RSP goes through the VMCS. */
uint64_t vcpu_read_gpr(const struct vcpu *v, unsigned n);
void vcpu_write_gpr(struct vcpu *v, unsigned n, uint64_t value);
/* Current privilege level from the guest's SS access rights. */
unsigned vcpu_cpl(void);
/* Asks for an exit as soon as the guest can take an interrupt (or stops asking). */
void vcpu_set_interrupt_window(struct vcpu *v, int on);
/* Registers and the main VMCS guest fields, on the console. */
void vcpu_dump(const struct vcpu *v);

#endif
