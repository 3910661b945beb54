#include "hv/vmx/inject.h"

#include "hv/vmx/vcpu.h"
#include "hv/vmx/vmcs.h"

/* Bits 30:12 of IDT-vectoring information are not part of an entry event. */
#define INTR_INFO_ENTRY_BITS (INTR_INFO_VALID | 0xfffu)

static int is_software(uint32_t type)
{
	return type == INTR_TYPE_SW_INTERRUPT || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
	       type == INTR_TYPE_SW_EXCEPTION;
}

enum event_class event_class(uint32_t info)
{
	if (INTR_INFO_TYPE(info) != INTR_TYPE_HW_EXCEPTION)
		return CLASS_BENIGN; /* interrupts, NMIs, INT n, INT3, INTO, INT1 */
	switch (INTR_INFO_VECTOR(info)) {
	case VECTOR_DE:
	case VECTOR_TS:
	case VECTOR_NP:
	case VECTOR_SS:
	case VECTOR_GP:
	case VECTOR_CP: /* contributory in the current SDM (table 6-4) */
		return CLASS_CONTRIBUTORY;
	case VECTOR_PF:
	case VECTOR_VE:
		return CLASS_PAGE_FAULT;
	default:
		return CLASS_BENIGN;
	}
}

enum event_merge event_merge(uint32_t queued, uint32_t next)
{
	uint32_t type = INTR_INFO_TYPE(next);
	if (!(queued & INTR_INFO_VALID))
		return MERGE_NEXT;
	/* An interrupt is only ever taken between two events' deliveries. */
	if (type == INTR_TYPE_EXTERNAL || type == INTR_TYPE_NMI)
		return MERGE_WAIT;
	enum event_class first = event_class(queued), second = event_class(next);
	/* A contributory or page fault while delivering #DF shuts the processor
	 * down (SDM vol. 3A, interrupt 8); a benign one is handled serially. */
	if (INTR_INFO_TYPE(queued) == INTR_TYPE_HW_EXCEPTION && INTR_INFO_VECTOR(queued) == VECTOR_DF &&
	    second != CLASS_BENIGN)
		return MERGE_TRIPLE_FAULT;
	if (first == CLASS_CONTRIBUTORY && second == CLASS_CONTRIBUTORY)
		return MERGE_DOUBLE_FAULT;
	if (first == CLASS_PAGE_FAULT && second != CLASS_BENIGN)
		return MERGE_DOUBLE_FAULT;
	/* Handled serially: the new exception is delivered; the old event
	 * comes back by itself (a fault recurs, INT n re-executes) or is
	 * requeued (an interrupt, see drop()). */
	return MERGE_NEXT;
}

/* Vectors that push an error code in protected mode (SDM vol. 3A, table 6-1). */
static int pushes_error_code(unsigned vector)
{
	return vector == VECTOR_DF || (vector >= VECTOR_TS && vector <= VECTOR_PF) ||
	       vector == VECTOR_AC || vector == VECTOR_CP;
}

struct vm_event event_exception(unsigned vector, uint32_t error, int protected_mode)
{
	struct vm_event ev = { INTR_INFO_VALID | (INTR_TYPE_HW_EXCEPTION << 8) | (vector & 0xff), 0, 0 };
	if (protected_mode && pushes_error_code(vector)) {
		ev.info |= INTR_INFO_ERROR_CODE_VALID;
		ev.error = error;
	}
	return ev;
}

struct vm_event event_external_interrupt(unsigned vector)
{
	struct vm_event ev = { INTR_INFO_VALID | (INTR_TYPE_EXTERNAL << 8) | (vector & 0xff), 0, 0 };
	return ev;
}

/* ---- the VMCS side ---- */

/* Exceptions push error codes only in protected mode; with unrestricted
 * guest a real-mode guest must get none, or the VM entry fails. */
static int guest_protected_mode(void)
{
	return (vmcs_read(VMCS_GUEST_CR0) & CR0_PE) != 0;
}

static void queue(struct vm_event ev)
{
	if (ev.info & INTR_INFO_ERROR_CODE_VALID)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, ev.error);
	if (is_software(INTR_INFO_TYPE(ev.info)))
		vmcs_write(VMCS_ENTRY_INSTRUCTION_LEN, ev.instr_len);
	vmcs_write(VMCS_ENTRY_INTR_INFO, ev.info);
}

/* The queued event gives way to an exception. An external interrupt was
 * already moved to the virtual APIC's in-service register when it was
 * queued: put it back in the request register, so that it is delivered
 * after the exception. Record and replay both do this at the same exit (the
 * exception comes from the guest's own instruction), so the APIC state
 * stays the same on both sides; the interrupt's next delivery is recorded
 * (or replayed) as an interrupt of its own. */
static void drop(struct vcpu *v, uint32_t queued)
{
	if (INTR_INFO_TYPE(queued) == INTR_TYPE_EXTERNAL)
		vlapic_requeue(&v->lapic, (int)INTR_INFO_VECTOR(queued));
}

int inject_event(struct vcpu *v, struct vm_event ev)
{
	uint32_t queued = (uint32_t)vmcs_read(VMCS_ENTRY_INTR_INFO);
	switch (event_merge(queued, ev.info)) {
	case MERGE_WAIT:
		return -1;
	case MERGE_TRIPLE_FAULT:
		vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
		vcpu_stop(v, STOP_GUEST_CRASHED,
			  "guest triple fault: exception %u while delivering a double fault at RIP "
			  "0x%llx (the guest's exception handling failed)",
			  INTR_INFO_VECTOR(ev.info), (unsigned long long)vmcs_read(VMCS_GUEST_RIP));
		return 0;
	case MERGE_DOUBLE_FAULT:
		drop(v, queued);
		queue(event_exception(VECTOR_DF, 0, guest_protected_mode()));
		return 0;
	case MERGE_NEXT:
		if (queued & INTR_INFO_VALID)
			drop(v, queued);
		queue(ev);
		return 0;
	}
	return 0;
}

void inject_exception(struct vcpu *v, unsigned vector, uint32_t error)
{
	inject_event(v, event_exception(vector, error, guest_protected_mode()));
}

int inject_interrupted(void)
{
	uint32_t idt = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
	if (!(idt & INTR_INFO_VALID))
		return 0;
	struct vm_event ev = { idt & INTR_INFO_ENTRY_BITS, 0, 0 };
	if (idt & INTR_INFO_ERROR_CODE_VALID)
		ev.error = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_ERROR);
	if (is_software(INTR_INFO_TYPE(idt)))
		ev.instr_len = (uint32_t)vmcs_read(VMCS_EXIT_INSTRUCTION_LEN);
	if (INTR_INFO_TYPE(idt) == INTR_TYPE_NMI) {
		/* VM entry refuses to inject an NMI while NMIs are blocked. */
		uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr & ~(uint64_t)INTERRUPTIBILITY_NMI);
	}
	/* The exit emptied the slot: this comes first, before anything an exit
	 * handler queues behind it. */
	queue(ev);
	return 1;
}

int inject_pending(void)
{
	return (vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) != 0;
}
