#include "tests/unit/fakes/fake_pmu.h"

#include <stdio.h>
#include <string.h>

struct fake_pmu fake_pmu;

static uint64_t mask(void)
{
	return fake_pmu.info.width >= 64 ? ~0ull : (1ull << fake_pmu.info.width) - 1;
}

void fake_pmu_reset(uint32_t skid)
{
	memset(&fake_pmu, 0, sizeof(fake_pmu));
	fake_pmu.info = (struct pmu_info){ .family = 6, .model = 0x55, .version = 4, .counters = 4,
					   .width = 48, .event = 0xc4, .umask = 0x01, .skid = skid,
					   .uarch = "fake" };
}

uint64_t fake_pmu_run(uint64_t branches)
{
	uint64_t to_overflow = mask() - fake_pmu.counter + 1;
	uint64_t n = branches < to_overflow ? branches : to_overflow;
	fake_pmu.counter = (fake_pmu.counter + n) & mask();
	if (n == to_overflow)
		fake_pmu.overflowed = 1;
	return n;
}

int pmu_detect(struct pmu_info *info, char *why, size_t why_size)
{
	if (fake_pmu.detect_fails) {
		snprintf(why, why_size, "fake: no architectural PMU");
		return -1;
	}
	*info = fake_pmu.info;
	return 0;
}

int pmu_probe(const struct pmu_info *info, char *why, size_t why_size)
{
	(void)info;
	if (fake_pmu.probe_fails) {
		snprintf(why, why_size, "fake: counter 0 reads 0");
		return -1;
	}
	return 0;
}

void pmu_start(const struct pmu_info *info)
{
	(void)info;
	fake_pmu.starts++;
}

uint64_t pmu_read(void)
{
	return fake_pmu.counter;
}

void pmu_write(uint64_t value)
{
	fake_pmu.writes++;
	fake_pmu.last_write = value;
	fake_pmu.counter = value & mask();
}

void pmu_ack_interrupt(void)
{
	fake_pmu.acks++;
	fake_pmu.overflowed = 0;
}
