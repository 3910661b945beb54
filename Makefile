# ftvisor: a fault-tolerant type-1 micro-hypervisor (UEFI, VT-x).
#
#   make            build build/ftvisor.efi, the ESP image and the Bochs ISO
#   make test       host unit tests + system tests in QEMU and Bochs
#   make demo       the demonstration (see README)
#   make run-bochs  boot in Bochs (VT-x emulated): the guest runs
#   make run-qemu   boot in QEMU (KVM with nested VMX when the host has VT-x)
#
# Third-party code (GNU-EFI, newlib, lwIP) comes from Debian's packages via
# scripts/setup.sh and is built once under build/deps.

BUILD   ?= build
DEPS    := $(BUILD)/deps
NEWLIB  := $(DEPS)/newlib/x86_64-elf
EFIINC  := /usr/include/efi
EFILIB  := /usr/lib
CC      := gcc
LD      := ld
OBJCOPY := objcopy
GCCINC  := $(shell $(CC) -print-file-name=include)
LIBGCC  := $(shell $(CC) -print-libgcc-file-name)
SETUP_STAMP := $(DEPS)/setup.stamp

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
# Everything in the image: freestanding, position independent (relocated by
# GNU-EFI's crt0), no red zone (exceptions use the current stack), frame
# pointers for the backtrace in panic().
COMMON_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fpic -mno-red-zone -fno-stack-protector \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fvisibility=hidden -nostdinc -I. $(WARN) -MMD -MP
CORE_CFLAGS := $(COMMON_CFLAGS) -isystem $(NEWLIB)/include -isystem $(GCCINC)
EFI_CFLAGS  := $(COMMON_CFLAGS) -isystem $(GCCINC) -I$(EFIINC) -I$(EFIINC)/x86_64 \
	-fshort-wchar -maccumulate-outgoing-args -DEFI_FUNCTION_WRAPPER -DGNU_EFI_USE_MS_ABI

CORE_SRCS := $(wildcard hv/*/*.c) $(wildcard arch/x86_64/*.c) $(wildcard drivers/*.c) \
	$(wildcard net/*.c) $(wildcard net/iscsi/*.c)
ASM_SRCS  := $(wildcard arch/x86_64/*.S)
BOOT_SRCS := boot/efi_main.c
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/obj/%.o) $(ASM_SRCS:%.S=$(BUILD)/obj/%.o)
BOOT_OBJS := $(BOOT_SRCS:%.c=$(BUILD)/obj/%.o)

EFI     := $(BUILD)/ftvisor.efi
SO      := $(BUILD)/ftvisor.so
ESP     := $(BUILD)/esp.img
ISO     := $(BUILD)/ftvisor.iso
CONFIG  := config/ftvisor.cfg

# The fragments define their own targets; 'all' stays the default.
.DEFAULT_GOAL := all
include guest/guest.mk
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk
include tools/tools.mk
include net/net.mk
include tests/iscsi/iscsi.mk

.PHONY: all setup test test-unit test-system demo bench run-bochs run-qemu clean distclean
all: $(EFI) $(ESP) $(ISO) $(FTVLOG)


setup: $(SETUP_STAMP)
$(SETUP_STAMP): scripts/setup.sh
	BUILD=$(abspath $(BUILD)) bash scripts/setup.sh
	@touch $@

$(BUILD)/obj/boot/%.o: boot/%.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC (efi) $<"
	@$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CORE_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS $<"
	@$(CC) $(CORE_CFLAGS) -c $< -o $@

# GNU-EFI's libefi defines memcpy/memset in the same object as InitializeLib,
# so both libraries' copies get linked; newlib's libc comes first and
# --allow-multiple-definition keeps its (rep-string) versions.
$(SO): $(BOOT_OBJS) $(CORE_OBJS) $(NET_OBJS) linker.ld
	@echo "  LD $@"
	@$(LD) -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined -z noexecstack \
		--allow-multiple-definition -T linker.ld \
		$(EFILIB)/crt0-efi-x86_64.o $(BOOT_OBJS) $(CORE_OBJS) $(NET_OBJS) \
		$(NEWLIB)/lib/libc.a $(LIBGCC) -L$(EFILIB) -lefi -lgnuefi -o $@
	@bash scripts/check-relocs.sh $@

$(EFI): $(SO)
	$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .reloc --target=efi-app-x86_64 --subsystem=10 $< $@
	@echo "built $@ ($$(stat -c %s $@) bytes)"

$(ESP): $(EFI) $(GUEST_BIN) $(CONFIG) scripts/mkesp.sh
	bash scripts/mkesp.sh $@ $(EFI) $(CONFIG) $(GUEST_BIN)

$(ISO): $(ESP) scripts/mkiso.sh
	bash scripts/mkiso.sh $(ESP) $@

# ---- tests ----
test: all
	bash tests/run.sh all

test-unit: | $(SETUP_STAMP)
	bash tests/run.sh unit

test-system: all
	bash tests/run.sh system

# ---- benchmarks (figures, not pass/fail) ----
bench: all
	bash scripts/bench.sh

# ---- running ----
demo: all
	bash scripts/demo.sh

run-bochs: all
	bash scripts/bochs.sh $(ISO)

run-qemu: all
	bash scripts/qemu.sh $(ESP)

clean:
	rm -rf $(BUILD)/obj $(BUILD)/guest $(BUILD)/unit $(BUILD)/fuzz $(BUILD)/tools \
		$(BUILD)/test-results $(SO) $(EFI) $(ESP) $(ISO)

# Also forgets the set-up (packages stay installed).
distclean:
	rm -rf $(BUILD)

-include $(CORE_OBJS:.o=.d) $(BOOT_OBJS:.o=.d)
