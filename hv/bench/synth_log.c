#include "hv/bench/synth_log.h"

#include <string.h>

#define TIMER_VECTOR 0x40
#define TICK_MIN 2000              /* guest instructions between timer ticks */
#define TICK_SPREAD 120000
#define WORK_EVERY 4               /* one tick in this many runs the work loop */
#define APIC_CURRENT_COUNT 0x39    /* x2APIC MSR 0x839 - 0x800 */
#define TSC_START 0x6000000ull

/* Where the test guest's timer interrupts land (rip), and its handler's
 * and work loop's instructions. */
static const uint64_t interrupted_at[] = { 0x1050d0, 0x100da7, 0x107032, 0x100107 };
#define HANDLER_RDTSC 0x100124
#define WORK_RDTSC 0x103128
#define WORK_RDRAND 0x103186
#define WORK_APIC_READ 0x100105

/* One tick: the interrupt, its handler's TSC read, then (with the work
 * loop) a TSC read, an RDRAND and an APIC timer read. */
enum { STEP_INTERRUPT, STEP_HANDLER_TSC, STEP_WORK_TSC, STEP_WORK_RDRAND, STEP_WORK_APIC };

/* splitmix64 */
static uint64_t next_random(struct synth_log *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void synth_log_init(struct synth_log *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->rng = seed;
	s->tsc = TSC_START;
}

/* Moves the guest on by 'instructions' to rip; the TSC runs along. */
static void advance(struct synth_log *s, uint64_t instructions, uint64_t rip)
{
	s->at.count += instructions;
	s->at.rip = rip;
	s->tsc += instructions + next_random(s) % 64;
}

static void tsc_read(struct synth_log *s, struct ev *out, uint64_t instructions, uint64_t rip)
{
	advance(s, instructions, rip);
	out->type = EV_TSC;
	out->key = EV_TSC_RDTSC;
	out->value = s->tsc;
}

void synth_log_next(struct synth_log *s, struct ev *out)
{
	uint64_t rcx = 0; /* stored for interrupts only */
	memset(out, 0, sizeof(*out));
	if (s->events % SYNTH_HASH_INTERVAL == SYNTH_HASH_INTERVAL - 1) {
		out->type = EV_HASH;
		out->value = next_random(s);
	} else {
		switch (s->step) {
		case STEP_INTERRUPT: {
			uint64_t ran = TICK_MIN + next_random(s) % TICK_SPREAD;
			advance(s, ran, interrupted_at[next_random(s) % 4]);
			rcx = next_random(s) % 0x10000;
			s->work = next_random(s) % WORK_EVERY == 0;
			out->type = EV_INTR;
			out->key = TIMER_VECTOR;
			break;
		}
		case STEP_HANDLER_TSC:
			tsc_read(s, out, 5, HANDLER_RDTSC);
			break;
		case STEP_WORK_TSC:
			tsc_read(s, out, 140 + next_random(s) % 16, WORK_RDTSC);
			break;
		case STEP_WORK_RDRAND:
			advance(s, 25, WORK_RDRAND);
			out->type = EV_RAND;
			out->value = next_random(s);
			out->flag = 1;
			break;
		case STEP_WORK_APIC:
			advance(s, 7, WORK_APIC_READ);
			out->type = EV_DEVICE;
			out->key = EV_DEVICE_KEY(EV_DEV_LAPIC, APIC_CURRENT_COUNT);
			out->value = next_random(s) % 0x4000;
			break;
		}
		int tick_over = s->step == STEP_WORK_APIC || (s->step == STEP_HANDLER_TSC && !s->work);
		s->step = tick_over ? STEP_INTERRUPT : s->step + 1;
	}
	out->at = s->at;
	out->at.rcx = rcx;
	s->events++;
}

void synth_log_stop(const struct synth_log *s, struct ev *out)
{
	memset(out, 0, sizeof(*out));
	out->type = EV_STOP;
	out->at = s->at;
}
