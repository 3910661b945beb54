/*
 * The guest state outside the VMCS (hv/vmx/host.h: CR2, DR0-DR3, DR6,
 * KERNEL_GS_BASE, the SYSCALL MSRs, TSC_AUX), the virtual RTC's index
 * latch, the virtual PCI bus and its disk: a defined value at power-on, kept by a snapshot, and covered by the
 * state hash item by item. The processor's registers are the fake host's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/devices/cpu_model.h"
#include "hv/replay/snapshot.h"
#include "hv/replay/state_hash.h"
#include "hv/vmx/host.h"
#include "hv/vmx/vcpu.h"
#include "hv/vmx/vmcs_setup.h"
#include "tests/unit/fakes/fake_host.h"
#include "tests/unit/fakes/fake_serial.h"
#include "tests/unit/fakes/fake_vmcs.h"

#define RAM_SIZE 4096
#define ITEMS (sizeof(struct guest_unswitched) / sizeof(uint64_t))

static struct {
	struct vcpu v;
	struct vmx_caps caps;
	struct vmx_plan plan;
	struct cpu_model model;
	uint8_t ram[RAM_SIZE], snap_ram[RAM_SIZE];
} rig;

static int setup(void **state)
{
	memset(&rig, 0, sizeof(rig));
	fake_vmcs_reset();
	fake_host_reset();
	fake_console_reset();
	rig.caps.cr0_fixed1 = ~0ull;
	rig.caps.cr4_fixed1 = ~0ull;
	rig.v.caps = &rig.caps;
	rig.v.plan = &rig.plan;
	rig.v.cpu_model = &rig.model;
	rig.v.ram = rig.ram;
	rig.v.ram_size = RAM_SIZE;
	*state = &rig.v;
	return 0;
}

/* The items of struct guest_unswitched, one by one. */
static uint64_t *item(struct guest_unswitched *u, size_t i)
{
	return (uint64_t *)u + i;
}

static void scribble(struct guest_unswitched *u, uint64_t base)
{
	for (size_t i = 0; i < ITEMS; i++)
		*item(u, i) = base + i;
}

static void test_power_on_values(void **state)
{
	struct vcpu *v = *state;
	/* Whatever the firmware (or a recording) left in the registers... */
	scribble(&fake_host.regs, 0x1234);
	vcpu_reset(v);
	/* ...the guest starts with what a processor has after RESET. */
	struct guest_unswitched want = { .dr6 = 0xffff0ff0ull };
	assert_memory_equal(&fake_host.regs, &want, sizeof(want));
}

static void test_snapshot_keeps_unswitched_state_and_rtc_latch(void **state)
{
	struct vcpu *v = *state;
	struct vcpu_snapshot snap = { .ram = rig.snap_ram };
	vcpu_reset(v);
	scribble(&fake_host.regs, 0x5000);
	v->rtc.index = 0x0a;
	v->rtc.nmi_masked = 1;
	snapshot_take(v, &snap);
	uint64_t h = state_hash(v);

	/* The run goes on and changes all of it. */
	scribble(&fake_host.regs, 0x9000);
	v->rtc.index = 0x32;
	v->rtc.nmi_masked = 0;
	assert_int_not_equal(state_hash(v), h);

	snapshot_restore(v, &snap);
	struct guest_unswitched want;
	scribble(&want, 0x5000);
	assert_memory_equal(&fake_host.regs, &want, sizeof(want));
	assert_int_equal(v->rtc.index, 0x0a);
	assert_int_equal(v->rtc.nmi_masked, 1);
	assert_int_equal(state_hash(v), h);
}

static void test_hash_covers_every_item(void **state)
{
	struct vcpu *v = *state;
	vcpu_reset(v);
	uint64_t h = state_hash(v);
	for (size_t i = 0; i < ITEMS; i++) {
		(*item(&fake_host.regs, i))++;
		if (state_hash(v) == h)
			fail_msg("item %zu of struct guest_unswitched is not in the state hash", i);
		(*item(&fake_host.regs, i))--;
		assert_int_equal(state_hash(v), h);
	}
	v->rtc.index = 0x0b;
	assert_int_not_equal(state_hash(v), h);
	v->rtc.index = 0;
	v->rtc.nmi_masked = 1;
	assert_int_not_equal(state_hash(v), h);
	v->rtc.nmi_masked = 0;
	assert_int_equal(state_hash(v), h);
}

/* The PCI bus's latch and registers: kept by a snapshot, in the hash. */
static void test_snapshot_keeps_pci_bus(void **state)
{
	struct vcpu *v = *state;
	struct vcpu_snapshot snap = { .ram = rig.snap_ram };
	vcpu_reset(v);
	vpci_init(&v->pci);
	vpci_config_write(&v->pci, PCI_CONFIG_ADDRESS_PORT, 4, PCI_CONFIG_ENABLE | PCI_COMMAND);
	snapshot_take(v, &snap);
	uint64_t h = state_hash(v);
	vpci_config_write(&v->pci, PCI_CONFIG_DATA_PORT, 2, PCI_COMMAND_MASTER);
	assert_int_not_equal(state_hash(v), h);
	snapshot_restore(v, &snap);
	assert_int_equal(state_hash(v), h);
	vpci_config_write(&v->pci, PCI_CONFIG_ADDRESS_PORT, 4, 0);
	assert_int_not_equal(state_hash(v), h);
	snapshot_restore(v, &snap);
	assert_int_equal(vpci_config_read(&v->pci, PCI_CONFIG_DATA_PORT, 2), 0);
}

/* The disk's registers and queue: kept by a snapshot, in the hash. */
static void test_snapshot_keeps_disk(void **state)
{
	struct vcpu *v = *state;
	struct vcpu_snapshot snap = { .ram = rig.snap_ram };
	const struct guest_mem mem = { v->ram, v->ram_size };
	struct blk_backend be;
	vcpu_reset(v);
	blk_ramdisk_init(&v->no_medium, NULL, 0, &be);
	virtio_blk_init(&v->disk, &mem, &be, "snap");
	snapshot_take(v, &snap);
	uint64_t h = state_hash(v);
	virtio_pci_write(&v->disk.pci, VIRTIO_PCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_int_not_equal(state_hash(v), h);
	snapshot_restore(v, &snap);
	assert_int_equal(state_hash(v), h);
	virtio_pci_write(&v->disk.pci, VIRTIO_PCI_QUEUE_PFN, 4, 1);
	assert_int_not_equal(state_hash(v), h);
	snapshot_restore(v, &snap);
	assert_int_equal(v->disk.pci.vq[0].size, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_power_on_values, setup),
		cmocka_unit_test_setup(test_snapshot_keeps_unswitched_state_and_rtc_latch, setup),
		cmocka_unit_test_setup(test_hash_covers_every_item, setup),
		cmocka_unit_test_setup(test_snapshot_keeps_pci_bus, setup),
		cmocka_unit_test_setup(test_snapshot_keeps_disk, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
