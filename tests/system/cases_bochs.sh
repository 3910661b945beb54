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
		'guest: state: CR2, DR0-3, DR6, KERNEL_GS_BASE at power-on values' \
		"guest: cpuid: vendor .*hypervisor 'ftvisor'" \
		'guest: rdrand: ' \
		'guest: timer: 2[0-9] interrupts' \
		'guest: window: no interrupt for .* with IF=0, held tick came' \
		'guest: pci: host bridge 8086:1237 at 00:00.0' \
		'guest: pci: 00:1.0 is 1af4:1001, class 0x180' \
		'guest: pci: 1 more device\(s\) on bus 0' \
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

# ---- record/replay on one machine ----

# Boots the self-check: record from a snapshot until the guest stops, restore,
# replay, compare every hash. Extra config lines follow the command line.
boot_bochs_self_check() {
	local cmdline=$1
	shift
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = poweroff" "guest.cmdline = $cmdline" \
		"hv.heap_mb = 64" "replay.check = 1000000000000" "$@"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	bash "$ROOT/scripts/mkiso.sh" "$CASE_DIR/esp.img" "$CASE_DIR/ftvisor.iso"
	boot bochs "$CASE_DIR/ftvisor.iso" "$CASE_DIR/console"
}

# The acceptance run: at least 10^5 interrupts at random points (in branch-free
# code, inside REP MOVS/STOS, after IF=0 stretches and HLT), replayed with every
# state hash (each 64 events) and memory hash (each 16384) matching.
bochs_replay_100k_interrupts() {
	boot_bochs_self_check "test=replay ticks=100000" \
		"replay.hash_interval = 64" "replay.memhash_interval = 16384"
	expect "$CASE_DIR/console" \
		'replay: execution points: emulator' \
		'guest: replay stress: [0-9]+ interrupts, [0-9]+ rounds' \
		'replay: replay stress: [0-9]+ interrupts, [0-9]+ rounds' \
		'self-check PASSED' \
		'ftvisor: stopped: guest passed \(code 0\)' || return 1
	expect_not "$CASE_DIR/console" 'diverged' 'FAILED' || return 1
	# The guest's own checksum must be the same in the recorded and the replayed run.
	local rec rep n
	rec=$(grep -o 'guest: replay stress: .*checksum 0x[0-9a-f]*' "$CASE_DIR/console" | grep -o '0x[0-9a-f]*$')
	rep=$(grep -o 'replay: replay stress: .*checksum 0x[0-9a-f]*' "$CASE_DIR/console" | grep -o '0x[0-9a-f]*$')
	[ -n "$rec" ] && [ "$rec" = "$rep" ] || { echo "guest checksums differ: recorded $rec, replayed $rep"; return 1; }
	n=$(tr -d '\r' <"$CASE_DIR/console" |
		sed -n 's/.*self-check PASSED: [0-9]* events replayed, \([0-9]*\) interrupts.*/\1/p')
	[ "${n:-0}" -ge 100000 ] || { echo "only ${n:-0} interrupts replayed, want >= 100000"; return 1; }
}

# Damaged copies of a good log (a flipped bit, a truncated batch, two batches
# swapped, a batch of another format version) are each refused, by name.
bochs_replay_refuses_damaged_logs() {
	boot_bochs_self_check "test=replay ticks=3000" "replay.corrupt = yes"
	expect "$CASE_DIR/console" \
		'self-check PASSED' \
		'damaged log \(flipped bit in batch [0-9]+\) refused: .*CRC32C mismatch' \
		'damaged log \(truncated batch in batch [0-9]+\) refused: .*have [0-9]+ of its [0-9]+ bytes' \
		'damaged log \(reordered batches in batch [0-9]+\) refused: .*reordered, repeated or missing' \
		'damaged log \(wrong version in batch [0-9]+\) refused: .*version 3, this reader supports only version 2' \
		'the record log cannot be read further .* nothing after event #[0-9]+ was replayed' \
		'ftvisor: stopped: guest passed \(code 0\)' &&
		expect_not "$CASE_DIR/console" 'was NOT refused'
}

# A log whose content is wrong but whose CRCs are right (one interrupt moved
# one instruction earlier, the batches encoded again) passes the decoder:
# replay itself must stop with "replay diverged", naming the moved interrupt
# (its point is never reached) or, when the guest spins in place there (a
# jmp-to-self waiting for the interrupt: same RIP and RCX one count earlier),
# the event right after it, where the interrupt taken early shows.
bochs_replay_diverges_on_altered_log() {
	boot_bochs_self_check "test=replay ticks=300" "replay.alter = intr" "replay.alter_event = 200"
	expect "$CASE_DIR/console" \
		'self-check PASSED' \
		'altered log \(interrupt one count earlier\): #[0-9]+ INTR vector' \
		'ftvisor: stopped: guest passed \(code 0\)' || return 1
	expect_not "$CASE_DIR/console" 'was NOT caught' 'cannot be read further' || return 1
	local n
	n=$(tr -d '\r' <"$CASE_DIR/console" |
		sed -n 's/.*altered log (interrupt one count earlier): #\([0-9]*\) INTR.*/\1/p')
	[ "${n:-0}" -ge 200 ] || { echo "altered event #${n:-?}, want one from #200 on"; return 1; }
	expect "$CASE_DIR/console" \
		"altered log \\(interrupt one count earlier at event #$n\\) diverged: replay diverged at count [0-9]+ rip 0x[0-9a-f]+: .*the log has #($n INTR|$((n + 1)) )"
}

# The log leaves the machine on the console and the host tool reads it.
bochs_replay_log_reaches_host_tool() {
	boot_bochs_self_check "test=replay ticks=300" "replay.dump = yes"
	expect "$CASE_DIR/console" 'self-check PASSED' '----- END FTVISOR LOG -----' || return 1
	local tool=$BUILD/tools/ftvlog log=$CASE_DIR/record.log
	"$tool" extract "$CASE_DIR/console" "$log" || { echo "ftvlog extract failed"; return 1; }
	"$tool" stats "$log" >"$CASE_DIR/stats" || { echo "ftvlog stats failed"; return 1; }
	local intr_console intr_tool
	intr_console=$(tr -d '\r' <"$CASE_DIR/console" |
		sed -n 's/.*replay: log: [0-9]* events in [0-9]* bytes ([0-9]* batches); \([0-9]*\) interrupts/\1/p')
	intr_tool=$(awk '$1 == "INTR" || $1 == "intr" {print $2; exit}' "$CASE_DIR/stats")
	[ -n "$intr_console" ] && [ "$intr_console" = "$intr_tool" ] ||
		{ echo "interrupts: console says '$intr_console', ftvlog stats says '$intr_tool'"; cat "$CASE_DIR/stats"; return 1; }
	"$tool" diff "$log" "$log" >/dev/null || { echo "a log differs from itself"; return 1; }
	# One flipped byte: the tool names the batch and the CRC, and exits 2.
	cp "$log" "$CASE_DIR/damaged.log"
	printf '\xff' | dd of="$CASE_DIR/damaged.log" bs=1 seek=100 conv=notrunc status=none
	local status=0
	"$tool" print "$CASE_DIR/damaged.log" >"$CASE_DIR/damaged.out" 2>&1 || status=$?
	[ $status -eq 2 ] && grep -q 'CRC32C' "$CASE_DIR/damaged.out" ||
		{ echo "damaged log: exit $status"; cat "$CASE_DIR/damaged.out"; return 1; }
}
