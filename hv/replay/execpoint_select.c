#include "hv/replay/execpoint.h"

#include "hv/lib/log.h"

const struct execpoint_backend *execpoint_select(struct vcpu *v, enum execpoint_choice choice,
						 int *exact)
{
	*exact = 1;
	if (choice != EXECPOINT_EMULATOR) {
		if (execpoint_pmu.init(v) == 0) {
			log_info("replay", "execution points: %s", execpoint_pmu.name);
			return &execpoint_pmu;
		}
		if (choice == EXECPOINT_PMU)
			log_warn("replay", "replay.counter = pmu, but the PMU cannot count here");
	}
	if (execpoint_emulator.init(v) == 0) {
		if (choice == EXECPOINT_AUTO)
			log_info("replay", "execution points: %s; no usable PMU, so this is exact only "
					   "under an emulator that counts one tick per instruction (Bochs)",
				 execpoint_emulator.name);
		else
			log_info("replay", "execution points: %s", execpoint_emulator.name);
		return &execpoint_emulator;
	}
	/* The preemption timer still slices time; it just counts no instructions. */
	log_warn("replay", "no exact execution-point counter on this machine: record/replay is off");
	*exact = 0;
	return &execpoint_emulator;
}
