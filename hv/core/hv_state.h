/* Everything the hypervisor core knows, in one explicit struct. */
#ifndef FTV_HV_STATE_H
#define FTV_HV_STATE_H

#include "boot/boot_info.h"
#include "hv/devices/cpu_model.h"
#include "hv/lib/config.h"
#include "hv/eventlog/event_log.h"
#include "hv/core/guest_load.h"
#include "hv/replay/nondet.h"
#include "hv/lib/memmap.h"
#include "hv/vmx/vcpu.h"
#include "hv/vmx/vmx_caps.h"

struct hv_state {
	struct boot_info *boot;
	struct ftv_config config;
	struct memmap memmap;
	struct vmx_caps caps;
	struct vmx_plan plan;
	struct cpu_model cpu_model;  /* the guest's CPU, built once at boot */
	struct vcpu *vcpu;           /* NULL until the guest exists */
	struct guest_image guest;    /* the checked image, for every power-on */
	struct nondet nd;            /* the record/replay choke point */
	struct event_log log;        /* the record log */
	uint64_t cpu_model_hash;     /* the virtual CPU model the guest sees (HELLO compares it) */
	int exact_points;            /* an exact execution-point counter runs: replay possible */
	uint64_t heap_base, ram_base;
};

#endif
