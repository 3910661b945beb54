/*
 * test=replay: interrupts at random intervals (1,000 to 20,000 timer ticks,
 * chosen by a generator seeded and stirred with RDTSC and RDRAND) land in
 * every kind of code a replay can get wrong:
 *   - long branch-free blocks (no instruction boundary stands out),
 *   - REP MOVSB / REP STOSD over 64 KiB (an interrupt splits an iteration run),
 *   - control flow that depends on RDTSC, RDRAND, the APIC timer's current
 *     count and the RTC, all inputs the hypervisor must log,
 *   - stretches with IF=0, where the interrupt must wait for STI,
 *   - HLT, where the guest idles until the next interrupt.
 * Everything feeds one checksum printed at the end: a replay that went
 * anywhere else prints another one (and fails the hypervisor's hash checks).
 */
#include "stress.h"

#include "apic.h"
#include "codes.h"
#include "print.h"
#include "report.h"
#include "x86.h"

#define MIN_INTERVAL 1000u
#define INTERVAL_SPAN 19000u
#define BUFFER_BYTES 65536u
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_SECONDS 0x00
/* A guest with a working timer never spins this long without a tick. */
#define STALL_LIMIT 200000000u

static uint8_t src[BUFFER_BYTES], dst[BUFFER_BYTES];
static volatile uint64_t rng_state;
static volatile uint64_t checksum;

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static uint32_t next_random(void)
{
	/* xorshift64: cheap, and its sequence depends on every input mixed in. */
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return (uint32_t)(x >> 16);
}

static void stress_tick(void)
{
	uint32_t r;
	/* Some ticks stir the generator with hardware entropy. */
	if ((ticks.count & 7) == 0 && rdrand32(&r))
		rng_state = mix(rng_state, r);
	checksum = mix(checksum, ticks.last_tsc ^ ticks.count);
	apic_timer_start_oneshot(MIN_INTERVAL + next_random() % INTERVAL_SPAN);
}

/* 2,400 instructions with no branch. */
static uint32_t straight_line(uint32_t a, uint32_t b)
{
	__asm__ volatile(".rept 600\n\t"
			 "addl %0, %1\n\t"
			 "roll $3, %1\n\t"
			 "xorl %1, %0\n\t"
			 "imull $0x9e37, %0, %0\n\t"
			 ".endr"
			 : "+r"(a), "+r"(b));
	return a ^ b;
}

static void rep_strings(uint32_t fill)
{
	uint32_t n = BUFFER_BYTES;
	void *d = dst, *s = src;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	n = BUFFER_BYTES / 4;
	d = src;
	__asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(fill) : "memory");
	checksum = mix(checksum, dst[fill % BUFFER_BYTES] | (uint32_t)src[BUFFER_BYTES - 1] << 8);
}

/* Branches whose direction is an input: the replay must see the same values. */
static void input_driven(void)
{
	uint32_t r = 0;
	uint64_t t = rdtsc();
	if (t & 1)
		checksum = mix(checksum, t);
	else
		checksum = mix(checksum, ~t);
	if (rdrand32(&r) && (r & 3) == 0)
		checksum = mix(checksum, straight_line(r, (uint32_t)t));
	checksum = mix(checksum, apic_timer_current());
}

static uint8_t rtc_seconds(void)
{
	outb(CMOS_INDEX, CMOS_SECONDS);
	return inb(CMOS_DATA);
}

/* IF=0 for a while: a timer interrupt that comes due must wait for STI. */
static void masked_stretch(void)
{
	uint32_t spins = 500 + next_random() % 4000;
	cli();
	for (volatile uint32_t i = 0; i < spins; i++)
		checksum = mix(checksum, i);
	sti();
}

static void wait_tick(uint32_t seen)
{
	for (uint32_t i = 0; ticks.count == seen; i++) {
		if (i > STALL_LIMIT)
			fail(CODE_STRESS_NO_TICKS, "replay stress: no interrupt after %u ticks", seen);
		pause();
	}
}

#define COMPUTE_PERIOD 100000u   /* timer ticks between interrupts: 1 kHz at 100 MHz */

void test_compute(uint32_t want)
{
	uint32_t round = 0;
	print("compute: CPU-bound work until %u timer interrupts\n", want);
	apic_enable_x2apic();
	apic_timer_start_periodic(COMPUTE_PERIOD);
	sti();
	while (ticks.count < want) {
		checksum = mix(checksum, straight_line(round, (uint32_t)checksum));
		if ((round & 15) == 0)
			rep_strings(round);
		round++;
	}
	cli();
	apic_timer_mask();
	print("compute: %u interrupts, %u rounds, checksum 0x%llx\n", ticks.count, round,
	      (unsigned long long)checksum);
	report(CODE_PASS);
}

void test_replay_stress(uint32_t want)
{
	uint32_t r = 0;
	rng_state = mix(rdtsc(), rdrand32(&r) ? r : 0x1234) | 1;
	checksum = rtc_seconds();
	print("replay stress: %u interrupts at random intervals of %u-%u ticks\n", want,
	      MIN_INTERVAL, MIN_INTERVAL + INTERVAL_SPAN);
	apic_enable_x2apic();
	ticks.hook = stress_tick;
	apic_timer_start_oneshot(MIN_INTERVAL);
	sti();

	uint32_t round = 0, halts = 0;
	while (ticks.count < want) {
		uint32_t seen = ticks.count;
		switch (next_random() % 6) {
		case 0: checksum = mix(checksum, straight_line(round, (uint32_t)checksum)); break;
		case 1: rep_strings(round); break;
		case 2: input_driven(); break;
		case 3: masked_stretch(); break;
		case 4:
			/* STI;HLT is atomic: the tick cannot slip in between. */
			cli();
			if (ticks.count == seen) {
				sti_hlt();
				halts++;
			} else {
				sti();
			}
			break;
		default: wait_tick(seen); break;
		}
		round++;
	}
	cli();
	apic_timer_mask();
	print("replay stress: %u interrupts, %u rounds, %u halts, checksum 0x%llx\n", ticks.count,
	      round, halts, (unsigned long long)checksum);
	report(CODE_PASS);
}
