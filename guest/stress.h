/* test=replay: a workload built to make deterministic replay hard. */
#ifndef GUEST_STRESS_H
#define GUEST_STRESS_H

#include <stdint.h>

__attribute__((noreturn)) void test_replay_stress(uint32_t ticks);
/* test=compute: CPU-bound work under a steady timer, the benchmark's guest. */
__attribute__((noreturn)) void test_compute(uint32_t ticks);

#endif
