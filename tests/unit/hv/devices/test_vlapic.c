/*
 * hv/vlapic.c: the virtual x2APIC. MSR accesses are checked against the
 * SDM (vol. 3A, ch. 11, "x2APIC"): mode gating, read-only and write-only
 * registers, the timer with its divider, and interrupt priorities.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/devices/vlapic.h"
#include "arch/x86_64/msr.h"

#define MSR_ID 0x802
#define MSR_VERSION 0x803
#define MSR_TPR 0x808
#define MSR_PPR 0x80a
#define MSR_EOI 0x80b
#define MSR_LDR 0x80d
#define MSR_SVR 0x80f
#define MSR_ISR0 0x810
#define MSR_TMR0 0x818
#define MSR_IRR0 0x820
#define MSR_ESR 0x828
#define MSR_ICR 0x830
#define MSR_LVT_TIMER 0x832
#define MSR_LVT_LINT0 0x835
#define MSR_LVT_ERROR 0x837
#define MSR_INITIAL 0x838
#define MSR_CURRENT 0x839
#define MSR_DIVIDE 0x83e
#define MSR_SELF_IPI 0x83f

#define MASKED (1u << 16)
#define PERIODIC (1u << 17)
#define TSC_DEADLINE (2u << 17)
#define DIV_1 0xb
#define X2APIC_ON (VLAPIC_DEFAULT_BASE | APIC_BASE_BSP | APIC_BASE_ENABLE | APIC_BASE_X2APIC)

/* A vLAPIC in x2APIC mode, software-enabled, as a guest sets it up. */
static void setup_x2apic(struct vlapic *l)
{
	vlapic_reset(l);
	assert_int_equal(vlapic_write_base(l, X2APIC_ON), VLAPIC_OK);
	assert_int_equal(vlapic_wrmsr(l, MSR_SVR, 0x1ff, 0), VLAPIC_OK);
}

static uint64_t rd(struct vlapic *l, uint32_t msr, uint64_t now)
{
	uint64_t v = 0xbad;
	assert_int_equal(vlapic_rdmsr(l, msr, now, &v), VLAPIC_OK);
	return v;
}

static void wr(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now)
{
	assert_int_equal(vlapic_wrmsr(l, msr, value, now), VLAPIC_OK);
}

static int irr_has(struct vlapic *l, int v)
{
	return (int)((rd(l, MSR_IRR0 + (uint32_t)v / 32, 0) >> (v % 32)) & 1);
}

static int isr_has(struct vlapic *l, int v)
{
	return (int)((rd(l, MSR_ISR0 + (uint32_t)v / 32, 0) >> (v % 32)) & 1);
}

/* Reset: enabled xAPIC at 0xfee00000 on the BSP; x2APIC registers #GP until
 * the guest switches to x2APIC mode. */
static void test_reset_and_gating(void **state)
{
	(void)state;
	struct vlapic l;
	uint64_t v;
	vlapic_reset(&l);
	assert_int_equal(vlapic_read_base(&l), 0xfee00900ull);
	assert_false(vlapic_is_x2apic(&l));
	assert_int_equal(vlapic_rdmsr(&l, MSR_VERSION, 0, &v), VLAPIC_GP);
	assert_int_equal(vlapic_wrmsr(&l, MSR_TPR, 0, 0), VLAPIC_GP);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	assert_int_equal(vlapic_pending(&l), -1);

	assert_int_equal(vlapic_write_base(&l, X2APIC_ON), VLAPIC_OK);
	assert_true(vlapic_is_x2apic(&l));
	assert_int_equal(vlapic_read_base(&l), X2APIC_ON);
	assert_int_equal(rd(&l, MSR_VERSION, 0) & 0xff, 0x15);
	assert_int_equal(rd(&l, MSR_ID, 0), 0);
	assert_int_equal(rd(&l, MSR_LDR, 0), 1);
	assert_int_equal(rd(&l, MSR_SVR, 0), 0xff);              /* software-disabled */
	assert_int_equal(rd(&l, MSR_LVT_TIMER, 0), MASKED);
	assert_int_equal(rd(&l, MSR_LVT_LINT0, 0), MASKED);
}

