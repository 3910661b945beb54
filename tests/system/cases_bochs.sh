# System tests in Bochs, whose CPU has VT-x: the test guest really runs
# under VMX with EPT. Each case runs in $CASE_DIR.

boot_bochs_with_cmdline() {
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = poweroff" "guest.cmdline = $1"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	bash "$ROOT/scripts/mkiso.sh" "$CASE_DIR/esp.img" "$CASE_DIR/ftvisor.iso"
	boot bochs "$CASE_DIR/ftvisor.iso" "$CASE_DIR/console"
}

bochs_guest_passes() {
	boot_bochs_with_cmdline "test=all ticks=20"
	expect "$CASE_DIR/console" \
		'vmx: VT-x: VMCS revision' \
		'vmx: VMX root operation entered' \
		"guest: cpuid: vendor .*hypervisor 'ftvisor'" \
		'guest: rdrand: ' \
		'guest: timer: 2[0-9] interrupts' \
		'guest: window: no interrupt for .* with IF=0, held tick came' \
		'guest: all checks passed' \
		'guest: guest reported: test passed' \
		'exit 10 +CPUID' 'exit 12 +HLT' 'exit 16 +RDTSC' 'exit 18 +VMCALL' \
		'exit 30 +I/O' 'exit 32 +WRMSR' 'exit 57 +RDRAND' \
		'ftvisor: stopped: guest passed \(code 0\)' &&
		expect_not "$CASE_DIR/console" 'ERROR' 'FAIL'
}

bochs_guest_failure_is_reported() {
	boot_bochs_with_cmdline "test=fail"
	expect "$CASE_DIR/console" \
		'guest: ERROR: guest reported: test FAILED with code 42' \
		'ftvisor: stopped: guest failed \(code 1\)'
}

bochs_guest_triple_fault() {
	boot_bochs_with_cmdline "test=triple"
	expect "$CASE_DIR/console" \
		'guest state:' \
		'guest triple fault at RIP 0x' \
		'exit 2 +triple fault' \
		'ftvisor: stopped: guest crashed \(code 8\)'
}

bochs_guest_bad_msr_gets_gp() {
	boot_bochs_with_cmdline "test=badmsr"
	expect "$CASE_DIR/console" \
		'guest: WARN: read of MSR 0x12345678 refused: #GP injected' \
		'guest caught #GP' \
		'ftvisor: stopped: guest passed \(code 0\)'
}
