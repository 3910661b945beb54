#include "hv/devices/vlapic.h"

#include <string.h>

#include "arch/x86_64/msr.h"

/* x2APIC register MSRs (SDM vol. 3A, table 11-6). */
#define X2APIC_ID 0x802
#define X2APIC_VERSION 0x803
#define X2APIC_TPR 0x808
#define X2APIC_PPR 0x80a
#define X2APIC_LDR 0x80d
#define X2APIC_SVR 0x80f
#define X2APIC_ISR0 0x810
#define X2APIC_TMR0 0x818
#define X2APIC_IRR0 0x820
#define X2APIC_ESR 0x828
#define X2APIC_LVT_CMCI 0x82f
#define X2APIC_ICR 0x830
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_LVT_THERMAL 0x833
#define X2APIC_LVT_PERF 0x834
#define X2APIC_LVT_LINT0 0x835
#define X2APIC_LVT_LINT1 0x836
#define X2APIC_LVT_ERROR 0x837
#define X2APIC_TIMER_INITIAL 0x838
#define X2APIC_TIMER_CURRENT 0x839
#define X2APIC_TIMER_DIVIDE 0x83e
#define X2APIC_SELF_IPI 0x83f

#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_TIMER_MODE_MASK (3u << 17)
#define LVT_VECTOR(v) ((v) & 0xffu)
#define SVR_ENABLE (1u << 8)
/* Version 0x15, 7 LVT entries (max LVT index 6), like a recent Intel core. */
#define VLAPIC_VERSION_VALUE 0x00060015u
#define ICR_SHORTHAND_NONE 0u
#define ICR_SHORTHAND_SELF 1u
#define ICR_SHORTHAND_ALL 2u

void vlapic_reset(struct vlapic *l)
{
	memset(l, 0, sizeof(*l));
	l->apic_base = VLAPIC_DEFAULT_BASE | APIC_BASE_BSP | APIC_BASE_ENABLE;
	l->svr = 0xff;
	l->lvt_timer = l->lvt_lint0 = l->lvt_lint1 = l->lvt_error = LVT_MASKED;
	l->lvt_thermal = l->lvt_perf = l->lvt_cmci = LVT_MASKED;
}

int vlapic_is_x2apic(const struct vlapic *l)
{
	return (l->apic_base & (APIC_BASE_X2APIC | APIC_BASE_ENABLE)) ==
	       (APIC_BASE_X2APIC | APIC_BASE_ENABLE);
}

uint64_t vlapic_read_base(const struct vlapic *l)
{
	return l->apic_base;
}

int vlapic_write_base(struct vlapic *l, uint64_t value)
{
	const uint64_t allowed = 0x0000000ffffff000ull | APIC_BASE_BSP | APIC_BASE_X2APIC |
				 APIC_BASE_ENABLE;
	if (value & ~allowed)
		return VLAPIC_GP;
	/* x2APIC without the global enable is an invalid state (SDM 10.12.5). */
	if ((value & APIC_BASE_X2APIC) && !(value & APIC_BASE_ENABLE))
		return VLAPIC_GP;
	/* Leaving x2APIC mode other than by disabling the APIC is invalid too. */
	if (vlapic_is_x2apic(l) && (value & APIC_BASE_ENABLE) && !(value & APIC_BASE_X2APIC))
		return VLAPIC_GP;
	/* So is entering x2APIC mode straight from the disabled state. */
	if (!(l->apic_base & APIC_BASE_ENABLE) && (value & APIC_BASE_X2APIC))
		return VLAPIC_GP;
	/* The BSP flag is read-only. */
	l->apic_base = (value & ~APIC_BASE_BSP) | (l->apic_base & APIC_BASE_BSP);
	if (!(value & APIC_BASE_ENABLE))
		l->timer_deadline = 0;
	return VLAPIC_OK;
}

static unsigned divide_shift(uint32_t cfg)
{
	/* Bits 0,1,3 encode divide-by 2,4,8,16,32,64,128 and 0b111 = 1. */
	unsigned code = (cfg & 3) | ((cfg >> 1) & 4);
	return code == 7 ? 0 : code + 1;
}

