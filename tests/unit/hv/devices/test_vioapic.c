/*
 * hv/devices/vioapic.c: power-on values, the indirect register window, the
 * read-only bits, edge and level delivery with remote IRR and EOI, masking,
 * and the state hash covering what the guest can see.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/devices/vioapic.h"
#include "hv/lib/hash64.h"

static uint8_t got[64];
static unsigned ngot;

static void deliver(void *ctx, uint8_t vector)
{
	(void)ctx;
	if (ngot < sizeof(got))
		got[ngot] = vector;
	ngot++;
}

static void fresh(struct vioapic *a)
{
	ngot = 0;
	a->deliver = deliver;
	a->deliver_ctx = NULL;
	vioapic_reset(a);
}

static uint32_t reg_read(struct vioapic *a, uint32_t reg)
{
	vioapic_write(a, VIOAPIC_IOREGSEL, reg);
	return vioapic_read(a, VIOAPIC_IOWIN);
}

static void reg_write(struct vioapic *a, uint32_t reg, uint32_t value)
{
	vioapic_write(a, VIOAPIC_IOREGSEL, reg);
	vioapic_write(a, VIOAPIC_IOWIN, value);
}

/* Programs pin: vector, level or edge, unmasked. */
static void route(struct vioapic *a, unsigned pin, uint8_t vector, int level)
{
	reg_write(a, VIOAPIC_REG_REDIR + 2 * pin + 1, 0);
	reg_write(a, VIOAPIC_REG_REDIR + 2 * pin, vector | (level ? (uint32_t)VIOAPIC_RTE_LEVEL : 0));
}

static void test_power_on(void **state)
{
	(void)state;
	struct vioapic a;
	fresh(&a);
	assert_int_equal(reg_read(&a, VIOAPIC_REG_ID), 0);
	assert_int_equal(reg_read(&a, VIOAPIC_REG_VERSION), 0x20 | (VIOAPIC_PINS - 1) << 16);
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		assert_int_equal(reg_read(&a, VIOAPIC_REG_REDIR + 2 * pin), VIOAPIC_RTE_MASKED);
		assert_int_equal(reg_read(&a, VIOAPIC_REG_REDIR + 2 * pin + 1), 0);
	}
	/* A masked pin delivers nothing. */
	vioapic_set_line(&a, 3, 1);
	assert_int_equal(ngot, 0);
}

static void test_read_only_bits(void **state)
{
	(void)state;
	struct vioapic a;
	fresh(&a);
	reg_write(&a, VIOAPIC_REG_VERSION, 0xffffffff);
	assert_int_equal(reg_read(&a, VIOAPIC_REG_VERSION), 0x20 | (VIOAPIC_PINS - 1) << 16);
	reg_write(&a, VIOAPIC_REG_ID, 0xffffffff);
	assert_int_equal(reg_read(&a, VIOAPIC_REG_ID), 0x0f000000);
	/* Delivery status and remote IRR cannot be written; reserved high bits neither. */
	reg_write(&a, VIOAPIC_REG_REDIR + 4, 0xffffffff);
	assert_int_equal(reg_read(&a, VIOAPIC_REG_REDIR + 4) & (VIOAPIC_RTE_PENDING | VIOAPIC_RTE_REMOTE_IRR), 0);
	reg_write(&a, VIOAPIC_REG_REDIR + 5, 0xffffffff);
	assert_int_equal(reg_read(&a, VIOAPIC_REG_REDIR + 5), 0xff000000);
	/* Past the last pin: reserved, reads 0 and ignores writes. */
	reg_write(&a, VIOAPIC_REG_REDIR + 2 * VIOAPIC_PINS, 0x1234);
	assert_int_equal(reg_read(&a, VIOAPIC_REG_REDIR + 2 * VIOAPIC_PINS), 0);
}

static void test_edge_delivers_on_rising_edges(void **state)
{
	(void)state;
	struct vioapic a;
	fresh(&a);
	route(&a, 5, 0x41, 0);
	vioapic_set_line(&a, 5, 1);
	vioapic_set_line(&a, 5, 1); /* still high: no new edge */
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0], 0x41);
	vioapic_set_line(&a, 5, 0);
	vioapic_set_line(&a, 5, 1);
	assert_int_equal(ngot, 2);
}

static void test_level_waits_for_eoi(void **state)
{
	(void)state;
	struct vioapic a;
	fresh(&a);
	route(&a, 11, 0x52, 1);
	vioapic_set_line(&a, 11, 1);
	assert_int_equal(ngot, 1);
	assert_true(reg_read(&a, VIOAPIC_REG_REDIR + 22) & VIOAPIC_RTE_REMOTE_IRR);
	vioapic_set_line(&a, 11, 1);
	assert_int_equal(ngot, 1); /* remote IRR holds it back */
	vioapic_eoi(&a, 0x30);      /* another vector's EOI changes nothing */
	assert_int_equal(ngot, 1);
	vioapic_eoi(&a, 0x52);      /* line still up: delivered again */
	assert_int_equal(ngot, 2);
	vioapic_set_line(&a, 11, 0);
	vioapic_write(&a, VIOAPIC_EOI, 0x52); /* the EOI register does the same */
	assert_int_equal(ngot, 2);
	assert_false(reg_read(&a, VIOAPIC_REG_REDIR + 22) & VIOAPIC_RTE_REMOTE_IRR);
}

static void test_unmasking_a_raised_level_line_delivers(void **state)
{
	(void)state;
	struct vioapic a;
	fresh(&a);
	reg_write(&a, VIOAPIC_REG_REDIR + 2 * 9, 0x60 | (uint32_t)VIOAPIC_RTE_LEVEL | (uint32_t)VIOAPIC_RTE_MASKED);
	vioapic_set_line(&a, 9, 1);
	assert_int_equal(ngot, 0);
	reg_write(&a, VIOAPIC_REG_REDIR + 2 * 9, 0x60 | (uint32_t)VIOAPIC_RTE_LEVEL);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0], 0x60);
}

static void test_reset_keeps_the_wiring(void **state)
{
	(void)state;
	struct vioapic a;
	fresh(&a);
	route(&a, 2, 0x70, 0);
	vioapic_reset(&a);
	route(&a, 2, 0x71, 0);
	vioapic_set_line(&a, 2, 1);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0], 0x71);
}

static void test_hash_covers_guest_state(void **state)
{
	(void)state;
	struct vioapic a;
	fresh(&a);
	uint64_t base = vioapic_hash(HASH64_SEED, &a);
	reg_write(&a, VIOAPIC_REG_REDIR + 2 * 23 + 1, 0x01000000);
	uint64_t h1 = vioapic_hash(HASH64_SEED, &a);
	assert_true(h1 != base);
	vioapic_write(&a, VIOAPIC_IOREGSEL, 0x01);
	uint64_t h2 = vioapic_hash(HASH64_SEED, &a);
	assert_true(h2 != h1);
	vioapic_set_line(&a, 0, 1);
	assert_true(vioapic_hash(HASH64_SEED, &a) != h2);
	reg_write(&a, VIOAPIC_REG_ID, 0x02000000);
	assert_true(vioapic_hash(HASH64_SEED, &a) != h2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_on),
		cmocka_unit_test(test_read_only_bits),
		cmocka_unit_test(test_edge_delivers_on_rising_edges),
		cmocka_unit_test(test_level_waits_for_eoi),
		cmocka_unit_test(test_unmasking_a_raised_level_line_delivers),
		cmocka_unit_test(test_reset_keeps_the_wiring),
		cmocka_unit_test(test_hash_covers_guest_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
