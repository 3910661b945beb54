#include "tests/unit/support/random_event.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/eventlog/log_codec.h"

uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t rng_sized(uint64_t *s)
{
	unsigned bits = (unsigned)(rng_next(s) % 65);
	uint64_t v = rng_next(s);
	return bits == 64 ? v : v & ((1ull << bits) - 1);
}

struct ev random_event(uint64_t *s, unsigned type, uint64_t count, uint64_t rip)
{
	struct ev ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = (uint8_t)type;
	ev.at.count = count + (rng_next(s) % 8 == 0 ? 0 : rng_sized(s) % (1ull << 40));
	ev.at.rip = rng_next(s) % 4 == 0 ? rng_next(s) : rip + rng_next(s) % 8192 - 4096;
	switch (type) {
	case EV_TSC:
		ev.key = (uint32_t)(rng_next(s) % 3);
		ev.value = rng_sized(s);
		break;
	case EV_RAND:
		ev.key = (uint32_t)(rng_next(s) % 2);
		ev.flag = (uint8_t)(rng_next(s) % 2);
		ev.value = rng_sized(s);
		break;
	case EV_DEVICE:
		ev.key = (uint32_t)rng_sized(s);
		ev.value = rng_sized(s);
		break;
	case EV_INTR:
		ev.key = (uint32_t)(rng_next(s) % 256);
		ev.at.rcx = rng_sized(s);
		break;
	case EV_HASH:
	case EV_MEMHASH:
		ev.at.rcx = rng_sized(s);
		ev.value = rng_next(s);
		break;
	case EV_STOP:
		ev.at.rcx = rng_sized(s);
		ev.key = (uint32_t)rng_sized(s);
		ev.value = rng_sized(s);
		break;
	}
	return ev;
}

struct ev random_next_event(uint64_t *s, struct ev *last)
{
	unsigned type = 1 + (unsigned)(rng_next(s) % (EV_TYPE_COUNT - 1));
	*last = random_event(s, type, last->at.count, last->at.rip);
	return *last;
}

void assert_ev_equal(const struct ev *want, const struct ev *got, uint64_t index)
{
	if (want->type != got->type || want->flag != got->flag || want->key != got->key ||
	    want->value != got->value || want->at.count != got->at.count ||
	    want->at.rip != got->at.rip || want->at.rcx != got->at.rcx) {
		char a[160], b[160];
		ev_describe(want, index, a, sizeof(a));
		ev_describe(got, index, b, sizeof(b));
		fail_msg("event %llu differs:\n  want %s (flag %u key 0x%x)\n"
			 "  got  %s (flag %u key 0x%x)",
			 (unsigned long long)index, a, want->flag, want->key, b, got->flag, got->key);
	}
}
