/* What the command line (guest.cmdline in the hypervisor config) asks for. */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stdint.h>

enum guest_test {
	TEST_ALL,               /* every check, then pass */
	TEST_FAIL,              /* report a deliberate failure */
	TEST_TRIPLE,            /* triple-fault on purpose */
	TEST_BADMSR,            /* #GP from a nonexistent MSR, caught */
	TEST_REPLAY,            /* work that makes record/replay hard, for ticks interrupts */
	TEST_COMPUTE,           /* CPU-bound work until ticks interrupts (benchmarks) */
};

struct guest_config {
	enum guest_test test;
	uint32_t ticks;         /* timer interrupts to wait for */
};

/*
 * Words separated by spaces: test=all|fail|triple|badmsr|replay|compute, ticks=N.
 * Anything else fails the run (CODE_CMDLINE): a typo in a test config
 * must not silently turn into a default run that passes.
 */
struct guest_config cmdline_parse(const char *cmdline);

#endif
