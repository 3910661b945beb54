/*
 * drivers/irq_route.c: the candidate pins for a PCI device's INTx and the
 * choice the routing probe makes from what fired.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/irq_route.h"

static void test_candidates_without_madt(void **state)
{
	(void)state;
	struct irq_candidate c[IRQ_ROUTE_MAX_CANDIDATES];
	size_t n = irq_route_candidates(10, 24, NULL, c);
	assert_int_equal(n, 9);
	assert_int_equal(c[0].pin, 10);           /* the firmware's IRQ first */
	assert_false(c[0].active_low);
	for (size_t i = 1; i < n; i++) {
		assert_int_equal(c[i].pin, 15 + i);   /* then 16-23, PCI style */
		assert_true(c[i].active_low);
	}
}

static void test_override_moves_and_sets_polarity(void **state)
{
	(void)state;
	struct madt_info m;
	memset(&m, 0, sizeof(m));
	m.noverrides = 1;
	m.override[0].source = 9;
	m.override[0].gsi = 20;
	m.override[0].flags = MADT_POLARITY_LOW | MADT_TRIGGER_LEVEL;
	struct irq_candidate c[IRQ_ROUTE_MAX_CANDIDATES];
	size_t n = irq_route_candidates(9, 24, &m, c);
	/* IRQ 9 lives on pin 20, which is then not listed twice. */
	assert_int_equal(n, 8);
	assert_int_equal(c[0].pin, 20);
	assert_true(c[0].active_low);
	for (size_t i = 1; i < n; i++)
		assert_int_not_equal(c[i].pin, 20);
}

static void test_no_legacy_line(void **state)
{
	(void)state;
	struct irq_candidate c[IRQ_ROUTE_MAX_CANDIDATES];
	/* Firmware that routed nothing: only the PCI pins, within the chip. */
	assert_int_equal(irq_route_candidates(IRQ_LINE_NONE, 24, NULL, c), 8);
	assert_int_equal(c[0].pin, 16);
	assert_int_equal(irq_route_candidates(IRQ_LINE_NONE, 20, NULL, c), 4);
	assert_int_equal(irq_route_candidates(IRQ_LINE_NONE, 16, NULL, c), 0);
	/* A wild override beyond the probed pins is not a candidate. */
	struct madt_info m;
	memset(&m, 0, sizeof(m));
	m.noverrides = 1;
	m.override[0].source = 5;
	m.override[0].gsi = 200;
	assert_int_equal(irq_route_candidates(5, 240, &m, c), 8);
	assert_int_equal(c[0].pin, 16);
}

static void test_choose(void **state)
{
	(void)state;
	struct irq_candidate c[IRQ_ROUTE_MAX_CANDIDATES];
	size_t n = irq_route_candidates(11, 24, NULL, c);
	/* QEMU q35: the test interrupt shows on the routed IRQ and on its PIRQ pin. */
	assert_int_equal(irq_route_choose(c, n, 0, 1ull << 11 | 1ull << 22), 0);
	/* A pin busy while the device was silent belongs to someone else. */
	assert_int_equal(irq_route_choose(c, n, 1ull << 11, 1ull << 11 | 1ull << 22), 7);
	assert_int_equal(c[7].pin, 22);
	/* Nothing fired, or only a busy pin: no route, the NIC is polled. */
	assert_int_equal(irq_route_choose(c, n, 0, 0), -1);
	assert_int_equal(irq_route_choose(c, n, 1ull << 11, 1ull << 11), -1);
	/* A pin that fired but is no candidate is ignored. */
	assert_int_equal(irq_route_choose(c, n, 0, 1ull << 3), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_candidates_without_madt),
		cmocka_unit_test(test_override_moves_and_sets_polarity),
		cmocka_unit_test(test_no_legacy_line),
		cmocka_unit_test(test_choose),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