static uint64_t timer_period(const struct vlapic *l)
{
	return (uint64_t)l->initial_count << divide_shift(l->divide_config);
}

static void timer_load(struct vlapic *l, uint64_t now)
{
	l->timer_start = now;
	l->timer_deadline = l->initial_count ? now + timer_period(l) : 0;
}

static uint32_t current_count(const struct vlapic *l, uint64_t now)
{
	if (!l->timer_deadline || now >= l->timer_deadline)
		return 0;
	return (uint32_t)((l->timer_deadline - now) >> divide_shift(l->divide_config));
}

static void set_bit(uint32_t *v, int n)
{
	v[n / 32] |= 1u << (n % 32);
}

static void clear_bit(uint32_t *v, int n)
{
	v[n / 32] &= ~(1u << (n % 32));
}

static int highest(const uint32_t *v)
{
	for (int i = 7; i >= 0; i--)
		if (v[i])
			return i * 32 + 31 - __builtin_clz(v[i]);
	return -1;
}

static uint32_t ppr(const struct vlapic *l)
{
	int isr = highest(l->isr);
	uint32_t isr_class = isr < 0 ? 0 : (uint32_t)isr & 0xf0;
	return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

void vlapic_raise(struct vlapic *l, int vector)
{
	/* Vectors 0-15 are illegal for fixed delivery; the APIC drops them. */
	if (vector < 16 || vector > 255 || !(l->svr & SVR_ENABLE))
		return;
	set_bit(l->irr, vector);
}

int vlapic_in_service(const struct vlapic *l)
{
	return highest(l->isr);
}

int vlapic_pending(const struct vlapic *l)
{
	int v = highest(l->irr);
	if (v < 0 || !(l->svr & SVR_ENABLE))
		return -1;
	if (((uint32_t)v & 0xf0) <= (ppr(l) & 0xf0))
		return -1;
	return v;
}

void vlapic_accept(struct vlapic *l, int vector)
{
	clear_bit(l->irr, vector);
	set_bit(l->isr, vector);
}

void vlapic_requeue(struct vlapic *l, int vector)
{
	clear_bit(l->isr, vector);
	set_bit(l->irr, vector);
}

void vlapic_advance(struct vlapic *l, uint64_t now)
{
	if (!l->timer_deadline || now < l->timer_deadline)
		return;
	if (!(l->lvt_timer & LVT_MASKED))
		vlapic_raise(l, (int)LVT_VECTOR(l->lvt_timer));
	l->timer_fired++;
	if ((l->lvt_timer & LVT_TIMER_MODE_MASK) == LVT_TIMER_PERIODIC && l->initial_count) {
		/* Catch up whole periods so a long pause yields one interrupt, not a storm. */
		uint64_t period = timer_period(l);
		uint64_t behind = (now - l->timer_deadline) / period + 1;
		l->timer_deadline += behind * period;
	} else {
		l->timer_deadline = 0;
	}
}

uint64_t vlapic_next_deadline(const struct vlapic *l)
{
	return l->timer_deadline;
}

int vlapic_rdmsr(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *value)
{
	if (!vlapic_is_x2apic(l))
		return VLAPIC_GP;
	switch (msr) {
	case X2APIC_ID: *value = 0; break;
	case X2APIC_VERSION: *value = VLAPIC_VERSION_VALUE; break;
	case X2APIC_TPR: *value = l->tpr; break;
	case X2APIC_PPR: *value = ppr(l); break;
	case X2APIC_LDR: *value = 1; break; /* cluster 0, logical ID bit 0 */
	case X2APIC_SVR: *value = l->svr; break;
	case X2APIC_ESR: *value = l->esr; break;
	case X2APIC_LVT_CMCI: *value = l->lvt_cmci; break;
	case X2APIC_LVT_TIMER: *value = l->lvt_timer; break;
	case X2APIC_LVT_THERMAL: *value = l->lvt_thermal; break;
	case X2APIC_LVT_PERF: *value = l->lvt_perf; break;
	case X2APIC_LVT_LINT0: *value = l->lvt_lint0; break;
	case X2APIC_LVT_LINT1: *value = l->lvt_lint1; break;
	case X2APIC_LVT_ERROR: *value = l->lvt_error; break;
	case X2APIC_TIMER_INITIAL: *value = l->initial_count; break;
	case X2APIC_TIMER_CURRENT: *value = current_count(l, now); break;
	case X2APIC_TIMER_DIVIDE: *value = l->divide_config; break;
	case X2APIC_ICR: *value = 0; break;
	default:
		if (msr >= X2APIC_ISR0 && msr < X2APIC_ISR0 + 8)
			*value = l->isr[msr - X2APIC_ISR0];
		else if (msr >= X2APIC_TMR0 && msr < X2APIC_TMR0 + 8)
			*value = 0;
		else if (msr >= X2APIC_IRR0 && msr < X2APIC_IRR0 + 8)
			*value = l->irr[msr - X2APIC_IRR0];
		else
			return VLAPIC_GP; /* EOI, SELF_IPI are write-only; the rest reserved */
	}
	return VLAPIC_OK;
}

int vlapic_wrmsr(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now)
{
	uint32_t v = (uint32_t)value;
	if (!vlapic_is_x2apic(l))
		return VLAPIC_GP;
	/* x2APIC registers are 32 bits except the ICR; reserved high bits #GP. */
	if (msr != X2APIC_ICR && (value >> 32))
		return VLAPIC_GP;
	switch (msr) {
	case X2APIC_TPR: l->tpr = v & 0xff; break;
	case X2APIC_EOI: {
		if (v)
			return VLAPIC_GP; /* x2APIC EOI takes only 0 */
		int top = highest(l->isr);
		if (top >= 0)
			clear_bit(l->isr, top);
		break;
	}
	case X2APIC_SVR:
		l->svr = v & 0x1ff;
		if (!(v & SVR_ENABLE)) {
			/* Software disable masks every LVT entry (SDM 10.4.7.2). */
			l->lvt_timer |= LVT_MASKED;
			l->lvt_lint0 |= LVT_MASKED;
			l->lvt_lint1 |= LVT_MASKED;
			l->lvt_error |= LVT_MASKED;
		}
		break;
	case X2APIC_ESR: l->esr = 0; break;
	case X2APIC_LVT_CMCI: l->lvt_cmci = v & 0x107ff; break;
	case X2APIC_LVT_TIMER: {
		uint32_t mode = v & LVT_TIMER_MODE_MASK;
		if (mode == LVT_TIMER_MODE_MASK)
			return VLAPIC_GP;        /* reserved mode */
		if (mode == (2u << 17))
			return VLAPIC_GP;        /* TSC-deadline is not offered (CPUID) */
		if (!(l->svr & SVR_ENABLE))
			v |= LVT_MASKED;
		l->lvt_timer = v & (0xff | LVT_MASKED | LVT_TIMER_MODE_MASK);
		break;
	}
	case X2APIC_LVT_THERMAL: l->lvt_thermal = v & 0x107ff; break;
	case X2APIC_LVT_PERF: l->lvt_perf = v & 0x107ff; break;
	case X2APIC_LVT_LINT0: l->lvt_lint0 = v & 0x1f7ff; break;
	case X2APIC_LVT_LINT1: l->lvt_lint1 = v & 0x1f7ff; break;
	case X2APIC_LVT_ERROR: l->lvt_error = v & 0x100ff; break;
	case X2APIC_TIMER_INITIAL:
		l->initial_count = v;
		timer_load(l, now);
		break;
	case X2APIC_TIMER_DIVIDE:
		l->divide_config = v & 0xb;
		break;
	case X2APIC_SELF_IPI:
		vlapic_raise(l, (int)(v & 0xff));
		break;
	case X2APIC_ICR: {
		/* One vCPU, APIC ID 0: an IPI reaches us unless it excludes self
		 * or names another destination. */
		uint32_t shorthand = (v >> 18) & 3;
		if (shorthand == ICR_SHORTHAND_SELF || shorthand == ICR_SHORTHAND_ALL ||
		    (shorthand == ICR_SHORTHAND_NONE && (value >> 32) == 0))
			vlapic_raise(l, (int)(v & 0xff));
		break;
	}
	default:
		return VLAPIC_GP; /* read-only or reserved */
	}
	return VLAPIC_OK;
}
