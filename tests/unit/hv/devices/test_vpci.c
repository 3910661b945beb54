/*
 * hv/devices/vpci.c: the virtual PCI bus, driven through ports 0xCF8-0xCFF
 * as a guest's enumeration would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/devices/vpci.h"

#include "hv/lib/hash64.h"
#include "tests/unit/fakes/fake_serial.h"

#define DEV_SLOT 3

static uint32_t addr(unsigned dev, unsigned fn, unsigned reg)
{
	return PCI_CONFIG_ENABLE | dev << PCI_ADDR_DEV_SHIFT | fn << PCI_ADDR_FN_SHIFT | reg;
}

static uint32_t cfg_read(struct vpci *p, unsigned dev, unsigned reg, unsigned size)
{
	vpci_config_write(p, PCI_CONFIG_ADDRESS_PORT, 4, addr(dev, 0, reg & ~3u));
	return vpci_config_read(p, (uint16_t)(PCI_CONFIG_DATA_PORT + (reg & 3)), size);
}

static void cfg_write(struct vpci *p, unsigned dev, unsigned reg, unsigned size, uint32_t v)
{
	vpci_config_write(p, PCI_CONFIG_ADDRESS_PORT, 4, addr(dev, 0, reg & ~3u));
	vpci_config_write(p, (uint16_t)(PCI_CONFIG_DATA_PORT + (reg & 3)), size, v);
}

/* A device that records the last BAR access and answers reads with a
 * pattern of (bar, offset, size). */
struct fake_dev {
	unsigned bar, offset, size, writes;
	uint32_t value;
};

static uint32_t fake_read(void *ctx, unsigned bar, unsigned offset, unsigned size)
{
	(void)ctx;
	return bar << 16 | offset << 4 | size;
}

static void fake_write(void *ctx, unsigned bar, unsigned offset, unsigned size, uint32_t value)
{
	struct fake_dev *d = ctx;
	d->bar = bar;
	d->offset = offset;
	d->size = size;
	d->value = value;
	d->writes++;
}

static const struct vpci_bar_ops fake_ops = { fake_read, fake_write };

static const struct vpci_id fake_id = {
	.vendor = 0x1af4, .device = 0x1001, .subsystem_vendor = 0x1af4, .subsystem_id = 2,
	.class_base = PCI_CLASS_STORAGE, .class_sub = PCI_SUBCLASS_STORAGE_OTHER,
	.interrupt_pin = PCI_INTERRUPT_PIN_INTA,
};

static void bus_with_device(struct vpci *p, struct fake_dev *d)
{
	vpci_init(p);
	assert_int_equal(vpci_add(p, DEV_SLOT, &fake_id, &fake_ops, d), 0);
	assert_int_equal(vpci_add_io_bar(p, DEV_SLOT, 0, 64), 0);
}

/* The host bridge at 00:00.0: Intel 440FX ids, class 06/00, header type 0. */
static void test_host_bridge(void **state)
{
	(void)state;
	struct vpci p;
	vpci_init(&p);
	assert_int_equal(cfg_read(&p, 0, PCI_VENDOR_ID, 4), VPCI_BRIDGE_DEVICE << 16 | VPCI_BRIDGE_VENDOR);
	assert_int_equal(cfg_read(&p, 0, PCI_CLASS_SUB, 2), PCI_CLASS_BRIDGE << 8 | PCI_SUBCLASS_HOST_BRIDGE);
	assert_int_equal(cfg_read(&p, 0, PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(cfg_read(&p, 0, PCI_CAPABILITY_LIST, 1), 0);
	assert_int_equal(cfg_read(&p, 0, PCI_STATUS, 2), 0);
}

/* The latch: only dword accesses at 0xCF8 reach it; it reads back without
 * bits 1:0; narrower accesses there read all ones and change nothing. */
static void test_address_latch(void **state)
{
	(void)state;
	struct vpci p;
	vpci_init(&p);
	vpci_config_write(&p, PCI_CONFIG_ADDRESS_PORT, 4, 0x80001233);
	assert_int_equal(vpci_config_read(&p, PCI_CONFIG_ADDRESS_PORT, 4), 0x80001230);
	vpci_config_write(&p, PCI_CONFIG_ADDRESS_PORT + 3, 1, 0);
	vpci_config_write(&p, PCI_CONFIG_ADDRESS_PORT, 2, 0);
	assert_int_equal(vpci_config_read(&p, PCI_CONFIG_ADDRESS_PORT, 4), 0x80001230);
	assert_int_equal(vpci_config_read(&p, PCI_CONFIG_ADDRESS_PORT, 1), 0xff);
	assert_int_equal(vpci_config_read(&p, PCI_CONFIG_ADDRESS_PORT + 1, 2), 0xffff);
	vpci_reset(&p);
	assert_int_equal(vpci_config_read(&p, PCI_CONFIG_ADDRESS_PORT, 4), 0);
}

/* Byte, word and dword reads at every offset of the data window agree with
 * the dword value. */
static void test_access_widths(void **state)
{
	(void)state;
	struct vpci p;
	struct fake_dev d = { 0 };
	bus_with_device(&p, &d);
	uint32_t dword = cfg_read(&p, DEV_SLOT, PCI_SUBSYSTEM_VENDOR_ID, 4);
	assert_int_equal(dword, 2u << 16 | 0x1af4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_SUBSYSTEM_VENDOR_ID + i, 1), (dword >> (8 * i)) & 0xff);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_SUBSYSTEM_ID, 2), 2);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_SUBSYSTEM_VENDOR_ID + 1, 2), (dword >> 8) & 0xffff);
	/* A word at 0xCFF: its upper byte is past the window. */
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_SUBSYSTEM_VENDOR_ID + 3, 2), 0xff00 | (dword >> 24));
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_INTERRUPT_PIN, 1), PCI_INTERRUPT_PIN_INTA);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_CLASS_BASE, 1), PCI_CLASS_STORAGE);
}

