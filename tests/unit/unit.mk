# Host unit tests (cmocka), built with AddressSanitizer and UBSan.
#
# Included by the top-level Makefile, which runs from the project root; it
# also works alone:  make -f tests/unit/unit.mk BUILD=build unit-build
#
# Each test is tests/unit/test_<module>.c plus the module sources listed in
# UNIT_SRCS_<module>. Every source is compiled once into $(BUILD)/unit/obj
# with the sanitizer flags, then each test binary is linked from its objects.

BUILD ?= build

UNIT_DIR    := $(BUILD)/unit
UNIT_CC     := gcc
UNIT_CFLAGS := -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Wall -Wextra -Werror -I. -MMD -MP
UNIT_LDLIBS := -lcmocka

# The modules under test and the sources each test links, one line per test.
UNIT_SRCS_config       := hv/lib/config.c
UNIT_SRCS_memmap       := hv/lib/memmap.c
UNIT_SRCS_pagetable    := arch/x86_64/pagetable.c
UNIT_SRCS_ept          := hv/vmx/ept.c hv/lib/page_alloc.c arch/x86_64/pagetable.c
UNIT_SRCS_vmx_caps     := hv/vmx/vmx_caps.c
UNIT_SRCS_vlapic       := hv/devices/vlapic.c
UNIT_SRCS_vioapic      := hv/devices/vioapic.c hv/lib/hash64.c
UNIT_SRCS_mmio_decode  := hv/vmx/mmio_decode.c
UNIT_SRCS_guest_walk   := hv/vmx/guest_walk.c
UNIT_SRCS_vuart        := hv/devices/vuart.c
UNIT_SRCS_log_format   := hv/lib/log_format.c
UNIT_SRCS_cpuid_policy := hv/devices/cpuid_policy.c
UNIT_SRCS_cpu_model    := hv/devices/cpu_model.c hv/devices/cpuid_policy.c hv/lib/hash64.c
UNIT_SRCS_guest_image  := hv/core/guest_image.c
UNIT_SRCS_shell_parse  := hv/core/shell_parse.c
UNIT_SRCS_crc32c       := hv/lib/crc32c.c
UNIT_SRCS_log_codec    := hv/eventlog/log_codec.c hv/lib/crc32c.c tests/unit/support/random_event.c
UNIT_SRCS_pmu_stepper  := hv/replay/pmu_stepper.c
UNIT_SRCS_execpoint_timer := hv/replay/execpoint_timer.c
UNIT_SRCS_hash64       := hv/lib/hash64.c
UNIT_SRCS_base64       := hv/lib/base64.c
UNIT_SRCS_log_extract  := tools/log_extract.c hv/lib/base64.c
UNIT_SRCS_log_corrupt  := hv/eventlog/log_corrupt.c hv/eventlog/log_codec.c hv/lib/crc32c.c
UNIT_SRCS_log_diff     := hv/eventlog/log_diff.c
UNIT_SRCS_log_alter    := hv/eventlog/log_alter.c hv/eventlog/log_codec.c hv/lib/crc32c.c \
	tests/unit/support/random_event.c
# Helpers shared by the tests of the record log (random events, checks, a panic() stub).
UNIT_LOG_HELPERS       := tests/unit/support/random_event.c tests/unit/support/event_log_check.c \
	tests/unit/support/panic_stub.c
UNIT_SRCS_event_log    := hv/eventlog/event_log.c hv/eventlog/log_codec.c hv/lib/crc32c.c $(UNIT_LOG_HELPERS)
UNIT_SRCS_event_log_ring := $(UNIT_SRCS_event_log)
UNIT_SRCS_ft_policy    := hv/ft/ft_policy.c
UNIT_SRCS_ft_roles     := hv/ft/ft_roles.c hv/ft/ft_policy.c net/ft_proto.c hv/bench/bench_stats.c \
	hv/eventlog/event_log.c hv/eventlog/log_codec.c hv/lib/crc32c.c tests/unit/fakes/fake_transport.c \
	hv/lib/log.c hv/lib/log_format.c tests/unit/fakes/fake_serial.c tests/unit/support/panic_stub.c
