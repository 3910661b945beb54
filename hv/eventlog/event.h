/*
 * One recorded non-deterministic input, as the record/replay engine sees it.
 * Everything that could make two runs of the guest differ becomes an event:
 * the value it produced and the execution point where it happened. The log
 * codec (log_codec.c) turns events into checksummed batches and back.
 */
#ifndef FTV_EVENT_H
#define FTV_EVENT_H

#include <stdint.h>

enum ev_type {
	EV_NONE = 0,
	EV_TSC = 1,        /* a time read: key = enum ev_tsc_source, value = guest TSC */
	EV_RAND = 2,       /* RDRAND/RDSEED: key = 0 rdrand, 1 rdseed; value; flag = CF */
	EV_DEVICE = 3,     /* a device register whose value comes from outside:
			    * key = EV_DEVICE_KEY(device, register), value */
	EV_INTR = 4,       /* an interrupt injected: key = vector; at (count, rip, rcx) */
	EV_HASH = 5,       /* architectural state hash at (count, rip): value */
	EV_MEMHASH = 6,    /* guest memory hash at (count, rip): value */
	EV_STOP = 7,       /* the guest stopped: key = enum ftv_stop, value = report code */
	EV_TYPE_COUNT
};

enum ev_tsc_source { EV_TSC_RDTSC = 0, EV_TSC_RDTSCP = 1, EV_TSC_MSR = 2 };

enum ev_device {
	EV_DEV_LAPIC = 1,  /* register = x2APIC MSR number - 0x800 */
	EV_DEV_RTC = 2,    /* register = CMOS index */
	EV_DEV_UART = 3,   /* register = port offset */
};

#define EV_DEVICE_KEY(dev, reg) (((uint32_t)(dev) << 16) | ((uint32_t)(reg) & 0xffff))

/*
 * An execution point: how far the guest has run, exactly. 'count' is the
 * execution-point counter (guest instructions under the emulator backend,
 * retired conditional branches under the PMU backend); rip and rcx tell
 * apart points with the same count (an exiting instruction is not counted;
 * RCX places us inside a REP string instruction).
 */
struct exec_point {
	uint64_t count;
	uint64_t rip;
	uint64_t rcx;
};

/* The same point: count, RIP and RCX (inside a REP string instruction only
 * RCX tells two iterations apart). */
static inline int exec_point_equal(const struct exec_point *a, const struct exec_point *b)
{
	return a->count == b->count && a->rip == b->rip && a->rcx == b->rcx;
}

struct ev {
	uint8_t type;      /* enum ev_type */
	uint8_t flag;
	uint32_t key;
	uint64_t value;
	struct exec_point at;
};

#endif