/* IA32_APIC_BASE: reserved bits and x2APIC-without-enable #GP and change
 * nothing; BSP is read-only; the base address is kept. */
static void test_apic_base_rules(void **state)
{
	(void)state;
	struct vlapic l;
	vlapic_reset(&l);
	const uint64_t bad[] = {
		VLAPIC_DEFAULT_BASE | APIC_BASE_ENABLE | 1,                 /* bit 0 */
		VLAPIC_DEFAULT_BASE | APIC_BASE_ENABLE | (1ull << 9),
		VLAPIC_DEFAULT_BASE | APIC_BASE_ENABLE | (1ull << 63),
		VLAPIC_DEFAULT_BASE | APIC_BASE_ENABLE | (1ull << 40),      /* beyond MAXPHYADDR */
		VLAPIC_DEFAULT_BASE | APIC_BASE_X2APIC,                     /* x2APIC, not enabled */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vlapic_write_base(&l, bad[i]), VLAPIC_GP);
		assert_int_equal(vlapic_read_base(&l), 0xfee00900ull);
	}
	/* Clearing BSP is ignored; setting it on a non-BSP could not happen. */
	assert_int_equal(vlapic_write_base(&l, 0xfed00000ull | APIC_BASE_ENABLE), VLAPIC_OK);
	assert_int_equal(vlapic_read_base(&l), 0xfed00000ull | APIC_BASE_BSP | APIC_BASE_ENABLE);
}

/* Mode transitions (SDM "x2APIC State Transitions"): xAPIC -> x2APIC ->
 * disabled -> xAPIC are valid; x2APIC -> xAPIC and disabled -> x2APIC #GP. */
static void test_apic_mode_transitions(void **state)
{
	(void)state;
	struct vlapic l;
	uint64_t v;
	setup_x2apic(&l);
	assert_int_equal(vlapic_write_base(&l, VLAPIC_DEFAULT_BASE | APIC_BASE_ENABLE), VLAPIC_GP);
	assert_true(vlapic_is_x2apic(&l));
	assert_int_equal(vlapic_write_base(&l, VLAPIC_DEFAULT_BASE), VLAPIC_OK);   /* disable */
	assert_false(vlapic_is_x2apic(&l));
	assert_int_equal(vlapic_rdmsr(&l, MSR_SVR, 0, &v), VLAPIC_GP);
	assert_int_equal(vlapic_write_base(&l, X2APIC_ON), VLAPIC_GP);
	assert_false(vlapic_is_x2apic(&l));
	assert_int_equal(vlapic_write_base(&l, VLAPIC_DEFAULT_BASE | APIC_BASE_ENABLE), VLAPIC_OK);
	assert_int_equal(vlapic_write_base(&l, X2APIC_ON), VLAPIC_OK);
	assert_true(vlapic_is_x2apic(&l));
}

/* Disabling the APIC globally stops its timer. */
static void test_disable_stops_timer(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	wr(&l, MSR_LVT_TIMER, 0x40, 0);
	wr(&l, MSR_INITIAL, 100, 0);
	assert_int_not_equal(vlapic_next_deadline(&l), 0);
	assert_int_equal(vlapic_write_base(&l, VLAPIC_DEFAULT_BASE), VLAPIC_OK);
	assert_int_equal(vlapic_next_deadline(&l), 0);
}

/* SVR bit 8 gates delivery: interrupts raised while software-disabled are
 * dropped; clearing it masks the LVT entries, and LVT writes stay masked. */
static void test_svr_enable(void **state)
{
	(void)state;
	struct vlapic l;
	vlapic_reset(&l);
	assert_int_equal(vlapic_write_base(&l, X2APIC_ON), VLAPIC_OK);
	vlapic_raise(&l, 0x40);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_false(irr_has(&l, 0x40));
	wr(&l, MSR_LVT_TIMER, 0x41, 0);
	assert_int_equal(rd(&l, MSR_LVT_TIMER, 0), MASKED | 0x41);

	wr(&l, MSR_SVR, 0x1ff, 0);
	assert_int_equal(rd(&l, MSR_SVR, 0), 0x1ff);
	vlapic_raise(&l, 0x40);
	assert_int_equal(vlapic_pending(&l), 0x40);
	wr(&l, MSR_LVT_TIMER, 0x41, 0);
	assert_int_equal(rd(&l, MSR_LVT_TIMER, 0), 0x41);

	wr(&l, MSR_SVR, 0xff, 0);
	assert_int_equal(rd(&l, MSR_LVT_TIMER, 0), MASKED | 0x41);
	assert_int_equal(vlapic_pending(&l), -1);
}

