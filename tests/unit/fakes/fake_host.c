#include "tests/unit/fakes/fake_host.h"

#include <string.h>

#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/irq.h"
#include "hv/vmx/host.h"
#include "hv/vmx/vcpu.h"

struct fake_host fake_host;
/* The NMI stub's count (arch/x86_64/exceptions.h), which the exit counts print. */
uint64_t host_nmis_outside_guest;

void fake_host_reset(void)
{
	memset(&fake_host, 0, sizeof(fake_host));
	fake_host.rand_ok = 1;
}

uint64_t host_rdtsc(void)
{
	uint64_t now = fake_host.tsc;
	fake_host.tsc += fake_host.tsc_step;
	return now;
}

int host_rdrand64(uint64_t *value)
{
	fake_host.rand_calls++;
	*value = fake_host.rand_ok ? fake_host.rand_value : 0;
	return fake_host.rand_ok;
}

#include "arch/x86_64/msr.h"

static uint64_t *msr_slot(uint32_t msr)
{
	switch (msr) {
	case MSR_IA32_KERNEL_GS_BASE: return &fake_host.regs.kernel_gs_base;
	case MSR_IA32_STAR: return &fake_host.regs.star;
	case MSR_IA32_LSTAR: return &fake_host.regs.lstar;
	case MSR_IA32_CSTAR: return &fake_host.regs.cstar;
	case MSR_IA32_FMASK: return &fake_host.regs.fmask;
	case MSR_IA32_TSC_AUX: return &fake_host.regs.tsc_aux;
	default: fake_host.bad_msr_accesses++; return NULL;
	}
}

uint64_t host_rdmsr(uint32_t msr)
{
	uint64_t *slot = msr_slot(msr);
	return slot ? *slot : 0;
}

void host_wrmsr(uint32_t msr, uint64_t value)
{
	uint64_t *slot = msr_slot(msr);
	if (slot)
		*slot = value;
}

void host_save_unswitched(struct guest_unswitched *s)
{
	*s = fake_host.regs;
}

void host_load_unswitched(const struct guest_unswitched *s)
{
	fake_host.regs = *s;
}

void host_nmi_unblock(void)
{
	fake_host.nmi_unblocks++;
}

void irq_wait(uint64_t max_us)
{
	fake_host.waits++;
	fake_host.waited_us += max_us;
}

void irq_register(uint8_t vector, irq_handler_fn fn, void *ctx)
{
	fake_host.irq_vector = vector;
	fake_host.irq_fn = fn;
	fake_host.irq_ctx = ctx;
}

void irq_dispatch(uint8_t vector)
{
	if (fake_host.dispatches < sizeof(fake_host.dispatched))
		fake_host.dispatched[fake_host.dispatches] = vector;
	fake_host.dispatches++;
}

int vmx_enter(struct vcpu_context *ctx)
{
	fake_host.entries++;
	return fake_host.enter ? fake_host.enter(ctx, fake_host.enter_arg) : 1;
}
