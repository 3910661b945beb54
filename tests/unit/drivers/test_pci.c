/*
 * drivers/pci.c, its pure part: the configuration address of mechanism #1
 * and the decoding of memory BARs (32-bit, 64-bit, I/O).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/pci.h"

static void test_config_address(void **state)
{
	(void)state;
	assert_int_equal(pci_config_address(0, 0, 0, 0), 0x80000000u);
	assert_int_equal(pci_config_address(0, 3, 0, PCI_BAR0), 0x80001810u);
	assert_int_equal(pci_config_address(0xff, 31, 7, 0xfc), 0x80fffffcu);
	/* The low two bits of the offset never reach the address register. */
	assert_int_equal(pci_config_address(1, 2, 3, PCI_HEADER_TYPE), 0x8001130cu);
}

static void test_bar_32bit_memory(void **state)
{
	(void)state;
	uint64_t base;
	int is64;
	assert_int_equal(pci_bar_decode(0xfebc0000u, 0xdeadbeefu, &base, &is64), 0);
	assert_false(is64);
	assert_int_equal(base, 0xfebc0000u);
	/* Prefetchable flag (bit 3) is not part of the address. */
	assert_int_equal(pci_bar_decode(0xc0000008u, 0, &base, &is64), 0);
	assert_int_equal(base, 0xc0000000u);
}

static void test_bar_64bit_memory(void **state)
{
	(void)state;
	uint64_t base;
	int is64;
	assert_int_equal(pci_bar_decode(0xe000000cu, 0x1u, &base, &is64), 0);
	assert_true(is64);
	assert_int_equal(base, 0x1e0000000ull);
}

static void test_bar_io_is_refused(void **state)
{
	(void)state;
	uint64_t base = 42;
	int is64 = 7;
	assert_int_equal(pci_bar_decode(0xc001u, 0, &base, &is64), -1);
	assert_int_equal(base, 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_address),
		cmocka_unit_test(test_bar_32bit_memory),
		cmocka_unit_test(test_bar_64bit_memory),
		cmocka_unit_test(test_bar_io_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