/* One-shot, divide by 1: deadline = start + count; the vector is raised at
 * the deadline, not a tick before, and the timer then stops. */
static void test_one_shot(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	wr(&l, MSR_DIVIDE, DIV_1, 0);
	wr(&l, MSR_LVT_TIMER, 0x30, 0);
	wr(&l, MSR_INITIAL, 1000, 5000);
	assert_int_equal(vlapic_next_deadline(&l), 6000);
	vlapic_advance(&l, 5999);
	assert_false(irr_has(&l, 0x30));
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_advance(&l, 6000);
	assert_true(irr_has(&l, 0x30));
	assert_int_equal(vlapic_pending(&l), 0x30);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	assert_int_equal(rd(&l, MSR_CURRENT, 6000), 0);
	assert_int_equal(l.timer_fired, 1);
	/* no second interrupt from a one-shot timer */
	vlapic_accept(&l, 0x30);
	wr(&l, MSR_EOI, 0, 7000);
	vlapic_advance(&l, 100000);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(l.timer_fired, 1);
}

/* Each divide configuration: encodings 0,1,2,3,8,9,a,b divide by
 * 2,4,8,16,32,64,128,1 (SDM Figure 11-10); deadline = start + count << shift. */
static void test_divide_configs(void **state)
{
	(void)state;
	const uint32_t code[] = { 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb };
	const unsigned shift[] = { 1, 2, 3, 4, 5, 6, 7, 0 };
	for (int i = 0; i < 8; i++) {
		struct vlapic l;
		setup_x2apic(&l);
		wr(&l, MSR_DIVIDE, code[i], 0);
		assert_int_equal(rd(&l, MSR_DIVIDE, 0), code[i]);
		wr(&l, MSR_LVT_TIMER, 0x30, 0);
		wr(&l, MSR_INITIAL, 12345, 777);
		assert_int_equal(vlapic_next_deadline(&l), 777 + (12345ull << shift[i]));
		assert_int_equal(rd(&l, MSR_CURRENT, 777), 12345);
	}
	/* The largest count with the largest divider does not overflow. */
	struct vlapic l;
	setup_x2apic(&l);
	wr(&l, MSR_DIVIDE, 0xa, 0);
	wr(&l, MSR_INITIAL, 0xffffffffu, 1);
	assert_int_equal(vlapic_next_deadline(&l), 1 + (0xffffffffull << 7));
	/* Bits other than 0, 1 and 3 are not part of the register. */
	wr(&l, MSR_DIVIDE, 0xfffffff4u, 0);
	assert_int_equal(rd(&l, MSR_DIVIDE, 0), 0);
}

/* The current count falls by one every 'divider' TSC ticks and never rises. */
static void test_current_count(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	wr(&l, MSR_DIVIDE, 0x3, 0);            /* by 16 */
	wr(&l, MSR_LVT_TIMER, 0x30 | MASKED, 0);
	wr(&l, MSR_INITIAL, 100, 1000);
	assert_int_equal(rd(&l, MSR_INITIAL, 0), 100);
	assert_int_equal(rd(&l, MSR_CURRENT, 1000), 100);
	assert_int_equal(rd(&l, MSR_CURRENT, 1000 + 16 * 30), 70);
	assert_int_equal(rd(&l, MSR_CURRENT, 1000 + 16 * 99), 1);
	assert_int_equal(rd(&l, MSR_CURRENT, 1000 + 16 * 100), 0);
	uint64_t prev = 100;
	for (uint64_t t = 1000; t < 1000 + 1700; t += 7) {
		uint64_t c = rd(&l, MSR_CURRENT, t);
		assert_true(c <= prev);
		prev = c;
	}
	assert_int_equal(prev, 0);
}

