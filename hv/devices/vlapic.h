/*
 * Virtual local APIC in x2APIC mode (MSRs 0x800-0x8ff): the guest's timer
 * and interrupt controller. Register map, state and reset in one place;
 * pure, time comes in as the guest's TSC ("now"). The timer counts one tick
 * per guest TSC tick before the divider.
 */
#ifndef FTV_VLAPIC_H
#define FTV_VLAPIC_H

#include <stdint.h>

#define VLAPIC_DEFAULT_BASE 0xfee00000ull
#define X2APIC_EOI 0x80b  /* the EOI register's MSR (SDM vol. 3A, table 11-6) */

struct vlapic {
	uint64_t apic_base;        /* IA32_APIC_BASE as the guest sees it */
	uint32_t tpr, svr, esr;
	uint32_t lvt_timer, lvt_lint0, lvt_lint1, lvt_error, lvt_thermal, lvt_perf, lvt_cmci;
	uint32_t divide_config;    /* raw register */
	uint32_t initial_count;
	uint64_t timer_start;      /* guest TSC when the count was (re)loaded */
	uint64_t timer_deadline;   /* guest TSC of the next expiry; 0: not armed */
	uint32_t irr[8], isr[8];   /* 256-bit request / in-service vectors */
	uint64_t timer_fired;      /* statistics */
};

enum vlapic_result { VLAPIC_OK = 0, VLAPIC_GP = -1 };

void vlapic_reset(struct vlapic *l);
int vlapic_is_x2apic(const struct vlapic *l);
/* IA32_APIC_BASE */
uint64_t vlapic_read_base(const struct vlapic *l);
int vlapic_write_base(struct vlapic *l, uint64_t value);
/* x2APIC register MSRs; VLAPIC_GP means "inject #GP", as hardware does. */
int vlapic_rdmsr(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *value);
int vlapic_wrmsr(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now);

/* Raises the timer's vector if its deadline passed; re-arms periodic mode. */
void vlapic_advance(struct vlapic *l, uint64_t now);
/* 0 when the timer is not armed. */
uint64_t vlapic_next_deadline(const struct vlapic *l);
/* Highest requested vector allowed by the in-service and TPR priorities, or -1. */
int vlapic_pending(const struct vlapic *l);
/* The vector was delivered to the guest: IRR -> ISR. */
void vlapic_accept(struct vlapic *l, int vector);
/* A delivery that gave way to an exception: ISR -> IRR, to be delivered again. */
void vlapic_requeue(struct vlapic *l, int vector);
/* The highest in-service vector (the one an EOI ends), or -1. */
int vlapic_in_service(const struct vlapic *l);
/* Raise a fixed interrupt from a device. */
void vlapic_raise(struct vlapic *l, int vector);

#endif
