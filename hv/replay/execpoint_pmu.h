/*
 * The PMU execution-point backend's state, one per vCPU (struct vcpu's
 * 'pmu' member). The backend itself is execpoint_pmu in execpoint.h.
 */
#ifndef FTV_EXECPOINT_PMU_H
#define FTV_EXECPOINT_PMU_H

#include <stdint.h>

#include "hv/replay/pmu_stepper.h"
#include "arch/x86_64/pmu.h"

struct vcpu;

struct execpoint_pmu_state {
	struct pmu_info info;        /* what the CPU offers (pmu_detect) */
	uint32_t skid;               /* margin for the overflow interrupt, branches */
	struct pmu_stepper stepper;  /* the pursuit of the current stop_at */
	int pursuing;                /* the stepper holds the current stop_at */
	int mtf;                     /* the monitor trap flag is set for this entry */
	uint64_t hw_last;            /* PMC0 at the last exit, or as last written */
	uint64_t hw_armed_at;        /* count at which PMC0 overflows; 0: not armed */
	uint64_t count_seen;         /* v->point.count as this backend last left it */

	/* for the console */
	uint64_t pursuits;           /* stop_at targets pursued */
	uint64_t interrupts;         /* overflow interrupts taken */
	uint64_t steps;              /* monitor-trap single steps */
	uint64_t late_max;           /* latest overflow interrupt seen, branches */
};

/* One console line: targets, interrupts, steps, and the latest overflow
 * interrupt against the margin (the number to check on new hardware). */
void execpoint_pmu_print_stats(const struct vcpu *v);

#endif