UNIT_SRCS_pci          := drivers/pci.c
UNIT_SRCS_desc_ring    := drivers/desc_ring.c
UNIT_SRCS_e1000_mac    := drivers/e1000_mac.c
UNIT_SRCS_e1000_rx     := drivers/e1000_rx.c
UNIT_SRCS_frame_demux  := net/frame_demux.c
UNIT_SRCS_ft_proto     := net/ft_proto.c
UNIT_SRCS_synth_log    := hv/bench/synth_log.c hv/eventlog/log_codec.c hv/lib/crc32c.c
UNIT_SRCS_bench_stats  := hv/bench/bench_stats.c
UNIT_SRCS_netbench_header := hv/bench/netbench_header.c
UNIT_SRCS_vpci         := hv/devices/vpci.c hv/lib/hash64.c hv/lib/log.c hv/lib/log_format.c tests/unit/fakes/fake_serial.c
UNIT_SRCS_virtq        := hv/devices/virtq.c tests/unit/support/virtq_driver.c
UNIT_SRCS_virtio_blk   := hv/devices/virtio_blk.c hv/devices/virtio_pci.c hv/devices/blk_ramdisk.c \
	hv/devices/virtq.c hv/devices/vpci.c hv/lib/hash64.c tests/unit/support/virtq_driver.c \
	hv/lib/log.c hv/lib/log_format.c tests/unit/fakes/fake_serial.c hv/devices/vioapic.c
UNIT_SRCS_acpi         := arch/x86_64/acpi.c
UNIT_SRCS_irq_route    := drivers/irq_route.c arch/x86_64/acpi.c
UNIT_SRCS_md5          := hv/lib/md5.c
UNIT_SRCS_iscsi_pdu    := net/iscsi/iscsi_pdu.c net/iscsi/iscsi_frame.c hv/lib/crc32c.c
UNIT_SRCS_iscsi_keys   := net/iscsi/iscsi_keys.c
UNIT_SRCS_iscsi_chap   := net/iscsi/iscsi_chap.c net/iscsi/iscsi_keys.c hv/lib/md5.c hv/lib/base64.c
UNIT_SRCS_iscsi_isid   := net/iscsi/iscsi_isid.c hv/lib/hash64.c
UNIT_SRCS_scsi         := net/iscsi/scsi_cdb.c net/iscsi/scsi_sense.c
UNIT_SRCS_iscsi_session := net/iscsi/iscsi_session.c net/iscsi/iscsi_login.c net/iscsi/iscsi_pdu.c \
	net/iscsi/iscsi_frame.c net/iscsi/iscsi_keys.c net/iscsi/iscsi_chap.c net/iscsi/scsi_sense.c \
	net/iscsi/iscsi_isid.c hv/lib/hash64.c \
	hv/lib/crc32c.c hv/lib/md5.c hv/lib/base64.c hv/lib/log.c hv/lib/log_format.c tests/unit/fakes/fake_serial.c

# The exit-time glue against fakes of the hardware (tests/unit/fakes/): the
# fake VMCS, the fake host (TSC, RDRAND, interrupts, VM entry), the console.
UNIT_FAKES := tests/unit/fakes/fake_vmcs.c tests/unit/fakes/fake_host.c \
	tests/unit/fakes/fake_serial.c tests/unit/support/panic_stub.c