/* Periodic: the timer re-arms one period after the previous deadline. */
static void test_periodic(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	wr(&l, MSR_DIVIDE, 0x0, 0);            /* by 2 */
	wr(&l, MSR_LVT_TIMER, PERIODIC | 0x50, 0);
	wr(&l, MSR_INITIAL, 50, 0);            /* period 100 */
	assert_int_equal(vlapic_next_deadline(&l), 100);
	vlapic_advance(&l, 103);
	assert_int_equal(vlapic_pending(&l), 0x50);
	assert_int_equal(vlapic_next_deadline(&l), 200);
	assert_int_equal(rd(&l, MSR_CURRENT, 150), 25);
	vlapic_accept(&l, 0x50);
	wr(&l, MSR_EOI, 0, 150);
	vlapic_advance(&l, 199);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_advance(&l, 200);
	assert_int_equal(vlapic_pending(&l), 0x50);
	assert_int_equal(vlapic_next_deadline(&l), 300);
	assert_int_equal(l.timer_fired, 2);
}

/* A long pause (many periods missed) yields one pending interrupt and a
 * next deadline in the future, on the original period grid. */
static void test_periodic_catch_up(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	wr(&l, MSR_DIVIDE, DIV_1, 0);
	wr(&l, MSR_LVT_TIMER, PERIODIC | 0x50, 0);
	wr(&l, MSR_INITIAL, 100, 0);
	vlapic_advance(&l, 100 + 10 * 100 + 50);
	assert_int_equal(l.timer_fired, 1);
	assert_int_equal(vlapic_next_deadline(&l), 1200);
	assert_int_equal(vlapic_pending(&l), 0x50);
	vlapic_accept(&l, 0x50);
	assert_int_equal(vlapic_pending(&l), -1);   /* nothing else queued */
	/* exactly on a grid point: the next is one period later */
	vlapic_advance(&l, 1200);
	assert_int_equal(vlapic_next_deadline(&l), 1300);
}

/* A masked timer still counts and expires but raises nothing. */
static void test_masked_timer(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	wr(&l, MSR_DIVIDE, DIV_1, 0);
	wr(&l, MSR_LVT_TIMER, MASKED | 0x30, 0);
	wr(&l, MSR_INITIAL, 10, 0);
	vlapic_advance(&l, 10);
	assert_false(irr_has(&l, 0x30));
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(vlapic_next_deadline(&l), 0);
}

/* Writing 0 to the initial count stops the timer; rewriting restarts it. */
static void test_initial_count_reload(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	wr(&l, MSR_DIVIDE, DIV_1, 0);
	wr(&l, MSR_LVT_TIMER, 0x30, 0);
	wr(&l, MSR_INITIAL, 100, 0);
	wr(&l, MSR_INITIAL, 100, 60);
	assert_int_equal(vlapic_next_deadline(&l), 160);
	wr(&l, MSR_INITIAL, 0, 70);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	assert_int_equal(rd(&l, MSR_CURRENT, 80), 0);
	vlapic_advance(&l, 1000);
	assert_int_equal(vlapic_pending(&l), -1);
}

/* Priorities: the highest IRR vector is delivered only if its class (bits
 * 7:4) is above both the highest in-service class and the TPR class. */
static void test_priority(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	vlapic_raise(&l, 0x31);
	vlapic_raise(&l, 0x52);
	vlapic_raise(&l, 0x45);
	assert_int_equal(vlapic_pending(&l), 0x52);
	vlapic_accept(&l, 0x52);
	assert_false(irr_has(&l, 0x52));
	assert_true(isr_has(&l, 0x52));
	assert_int_equal(vlapic_pending(&l), -1);     /* 0x45 is below class 5 */
	vlapic_raise(&l, 0x5f);
	assert_int_equal(vlapic_pending(&l), -1);     /* same class as in service */
	vlapic_raise(&l, 0x61);
	assert_int_equal(vlapic_pending(&l), 0x61);

	wr(&l, MSR_TPR, 0x60, 0);
	assert_int_equal(vlapic_pending(&l), -1);     /* TPR class 6 blocks 0x61 */
	wr(&l, MSR_TPR, 0x5f, 0);
	assert_int_equal(vlapic_pending(&l), 0x61);
	wr(&l, MSR_TPR, 0, 0);
	assert_int_equal(rd(&l, MSR_PPR, 0), 0x50);   /* from the ISR */
	wr(&l, MSR_TPR, 0x65, 0);
	assert_int_equal(rd(&l, MSR_PPR, 0), 0x65);   /* from the TPR */
	assert_int_equal(rd(&l, MSR_TPR, 0), 0x65);
	wr(&l, MSR_TPR, 0x1ab, 0);
	assert_int_equal(rd(&l, MSR_TPR, 0), 0xab);   /* 8 bits */
}

