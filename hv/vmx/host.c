#include "hv/vmx/host.h"

#include "arch/x86_64/cpu.h"

uint64_t host_rdtsc(void)
{
	return cpu_rdtsc();
}

int host_rdrand64(uint64_t *value)
{
	return cpu_rdrand64(value);
}

void host_nmi_unblock(void)
{
	cpu_unblock_nmi();
}
