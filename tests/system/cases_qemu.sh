# System tests under QEMU + OVMF (TCG: no VT-x). They cover the UEFI path,
# the hypervisor's own start-up, and every bad-input stop before VMX.
# Each case runs in $CASE_DIR and returns non-zero with a reason on failure.

# Boots an ESP built from a config (lines) and the test guest; log in $CASE_DIR/console.
boot_qemu_with_config() {
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = poweroff" "$@"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	boot qemu "$CASE_DIR/esp.img" "$CASE_DIR/console"
}

qemu_reports_missing_vtx() {
	boot_qemu_with_config
	expect "$CASE_DIR/console" \
		'ftvisor: ftvisor [0-9.]+ \(TSC [0-9.]+ MHz' \
		'mem: own page tables live' \
		'vmx: ERROR: VT-x is unavailable: this CPU does not offer VMX' \
		'ftvisor: stopped: no VT-x \(code 2\)' &&
		expect_status 5
}

qemu_missing_config() {
	make_esp "$CASE_DIR/esp.img" "$EFI" - "$GUEST"
	boot qemu "$CASE_DIR/esp.img" "$CASE_DIR/console"
	expect "$CASE_DIR/console" \
		'config: ERROR: \\ftvisor.cfg not found on the boot volume' \
		'stopped: bad config \(code 3\)' \
		'ftvisor halted'
}

qemu_malformed_config() {
	boot_qemu_with_config "hv.timer_slice = plenty"
	expect "$CASE_DIR/console" \
		'config: ERROR: \\ftvisor.cfg line 2: hv.timer_slice: not a number' \
		'stopped: bad config \(code 3\)'
}

qemu_unknown_config_key() {
	boot_qemu_with_config "guest.colour = blue"
	expect "$CASE_DIR/console" "line 2: unknown key 'guest.colour'" 'stopped: bad config'
}

qemu_binary_config() {
	printf 'guest.ram_mb = 16\n\x01\x02\xff\n' >"$CASE_DIR/ftvisor.cfg"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	boot qemu "$CASE_DIR/esp.img" "$CASE_DIR/console"
	expect "$CASE_DIR/console" 'line 2: not a text file' 'stopped: bad config'
}

qemu_missing_guest() {
	boot_qemu_with_config "guest.image = nothere.bin"
	expect "$CASE_DIR/console" \
		'guest: ERROR: guest image \\nothere.bin not found on the boot volume' \
		'stopped: bad guest image \(code 4\)' &&
		expect_status 9
}

qemu_guest_not_an_image() {
	head -c 4096 /dev/urandom >"$CASE_DIR/junk.bin"
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = poweroff"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$CASE_DIR/junk.bin"
	boot qemu "$CASE_DIR/esp.img" "$CASE_DIR/console"
	expect "$CASE_DIR/console" 'not an ftvisor guest image' 'stopped: bad guest image'
}

qemu_guest_truncated() {
	head -c 3000 "$GUEST" >"$CASE_DIR/short.bin"
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = poweroff"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$CASE_DIR/short.bin"
	boot qemu "$CASE_DIR/esp.img" "$CASE_DIR/console"
	expect "$CASE_DIR/console" 'but the file has 3000 \(truncated\?\)' 'stopped: bad guest image'
}

# A 3 MiB image (header patched to match) cannot fit 2 MiB of guest RAM.
qemu_guest_larger_than_ram() {
	cp "$GUEST" "$CASE_DIR/big.bin"
	truncate -s 3M "$CASE_DIR/big.bin"
	printf '%08x' $((3 << 20)) | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/' | xxd -r -p |
		dd of="$CASE_DIR/big.bin" bs=1 seek=20 conv=notrunc status=none
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = poweroff" "guest.image = big.bin" \
		"guest.ram_mb = 2"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST" "big.bin=$CASE_DIR/big.bin"
	boot qemu "$CASE_DIR/esp.img" "$CASE_DIR/console"
	expect "$CASE_DIR/console" 'guest has 2048 KiB \(raise guest.ram_mb\)' 'stopped: bad guest image'
}

qemu_not_enough_memory() {
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = poweroff" "guest.ram_mb = 4096"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	boot qemu "$CASE_DIR/esp.img" "$CASE_DIR/console"
	expect "$CASE_DIR/console" \
		'mem: ERROR: not enough memory for guest RAM: need 4096 MiB, the largest free block is [0-9]+ MiB' \
		'stopped: not enough memory \(code 5\)' &&
		expect_status 11
}

# The console command 'fault' executes UD2 in the hypervisor itself.
qemu_hypervisor_exception_dump() {
	boot_qemu_with_config "console.autorun = help; fault"
	expect "$CASE_DIR/console" \
		'exits +VM exits of the guest' \
		'cpu: ERROR: hypervisor exception 6: #UD invalid opcode' \
		'RIP [0-9a-f]{16}  CS 0008' \
		'CR0 [0-9a-f]{16}  CR3' \
		'R13 [0-9a-f]{16}' \
		'backtrace \(image base 0x[0-9a-f]+\)' \
		'#0 ftvisor\+0x[0-9a-f]+' \
		'stopped: hypervisor fault \(code 7\)' &&
		expect_status 15
}

# A host NMI (a watchdog, a platform error) is not a fault of ftvisor's: sent
# twice through QEMU's monitor while ftvisor sits at its console (TCG: no
# VT-x, so it stays there), it is counted and the console answers on.
qemu_host_nmi_is_counted() {
	trap emu_stop_all EXIT
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = console"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	local log=$CASE_DIR/console fifo=$CASE_DIR/console.in mon=$CASE_DIR/monitor.in
	mkfifo "$fifo" "$mon"
	emu_start qemu "$CASE_DIR/esp.img" "$log" env FTV_QEMU_CONSOLE_IN="$fifo" FTV_QEMU_MONITOR_IN="$mon"
	emu_wait "$log" 'ftvisor: staying at the console' 60 || return 1
	# One at a time: NMIs that arrive together are latched as one.
	exec 9>"$mon"
	printf 'nmi\n' >&9
	sleep 1
	printf 'nmi\n' >&9
	sleep 1
	exec 9>&-
	console_send "$fifo" exits &&
		emu_wait "$log" '^host NMIs while ftvisor ran: 2' 20 || return 1
	if grep -q 'hypervisor exception 2' "$log"; then
		echo "the NMI was taken as a hypervisor fault"
		return 1
	fi
}
