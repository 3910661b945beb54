# The test guest: a flat 32-bit binary that ftvisor loads at 0x100000.
# Included by the top-level Makefile, which runs from the project root and
# provides BUILD and CC. Include it after the default target, since the
# rules below would otherwise become the default.

GUEST_BIN := $(BUILD)/guest/testguest.bin

GUEST_C_SRCS := \
	guest/apic.c \
	guest/checks_cpu.c \
	guest/checks_ioapic.c \
	guest/checks_pci.c \
	guest/checks_state.c \
	guest/checks_timer.c \
	guest/cmdline.c \
	guest/faults.c \
	guest/header.c \
	guest/idt.c \
	guest/print.c \
	guest/report.c \
	guest/stress.c \
	guest/testguest.c \
	guest/uart.c
GUEST_S_SRCS := \
	guest/entry.S \
	guest/isr.S

GUEST_C_OBJS := $(GUEST_C_SRCS:guest/%.c=$(BUILD)/guest/%.o)
GUEST_S_OBJS := $(GUEST_S_SRCS:guest/%.S=$(BUILD)/guest/%.o)
GUEST_OBJS := $(GUEST_C_OBJS) $(GUEST_S_OBJS)

# -mgeneral-regs-only: the interrupt stubs save only integer registers.
# -MMD -MP: header dependencies, read back below.
GUEST_CFLAGS := -m32 -ffreestanding -nostdlib -fno-pic -fno-stack-protector \
	-O2 -Wall -Wextra -Werror -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables -I hv/core -MMD -MP

# -no-pie: Debian's gcc links PIE by default; the guest runs where linked.
# One output section holds code and data, hence the RWX warning is expected.
# Orphan sections would land after .bss, outside the image: make them errors.
GUEST_LDFLAGS := -m32 -nostdlib -static -no-pie -T guest/guest.ld \
	-Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,--orphan-handling=error

$(GUEST_BIN): $(BUILD)/guest/testguest.elf
	@echo "  BIN $@"
	@objcopy -O binary $< $@

$(BUILD)/guest/testguest.elf: $(GUEST_OBJS) guest/guest.ld
	@echo "  LD (guest) $@"
	@$(CC) $(GUEST_LDFLAGS) -o $@ $(GUEST_OBJS)

$(GUEST_C_OBJS): $(BUILD)/guest/%.o: guest/%.c
	@mkdir -p $(@D)
	@echo "  CC (guest) $<"
	@$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_S_OBJS): $(BUILD)/guest/%.o: guest/%.S
	@mkdir -p $(@D)
	@echo "  AS (guest) $<"
	@$(CC) $(GUEST_CFLAGS) -c -o $@ $<

-include $(GUEST_OBJS:.o=.d)
