/*
 * hv/vmx/inject.c: the processor's rules for two events meeting (SDM vol.
 * 3A, table 6-5) as a table, then the glue on the fake VMCS: an exit that
 * interrupted an event's delivery queues it again, and an exception an exit
 * handler raises behind it merges with it instead of overwriting it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/vmx/inject.h"
#include "hv/vmx/vcpu.h"
#include "hv/vmx/vmcs.h"
#include "tests/unit/fakes/fake_host.h"
#include "tests/unit/fakes/fake_serial.h"
#include "tests/unit/fakes/fake_vmcs.h"

#define HW(vector) (INTR_INFO_VALID | (INTR_TYPE_HW_EXCEPTION << 8) | (vector))
#define EXT(vector) (INTR_INFO_VALID | (INTR_TYPE_EXTERNAL << 8) | (vector))
#define NMI (INTR_INFO_VALID | (INTR_TYPE_NMI << 8) | 2u)
#define SOFT_INT(vector) (INTR_INFO_VALID | (INTR_TYPE_SW_INTERRUPT << 8) | (vector))
#define INT3 (INTR_INFO_VALID | (INTR_TYPE_SW_EXCEPTION << 8) | 3u)

static void test_classes(void **state)
{
	(void)state;
	const unsigned contributory[] = { 0, 10, 11, 12, 13 };
	const unsigned benign[] = { 1, 2, 3, 4, 5, 6, 7, 9, 16, 17, 18, 19 };
	for (size_t i = 0; i < sizeof(contributory) / sizeof(contributory[0]); i++)
		assert_int_equal(event_class(HW(contributory[i])), CLASS_CONTRIBUTORY);
	for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++)
		assert_int_equal(event_class(HW(benign[i])), CLASS_BENIGN);
	assert_int_equal(event_class(HW(14)), CLASS_PAGE_FAULT);
	assert_int_equal(event_class(HW(20)), CLASS_PAGE_FAULT);
	assert_int_equal(event_class(EXT(0x20)), CLASS_BENIGN);
	assert_int_equal(event_class(SOFT_INT(13)), CLASS_BENIGN); /* INT 13 is not a #GP */
}

/* SDM vol. 3A, table 6-5, plus the row for #DF and the interrupts. */
static void test_merge_table(void **state)
{
	(void)state;
	const struct {
		uint32_t queued, next;
		enum event_merge want;
	} rows[] = {
		{ 0, HW(13), MERGE_NEXT },
		{ 0, EXT(0x30), MERGE_NEXT },
		{ HW(6), HW(13), MERGE_NEXT },              /* benign, then anything: serial */
		{ HW(1), HW(14), MERGE_NEXT },
		{ HW(13), HW(6), MERGE_NEXT },              /* contributory, then benign */
		{ HW(0), HW(13), MERGE_DOUBLE_FAULT },      /* contributory + contributory */
		{ HW(13), HW(11), MERGE_DOUBLE_FAULT },
		{ HW(10), HW(12), MERGE_DOUBLE_FAULT },
		{ HW(13), HW(14), MERGE_NEXT },             /* contributory + page fault: serial */
		{ HW(14), HW(13), MERGE_DOUBLE_FAULT },     /* page fault + contributory */
		{ HW(14), HW(14), MERGE_DOUBLE_FAULT },     /* page fault + page fault */
		{ HW(20), HW(14), MERGE_DOUBLE_FAULT },     /* #VE is in the page-fault class */
		{ HW(14), HW(6), MERGE_NEXT },              /* page fault + benign */
		{ HW(8), HW(6), MERGE_NEXT },               /* benign while delivering #DF: serial */
		{ HW(8), HW(13), MERGE_TRIPLE_FAULT },      /* contributory or #PF then: shutdown */
		{ HW(8), HW(14), MERGE_TRIPLE_FAULT },
		{ HW(21), HW(13), MERGE_DOUBLE_FAULT },     /* #CP is contributory */
		{ EXT(0x30), HW(13), MERGE_NEXT },          /* an interrupt gives way */
		{ NMI, HW(14), MERGE_NEXT },
		{ SOFT_INT(0x80), HW(13), MERGE_NEXT },     /* INT n re-executes */
		{ INT3, HW(14), MERGE_NEXT },
		{ HW(13), EXT(0x30), MERGE_WAIT },          /* interrupts wait */
		{ EXT(0x30), EXT(0x31), MERGE_WAIT },
		{ HW(14), NMI, MERGE_WAIT },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum event_merge got = event_merge(rows[i].queued, rows[i].next);
		if (got != rows[i].want)
			fail_msg("row %zu: queued 0x%x, next 0x%x: %d, want %d", i, rows[i].queued,
				 rows[i].next, got, rows[i].want);
	}
}

static void test_error_codes(void **state)
{
	(void)state;
	const unsigned with[] = { 8, 10, 11, 12, 13, 14, 17, 21 };
	for (unsigned v = 0; v < 32; v++) {
		int want = 0;
		for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++)
			want |= with[i] == v;
		struct vm_event ev = event_exception(v, 0x18, 1);
		assert_int_equal((ev.info & INTR_INFO_ERROR_CODE_VALID) != 0, want);
		assert_int_equal(ev.error, want ? 0x18u : 0u);
		/* Real mode pushes no error code; entry would fail with one. */
		ev = event_exception(v, 0x18, 0);
		assert_int_equal(ev.info & INTR_INFO_ERROR_CODE_VALID, 0);
	}
}

/* ---- the glue, on the fake VMCS ---- */

static struct vcpu vcpu;