/* EOI ends the highest in-service vector, one per write; nested
 * interrupts unwind in order. A non-zero EOI value #GPs. */
static void test_eoi(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	vlapic_raise(&l, 0x31);
	vlapic_accept(&l, 0x31);
	vlapic_raise(&l, 0x52);
	assert_int_equal(vlapic_pending(&l), 0x52);   /* nests above 0x31 */
	vlapic_accept(&l, 0x52);
	assert_int_equal(vlapic_wrmsr(&l, MSR_EOI, 1, 0), VLAPIC_GP);
	assert_true(isr_has(&l, 0x52));
	wr(&l, MSR_EOI, 0, 0);
	assert_false(isr_has(&l, 0x52));
	assert_true(isr_has(&l, 0x31));
	wr(&l, MSR_EOI, 0, 0);
	assert_false(isr_has(&l, 0x31));
	wr(&l, MSR_EOI, 0, 0);                         /* nothing in service: harmless */
	assert_int_equal(rd(&l, MSR_PPR, 0), 0);
}

/* A pending lower vector becomes deliverable once the higher one is EOIed. */
static void test_eoi_unblocks(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	vlapic_raise(&l, 0x80);
	vlapic_accept(&l, 0x80);
	vlapic_raise(&l, 0x40);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(&l, MSR_EOI, 0, 0);
	assert_int_equal(vlapic_pending(&l), 0x40);
}

/* Self IPI raises its vector; vectors 0-15 are illegal and dropped. */
static void test_self_ipi_and_illegal_vectors(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	wr(&l, MSR_SELF_IPI, 0x40, 0);
	assert_true(irr_has(&l, 0x40));
	assert_int_equal(vlapic_pending(&l), 0x40);
	wr(&l, MSR_SELF_IPI, 0x0f, 0);
	assert_false(irr_has(&l, 0x0f));
	vlapic_raise(&l, 15);
	vlapic_raise(&l, 0);
	vlapic_raise(&l, 256);
	vlapic_raise(&l, -1);
	for (uint32_t w = 0; w < 8; w++)
		assert_int_equal(rd(&l, MSR_IRR0 + w, 0), w == 2 ? 1u : 0u);
	vlapic_raise(&l, 16);
	assert_true(irr_has(&l, 16));
	vlapic_raise(&l, 255);
	assert_true(irr_has(&l, 255));
	assert_int_equal(vlapic_pending(&l), 255);
}

/* The ICR reaches this (only) vCPU for "self", "all including self", or
 * destination 0; not for "all excluding self" or another APIC ID. */
static void test_icr(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	wr(&l, MSR_ICR, (1u << 18) | 0x41, 0);
	wr(&l, MSR_ICR, (2u << 18) | 0x42, 0);
	wr(&l, MSR_ICR, 0x43, 0);
	wr(&l, MSR_ICR, (3u << 18) | 0x44, 0);
	wr(&l, MSR_ICR, (5ull << 32) | 0x45, 0);
	assert_true(irr_has(&l, 0x41));
	assert_true(irr_has(&l, 0x42));
	assert_true(irr_has(&l, 0x43));
	assert_false(irr_has(&l, 0x44));
	assert_false(irr_has(&l, 0x45));
}

/* Read-only registers #GP on write, write-only ones on read, reserved
 * registers both ways; the value is left alone. */
