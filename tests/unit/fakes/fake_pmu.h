/*
 * The host's PMU for host tests of the PMU execution-point backend: the
 * functions of arch/x86_64/pmu.h over a simulated counter 0 of 'width'
 * bits. A test plays the guest by retiring branches with fake_pmu_run(),
 * which stops where the counter overflows, as the overflow interrupt
 * would end the guest's run (with no skid).
 */
#ifndef FTV_TEST_FAKE_PMU_H
#define FTV_TEST_FAKE_PMU_H

#include <stdint.h>

#include "arch/x86_64/pmu.h"

struct fake_pmu {
	struct pmu_info info;   /* what pmu_detect() reports */
	int detect_fails;       /* pmu_detect() / pmu_probe() say no */
	int probe_fails;
	uint64_t counter;       /* counter 0, 'info.width' bits */
	int overflowed;         /* set when the counter wrapped, cleared by pmu_ack_interrupt() */
	unsigned writes;        /* pmu_write() calls */
	uint64_t last_write;
	unsigned starts, acks;
};

extern struct fake_pmu fake_pmu;

/* Counter 0 of 48 bits, a margin of 'skid' branches, FREEZE_WHILE_SMM off. */
void fake_pmu_reset(uint32_t skid);
/* Retires up to 'branches' conditional branches in the guest, stopping
 * at an overflow; returns how many retired. */
uint64_t fake_pmu_run(uint64_t branches);

#endif