/* Absent functions read all ones at any width: other slots, other
 * functions, other buses, the latch disabled; writes to them vanish. */
static void test_absent_functions(void **state)
{
	(void)state;
	struct vpci p;
	vpci_init(&p);
	assert_int_equal(cfg_read(&p, 1, PCI_VENDOR_ID, 4), 0xffffffff);
	assert_int_equal(cfg_read(&p, 31, PCI_VENDOR_ID, 2), PCI_VENDOR_NONE);
	assert_int_equal(cfg_read(&p, VPCI_SLOTS, PCI_VENDOR_ID, 1), 0xff);
	vpci_config_write(&p, PCI_CONFIG_ADDRESS_PORT, 4, addr(0, 1, 0));
	assert_int_equal(vpci_config_read(&p, PCI_CONFIG_DATA_PORT, 4), 0xffffffff);
	vpci_config_write(&p, PCI_CONFIG_ADDRESS_PORT, 4, addr(0, 0, 0) | 1u << PCI_ADDR_BUS_SHIFT);
	assert_int_equal(vpci_config_read(&p, PCI_CONFIG_DATA_PORT, 4), 0xffffffff);
	vpci_config_write(&p, PCI_CONFIG_ADDRESS_PORT, 4, addr(0, 0, 0) & ~PCI_CONFIG_ENABLE);
	assert_int_equal(vpci_config_read(&p, PCI_CONFIG_DATA_PORT, 2), 0xffff);
	vpci_config_write(&p, PCI_CONFIG_DATA_PORT, 4, 0);
	assert_int_equal(cfg_read(&p, 0, PCI_VENDOR_ID, 2), VPCI_BRIDGE_VENDOR);
	assert_true(p.absent_reads >= 6);
}

/* Sizing: all ones in an I/O BAR reads back the size mask with the I/O
 * flag; a base then reads back as written, its low bits dropped. A slot
 * without a BAR stays 0. */
static void test_bar_sizing(void **state)
{
	(void)state;
	struct vpci p;
	struct fake_dev d = { 0 };
	bus_with_device(&p, &d);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_BAR0, 4), PCI_BAR_IO);
	cfg_write(&p, DEV_SLOT, PCI_BAR0, 4, 0xffffffff);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_BAR0, 4), ~63u | PCI_BAR_IO);
	cfg_write(&p, DEV_SLOT, PCI_BAR0, 4, 0xc03f);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_BAR0, 4), 0xc001);
	/* Byte-wise sizing ends at the same mask. */
	for (unsigned i = 0; i < 4; i++)
		cfg_write(&p, DEV_SLOT, PCI_BAR0 + i, 1, 0xff);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_BAR0, 4), ~63u | PCI_BAR_IO);
	cfg_write(&p, DEV_SLOT, PCI_BAR0 + 4, 4, 0xffffffff);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_BAR0 + 4, 4), 0);
	/* Read-only registers stay as they were. */
	cfg_write(&p, DEV_SLOT, PCI_VENDOR_ID, 4, 0);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_VENDOR_ID, 2), 0x1af4);
	cfg_write(&p, DEV_SLOT, PCI_INTERRUPT_LINE, 2, 0xffff);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_INTERRUPT_LINE, 2), PCI_INTERRUPT_PIN_INTA << 8 | 0xff);
}