static void test_register_access(void **state)
{
	(void)state;
	struct vlapic l;
	uint64_t v;
	setup_x2apic(&l);
	const uint32_t read_only[] = { MSR_ID, MSR_VERSION, MSR_PPR, MSR_LDR, MSR_ISR0,
				       MSR_ISR0 + 7, MSR_TMR0, MSR_IRR0 + 3, MSR_CURRENT };
	for (unsigned i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++) {
		assert_int_equal(vlapic_rdmsr(&l, read_only[i], 0, &v), VLAPIC_OK);
		assert_int_equal(vlapic_wrmsr(&l, read_only[i], 0, 0), VLAPIC_GP);
	}
	assert_int_equal(rd(&l, MSR_VERSION, 0) & 0xff, 0x15);
	assert_int_equal(vlapic_rdmsr(&l, MSR_EOI, 0, &v), VLAPIC_GP);
	assert_int_equal(vlapic_rdmsr(&l, MSR_SELF_IPI, 0, &v), VLAPIC_GP);
	const uint32_t reserved[] = { 0x800, 0x801, 0x804, 0x809, 0x80c, 0x831, 0x83a, 0x840 };
	for (unsigned i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		assert_int_equal(vlapic_rdmsr(&l, reserved[i], 0, &v), VLAPIC_GP);
		assert_int_equal(vlapic_wrmsr(&l, reserved[i], 0, 0), VLAPIC_GP);
	}
	/* 32-bit registers: set high bits #GP (only the ICR is 64 bits) */
	assert_int_equal(vlapic_wrmsr(&l, MSR_TPR, 1ull << 32, 0), VLAPIC_GP);
	assert_int_equal(vlapic_wrmsr(&l, MSR_LVT_TIMER, 1ull << 40, 0), VLAPIC_GP);
	assert_int_equal(rd(&l, MSR_TPR, 0), 0);
}

/* TSC-deadline mode is not offered, and mode 3 is reserved: both #GP and
 * the LVT keeps its old value. */
static void test_timer_mode_gp(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	wr(&l, MSR_LVT_TIMER, 0x30, 0);
	assert_int_equal(vlapic_wrmsr(&l, MSR_LVT_TIMER, TSC_DEADLINE | 0x31, 0), VLAPIC_GP);
	assert_int_equal(vlapic_wrmsr(&l, MSR_LVT_TIMER, (3u << 17) | 0x32, 0), VLAPIC_GP);
	assert_int_equal(rd(&l, MSR_LVT_TIMER, 0), 0x30);
}

/* ESR: writes clear it; LVT registers keep only their defined bits. */
static void test_lvt_bits_and_esr(void **state)
{
	(void)state;
	struct vlapic l;
	setup_x2apic(&l);
	l.esr = 0x40;
	assert_int_equal(rd(&l, MSR_ESR, 0), 0x40);
	wr(&l, MSR_ESR, 0, 0);
	assert_int_equal(rd(&l, MSR_ESR, 0), 0);
	wr(&l, MSR_LVT_TIMER, 0xfff9ffffu, 0);          /* every bit but the mode */
	assert_int_equal(rd(&l, MSR_LVT_TIMER, 0), MASKED | 0xff);
	wr(&l, MSR_LVT_ERROR, 0xffffffffu, 0);
	assert_int_equal(rd(&l, MSR_LVT_ERROR, 0), MASKED | 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_and_gating),
		cmocka_unit_test(test_apic_base_rules),
		cmocka_unit_test(test_apic_mode_transitions),
		cmocka_unit_test(test_disable_stops_timer),
		cmocka_unit_test(test_svr_enable),
		cmocka_unit_test(test_one_shot),
		cmocka_unit_test(test_divide_configs),
		cmocka_unit_test(test_current_count),
		cmocka_unit_test(test_periodic),
		cmocka_unit_test(test_periodic_catch_up),
		cmocka_unit_test(test_masked_timer),
		cmocka_unit_test(test_initial_count_reload),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_eoi),
		cmocka_unit_test(test_eoi_unblocks),
		cmocka_unit_test(test_self_ipi_and_illegal_vectors),
		cmocka_unit_test(test_icr),
		cmocka_unit_test(test_register_access),
		cmocka_unit_test(test_timer_mode_gp),
		cmocka_unit_test(test_lvt_bits_and_esr),
	};
	return cmocka_run_group_tests_name("vlapic", tests, NULL, NULL);
}
