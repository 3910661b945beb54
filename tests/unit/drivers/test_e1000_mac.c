/*
 * drivers/e1000_mac.c: the MAC address from the 82540EM's EEPROM words,
 * into the receive-address registers, and which addresses are usable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/e1000_mac.h"
#include "drivers/e1000_regs.h"

static void test_eeprom_words_are_little_endian_pairs(void **state)
{
	(void)state;
	const uint16_t words[3] = { 0x5452, 0x4d00, 0x1000 };
	const uint8_t want[6] = { 0x52, 0x54, 0x00, 0x4d, 0x00, 0x10 };
	uint8_t mac[6];
	e1000_mac_from_eeprom(words, mac);
	assert_memory_equal(mac, want, 6);
}

static void test_receive_address_registers(void **state)
{
	(void)state;
	const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x4d, 0x00, 0x10 };
	uint32_t ral, rah;
	e1000_mac_to_receive_address(mac, &ral, &rah);
	assert_int_equal(ral, 0x4d005452u);
	assert_int_equal(rah, 0x1000u | E1000_RAH_AV);
	assert_true(rah & (1u << 31));
}

static void test_round_trip(void **state)
{
	(void)state;
	/* EEPROM words and RAL/RAH hold the same bytes in the same order. */
	const uint16_t words[3] = { 0x1100, 0x3322, 0x5544 };
	uint8_t mac[6];
	uint32_t ral, rah;
	e1000_mac_from_eeprom(words, mac);
	e1000_mac_to_receive_address(mac, &ral, &rah);
	assert_int_equal(ral, (uint32_t)words[1] << 16 | words[0]);
	assert_int_equal(rah & 0xffff, words[2]);
}

static void test_usable(void **state)
{
	(void)state;
	const uint8_t zero[6] = { 0 };
	const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t multicast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	const uint8_t qemu[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	const uint8_t intel[6] = { 0x00, 0x1b, 0x21, 0x00, 0x00, 0x00 };
	assert_false(e1000_mac_usable(zero));
	assert_false(e1000_mac_usable(broadcast));
	assert_false(e1000_mac_usable(multicast));
	assert_true(e1000_mac_usable(qemu));
	assert_true(e1000_mac_usable(intel));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eeprom_words_are_little_endian_pairs),
		cmocka_unit_test(test_receive_address_registers),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_usable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