/* The BAR decodes only with a base assigned and I/O decoding on, and
 * hands the device the offset and width. Reset turns it off again. */
static void test_bar_decode(void **state)
{
	(void)state;
	struct vpci p;
	struct fake_dev d = { 0 };
	uint32_t v = 0;
	bus_with_device(&p, &d);
	assert_int_equal(vpci_bar_read(&p, 0xc000, 4, &v), 0);
	cfg_write(&p, DEV_SLOT, PCI_BAR0, 4, 0xc000);
	assert_int_equal(vpci_bar_read(&p, 0xc000, 4, &v), 0);
	cfg_write(&p, DEV_SLOT, PCI_COMMAND, 2, PCI_COMMAND_IO | 0x8000);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_COMMAND, 2), PCI_COMMAND_IO);
	assert_int_equal(vpci_bar_read(&p, 0xc012, 2, &v), 1);
	assert_int_equal(v, 0 << 16 | 0x12 << 4 | 2);
	assert_int_equal(vpci_bar_write(&p, 0xc03f, 1, 0xab), 1);
	assert_int_equal(d.offset, 0x3f);
	assert_int_equal(d.value, 0xab);
	/* Past the window, and straddling its end. */
	assert_int_equal(vpci_bar_write(&p, 0xc040, 1, 0), 0);
	assert_int_equal(vpci_bar_write(&p, 0xc03e, 4, 0), 0);
	assert_int_equal(vpci_bar_read(&p, 0xbfff, 1, &v), 0);
	assert_int_equal(d.writes, 1);
	vpci_reset(&p);
	assert_int_equal(vpci_bar_read(&p, 0xc000, 4, &v), 0);
	assert_int_equal(cfg_read(&p, DEV_SLOT, PCI_BAR0, 4), PCI_BAR_IO);
}

/* Registration refuses a taken slot, a slot out of range, a bad BAR size. */
static void test_registration_errors(void **state)
{
	(void)state;
	struct vpci p;
	struct fake_dev d = { 0 };
	bus_with_device(&p, &d);
	fake_console_reset();
	assert_int_equal(vpci_add(&p, DEV_SLOT, &fake_id, &fake_ops, &d), -1);
	assert_int_equal(vpci_add(&p, VPCI_SLOTS, &fake_id, &fake_ops, &d), -1);
	assert_int_equal(vpci_add_io_bar(&p, DEV_SLOT, 1, 48), -1);
	assert_int_equal(vpci_add_io_bar(&p, DEV_SLOT, PCI_BAR_COUNT, 64), -1);
	assert_int_equal(vpci_add_io_bar(&p, 5, 0, 64), -1);
	assert_int_equal(fake_console_count("slot taken"), 1);
	assert_int_equal(fake_console_count("cannot add I/O BAR"), 3);
}

/* The hash follows the guest-visible registers and the latch. */
static void test_hash(void **state)
{
	(void)state;
	struct vpci a, b;
	struct fake_dev d = { 0 };
	bus_with_device(&a, &d);
	bus_with_device(&b, &d);
	assert_true(vpci_hash(HASH64_SEED, &a) == vpci_hash(HASH64_SEED, &b));
	cfg_write(&b, DEV_SLOT, PCI_INTERRUPT_LINE, 1, 11);
	assert_true(vpci_hash(HASH64_SEED, &a) != vpci_hash(HASH64_SEED, &b));
	cfg_write(&a, DEV_SLOT, PCI_INTERRUPT_LINE, 1, 11);
	assert_true(vpci_hash(HASH64_SEED, &a) == vpci_hash(HASH64_SEED, &b));
	vpci_config_write(&a, PCI_CONFIG_ADDRESS_PORT, 4, 0);
	assert_true(vpci_hash(HASH64_SEED, &a) != vpci_hash(HASH64_SEED, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_bridge),
		cmocka_unit_test(test_address_latch),
		cmocka_unit_test(test_access_widths),
		cmocka_unit_test(test_absent_functions),
		cmocka_unit_test(test_bar_sizing),
		cmocka_unit_test(test_bar_decode),
		cmocka_unit_test(test_registration_errors),
		cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