UNIT_GLUE := hv/replay/nondet.c hv/eventlog/log_alter.c hv/replay/state_hash.c hv/vmx/guest_state.c \
	hv/devices/vpci.c hv/devices/virtio_blk.c hv/devices/virtio_pci.c hv/devices/virtq.c \
	hv/devices/blk_ramdisk.c hv/devices/vioapic.c \
	hv/lib/hash64.c hv/devices/vlapic.c hv/devices/vuart.c hv/vmx/vcpu.c hv/vmx/inject.c \
	hv/eventlog/event_log.c \
	hv/eventlog/log_codec.c hv/lib/crc32c.c hv/lib/log.c hv/lib/log_format.c \
	hv/lib/stop_name.c tests/unit/support/event_log_check.c tests/unit/support/random_event.c \
	$(UNIT_FAKES)
UNIT_SRCS_nondet       := $(UNIT_GLUE)
UNIT_SRCS_vmexit       := hv/core/vmexit.c hv/core/exit_cpu.c hv/core/exit_events.c \
	hv/core/exit_time.c hv/core/exit_io.c hv/core/exit_msr.c hv/core/exit_mmio.c hv/devices/vrtc.c \
	hv/vmx/mmio_decode.c hv/vmx/guest_walk.c \
	hv/vmx/vcpu_reset.c hv/devices/cpu_model.c hv/devices/cpuid_policy.c $(UNIT_GLUE)
UNIT_SRCS_exit_handlers := $(UNIT_SRCS_vmexit)
UNIT_SRCS_execpoint_pmu := hv/replay/execpoint_pmu.c hv/replay/pmu_stepper.c \
	tests/unit/fakes/fake_pmu.c $(UNIT_GLUE)
UNIT_SRCS_snapshot     := hv/replay/snapshot.c hv/vmx/vcpu_reset.c $(UNIT_GLUE)
UNIT_SRCS_inject       := hv/vmx/inject.c hv/vmx/vcpu.c hv/devices/vlapic.c hv/lib/log.c \
	hv/lib/log_format.c $(UNIT_FAKES)

UNIT_MODULES := config memmap pagetable ept vmx_caps vlapic vioapic vuart log_format \
	cpuid_policy cpu_model guest_image crc32c log_codec
UNIT_MODULES += pmu_stepper
UNIT_MODULES += execpoint_timer
UNIT_MODULES += hash64
UNIT_MODULES += shell_parse
UNIT_MODULES += base64 log_extract
UNIT_MODULES += log_corrupt log_alter log_diff
UNIT_MODULES += event_log event_log_ring ft_policy ft_roles
UNIT_MODULES += pci desc_ring e1000_mac e1000_rx frame_demux
UNIT_MODULES += ft_proto
UNIT_MODULES += synth_log bench_stats netbench_header
UNIT_MODULES += acpi irq_route
UNIT_MODULES += md5 iscsi_pdu iscsi_keys iscsi_chap iscsi_isid scsi iscsi_session
UNIT_MODULES += vpci virtq virtio_blk mmio_decode guest_walk
UNIT_MODULES += nondet execpoint_pmu inject vmexit exit_handlers snapshot
UNIT_BINS := $(UNIT_MODULES:%=$(UNIT_DIR)/test_%)

# Objects of one test: its own file and the module sources it names.
unit_objs = $(patsubst %.c,$(UNIT_DIR)/obj/%.o,$(wildcard tests/unit/*/test_$(1).c tests/unit/*/*/test_$(1).c) $(UNIT_SRCS_$(1)))
UNIT_ALL_OBJS := $(sort $(foreach m,$(UNIT_MODULES),$(call unit_objs,$(m))))

.PHONY: unit-build
unit-build: $(UNIT_BINS)

$(UNIT_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC (unit) $<"
	@$(UNIT_CC) $(UNIT_CFLAGS) -c $< -o $@

# One prerequisite line per test binary, then one link rule for all of them.
$(foreach m,$(UNIT_MODULES),$(eval $(UNIT_DIR)/test_$(m): $(call unit_objs,$(m))))

$(UNIT_BINS):
	@echo "  LD (unit) $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $^ -o $@ $(UNIT_LDLIBS)

-include $(UNIT_ALL_OBJS:.o=.d)
