/*
 * Events for the next VM entry: one queue slot (the VM-entry
 * interruption-information field), and the processor's rules for what
 * happens when a second event meets one already there (SDM vol. 3A,
 * "Interrupt 8 - Double Fault Exception", table 6-5 and the classes before
 * it). The merge is pure and host-tested; the glue below it writes the VMCS.
 *
 * The slot holds at most one event: an event whose delivery an exit cut
 * short (IDT-vectoring information, re-queued by inject_interrupted()), or
 * one an exit handler or the choke point queued. Everyone queues through
 * inject_event(), so nothing overwrites what is already there.
 */
#ifndef FTV_INJECT_H
#define FTV_INJECT_H

#include <stdint.h>

struct vcpu;

struct vm_event {
	uint32_t info;       /* VM-entry interruption-information format, valid bit set */
	uint32_t error;      /* when info has INTR_INFO_ERROR_CODE_VALID */
	uint32_t instr_len;  /* for software interrupts and exceptions */
};

enum event_class { CLASS_BENIGN, CLASS_CONTRIBUTORY, CLASS_PAGE_FAULT };

enum event_merge {
	MERGE_NEXT,         /* the slot takes the new event (the old one, if any, is dropped) */
	MERGE_DOUBLE_FAULT, /* both become #DF */
	MERGE_TRIPLE_FAULT, /* an exception while delivering #DF: shutdown */
	MERGE_WAIT,         /* the new event is an interrupt: it waits behind the queued one */
};

/* The class of an event for the double-fault rules. */
enum event_class event_class(uint32_t info);
/* What becomes of 'next' queued behind 'queued' (either may lack the valid bit). */
enum event_merge event_merge(uint32_t queued, uint32_t next);
/* A hardware exception; the error code goes with the vectors that push one,
 * and only in protected mode (real mode pushes none). */
struct vm_event event_exception(unsigned vector, uint32_t error, int protected_mode);
struct vm_event event_external_interrupt(unsigned vector);

/* Queues ev for the next entry after merging it with what is queued.
 * 0: queued (or the guest stopped on a triple fault); -1: an interrupt that
 * must wait for the next entry. */
int inject_event(struct vcpu *v, struct vm_event ev);
/* A hardware exception (error code as event_exception() decides). */
void inject_exception(struct vcpu *v, unsigned vector, uint32_t error);
/* After an exit: queues again the event whose delivery it interrupted
 * (SDM vol. 3C, "Reflecting Exceptions to Guest Software" and "Event
 * Injection"). 1 if there was one. */
int inject_interrupted(void);
/* Something is queued for the next entry. */
int inject_pending(void);

#endif