static int setup(void **state)
{
	memset(&vcpu, 0, sizeof(vcpu));
	fake_vmcs_reset();
	fake_host_reset();
	fake_console_reset();
	vlapic_reset(&vcpu.lapic);
	fake_vmcs_set(VMCS_GUEST_CR0, CR0_PE);
	*state = &vcpu;
	return 0;
}

/* An exit in the middle of delivering 'info' (with error code 'error'). */
static void exit_during(uint32_t info, uint32_t error)
{
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0); /* every exit empties the slot */
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO, info);
	fake_vmcs_set(VMCS_IDT_VECTORING_ERROR, error);
	fake_vmcs_set(VMCS_EXIT_INSTRUCTION_LEN, 2);
}

static void test_interrupted_event_is_queued_again(void **state)
{
	(void)state;
	/* Bit 12 and the other bits of 30:12 are not part of an entry event. */
	exit_during(HW(14) | INTR_INFO_ERROR_CODE_VALID | (1u << 12) | (1u << 20), 0x6);
	assert_int_equal(inject_interrupted(), 1);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), HW(14) | INTR_INFO_ERROR_CODE_VALID);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERROR), 0x6);
	assert_int_equal(fake_vmcs_writes(VMCS_ENTRY_INSTRUCTION_LEN), 0);
	assert_true(inject_pending());

	/* A software interrupt goes again with its instruction's length. */
	exit_during(SOFT_INT(0x80), 0);
	assert_int_equal(inject_interrupted(), 1);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INSTRUCTION_LEN), 2);

	exit_during(0, 0);
	assert_int_equal(inject_interrupted(), 0);
	assert_false(inject_pending());
}

static void test_nmi_queued_again_unblocks_nmis(void **state)
{
	(void)state;
	exit_during(NMI, 0);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_STI);
	inject_interrupted();
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_INTERRUPTIBILITY), INTERRUPTIBILITY_STI);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), NMI);
}

static void test_exception_behind_page_fault_is_double_fault(void **state)
{
	struct vcpu *v = *state;
	exit_during(HW(14) | INTR_INFO_ERROR_CODE_VALID, 0x2);
	inject_interrupted();
	inject_exception(v, VECTOR_GP, 0x10);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), HW(8) | INTR_INFO_ERROR_CODE_VALID);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERROR), 0);
	assert_int_equal(v->state, VCPU_RUNNING);
}

static void test_exception_behind_double_fault_stops_guest(void **state)
{
	struct vcpu *v = *state;
	exit_during(HW(8) | INTR_INFO_ERROR_CODE_VALID, 0);
	inject_interrupted();
	inject_exception(v, VECTOR_GP, 0);
	assert_int_equal(v->state, VCPU_STOPPED);
	assert_int_equal(v->stop_code, STOP_GUEST_CRASHED);
	assert_non_null(strstr(v->stop_reason, "triple fault"));
	assert_false(inject_pending());
}

static void test_interrupt_gives_way_and_is_requested_again(void **state)
{
	struct vcpu *v = *state;
	v->lapic.svr = 0x1ff; /* software-enabled */
	vlapic_raise(&v->lapic, 0x30);
	assert_int_equal(vlapic_pending(&v->lapic), 0x30);
	/* The choke point delivers it... */
	assert_int_equal(inject_event(v, event_external_interrupt(0x30)), 0);
	vlapic_accept(&v->lapic, 0x30);
	assert_int_equal(vlapic_pending(&v->lapic), -1);
	/* ...an exit interrupts the delivery, and the exit's handler raises #GP. */
	exit_during(EXT(0x30), 0);
	inject_interrupted();
	inject_exception(v, VECTOR_GP, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), HW(13) | INTR_INFO_ERROR_CODE_VALID);
	/* The interrupt was never delivered: it is requested again, not in service. */
	assert_int_equal(vlapic_pending(&v->lapic), 0x30);
	assert_int_equal(v->lapic.isr[0x30 / 32], 0);
}

static void test_interrupt_waits_behind_queued_event(void **state)
{
	struct vcpu *v = *state;
	exit_during(HW(14) | INTR_INFO_ERROR_CODE_VALID, 0);
	inject_interrupted();
	assert_int_equal(inject_event(v, event_external_interrupt(0x30)), -1);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), HW(14) | INTR_INFO_ERROR_CODE_VALID);
}

/* With unrestricted guest a real-mode guest can fault twice: its #DF must
 * carry no error code either, or the VM entry fails. */
static void test_real_mode_double_fault_has_no_error_code(void **state)
{
	struct vcpu *v = *state;
	fake_vmcs_set(VMCS_GUEST_CR0, 0);
	exit_during(HW(13), 0);
	inject_interrupted();
	inject_exception(v, VECTOR_NP, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), HW(8));
}

static void test_real_mode_exception_has_no_error_code(void **state)
{
	struct vcpu *v = *state;
	fake_vmcs_set(VMCS_GUEST_CR0, 0);
	inject_exception(v, VECTOR_GP, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), HW(13));
	assert_int_equal(fake_vmcs_writes(VMCS_ENTRY_EXCEPTION_ERROR), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_merge_table),
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test_setup(test_interrupted_event_is_queued_again, setup),
		cmocka_unit_test_setup(test_nmi_queued_again_unblocks_nmis, setup),
		cmocka_unit_test_setup(test_exception_behind_page_fault_is_double_fault, setup),
		cmocka_unit_test_setup(test_exception_behind_double_fault_stops_guest, setup),
		cmocka_unit_test_setup(test_interrupt_gives_way_and_is_requested_again, setup),
		cmocka_unit_test_setup(test_interrupt_waits_behind_queued_event, setup),
		cmocka_unit_test_setup(test_real_mode_exception_has_no_error_code, setup),
		cmocka_unit_test_setup(test_real_mode_double_fault_has_no_error_code, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
