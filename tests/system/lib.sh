# Helpers for system tests: build an ESP/ISO with a given config, boot it in
# QEMU or Bochs, wait for ftvisor to stop, and check the console.
# Sourced by tests/run.sh; every case runs in its own directory $CASE_DIR.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
EFI=$BUILD/ftvisor.efi
GUEST=$BUILD/guest/testguest.bin
# Bochs boots OVMF from a CD in ~8 s of wall time; the guest adds seconds.
QEMU_TIMEOUT=${QEMU_TIMEOUT:-60}
BOCHS_TIMEOUT=${BOCHS_TIMEOUT:-240}

# The console says this once ftvisor is done, however it ends.
DONE_PATTERN='ftvisor halted\.|ftvisor: stopped: '

# write_config FILE LINE...: the LINEs, plus the test defaults for the keys
# they do not set (ftvisor refuses duplicate keys).
write_config() {
	local file=$1
	shift
	{
		printf '%s\n' "$@"
		for default in "guest.ram_mb = 16" "hv.heap_mb = 16"; do
			printf '%s\n' "$@" | grep -q "^${default%% =*} =" || echo "$default"
		done
	} >"$file"
}

# make_esp OUT CONFIG(or -) GUEST(or -) [NAME=FILE...]
make_esp() {
	bash "$ROOT/scripts/mkesp.sh" "$@"
}

# boot EMULATOR IMAGE LOG: runs until the console shows DONE_PATTERN (then
# gives the emulator a moment to exit by itself, and stops it by pid), or
# until the timeout. Sets BOOT_STATUS to the emulator's exit status.
boot() {
	local emu=$1 image=$2 log=$3 limit pid
	: >"$log"
	if [ "$emu" = qemu ]; then
		limit=$QEMU_TIMEOUT
		FTV_TIMEOUT=$limit bash "$ROOT/scripts/qemu.sh" "$image" "$log" 2>/dev/null &
		pid=$!
	else
		limit=$BOCHS_TIMEOUT
		# Two Bochs starting at the same instant can race for the VNC port.
		exec 8>"${TMPDIR:-/tmp}/ftvisor-bochs-start.lock"
		flock 8
		FTV_TIMEOUT=$limit bash "$ROOT/scripts/bochs.sh" "$image" "$log" &
		pid=$!
		sleep 2
		flock -u 8
		exec 8>&-
	fi
	local waited=0
	while kill -0 "$pid" 2>/dev/null; do
		if grep -Eq "$DONE_PATTERN" "$log" 2>/dev/null; then
			# Powered off emulators exit by themselves; halted ones are stopped.
			local grace=0
			while kill -0 "$pid" 2>/dev/null && [ $grace -lt 20 ]; do
				sleep 0.25
				grace=$((grace + 1))
			done
			kill -TERM "$pid" 2>/dev/null
			break
		fi
		sleep 0.25
		waited=$((waited + 1))
		[ $waited -gt $((limit * 4 + 40)) ] && kill -TERM "$pid" 2>/dev/null
	done
	BOOT_STATUS=0
	wait "$pid" || BOOT_STATUS=$?
}

# expect LOG REGEX...: every REGEX (grep -E) must appear in LOG.
expect() {
	local log=$1 ok=0
	shift
	for re in "$@"; do
		if ! grep -Eq -- "$re" "$log"; then
			echo "missing on the console: $re"
			ok=1
		fi
	done
	return $ok
}

# expect_not LOG REGEX...: no REGEX may appear.
expect_not() {
	local log=$1 ok=0
	shift
	for re in "$@"; do
		if grep -Eq -- "$re" "$log"; then
			echo "unexpected on the console: $(grep -Em1 -- "$re" "$log")"
			ok=1
		fi
	done
	return $ok
}

# expect_status WANT: the emulator's exit status (QEMU: stop code * 2 + 1).
expect_status() {
	if [ "$BOOT_STATUS" != "$1" ]; then
		echo "exit status $BOOT_STATUS, expected $1"
		return 1
	fi
}

# ---- emulators that keep running (ftvisor staying up on the network) ----
# boot() waits for ftvisor to end; these start it, wait for console lines
# while it runs, and stop it.

EMU_PIDS=()

# emu_start EMULATOR IMAGE LOG [PREFIX...]: starts the launcher in the
# background under the usual timeout, optionally behind a command prefix
# (e.g. env FTV_QEMU_TAP=tapQ ip netns exec NS). Sets EMU_PID.
emu_start() {
	local emu=$1 image=$2 log=$3
	shift 3
	: >"$log"
	if [ "$emu" = qemu ]; then
		FTV_TIMEOUT=$QEMU_TIMEOUT "$@" bash "$ROOT/scripts/qemu.sh" "$image" "$log" 2>/dev/null &
		EMU_PID=$!
	else
		exec 8>"${TMPDIR:-/tmp}/ftvisor-bochs-start.lock"
		flock 8
		FTV_TIMEOUT=$BOCHS_TIMEOUT "$@" bash "$ROOT/scripts/bochs.sh" "$image" "$log" &
		EMU_PID=$!
		sleep 2
		flock -u 8
		exec 8>&-
	fi
	EMU_PIDS+=("$EMU_PID")
}

# emu_wait LOG REGEX SECONDS: 0 once REGEX (grep -E) is on the console;
# 1 (saying so) when the time runs out or the emulator exits first.
emu_wait() {
	local log=$1 re=$2 limit=$3 waited=0
	while [ $waited -lt $((limit * 4)) ]; do
		grep -Eq -- "$re" "$log" 2>/dev/null && return 0
		if ! kill -0 "$EMU_PID" 2>/dev/null; then
			grep -Eq -- "$re" "$log" 2>/dev/null && return 0
			echo "the emulator exited before the console showed: $re"
			return 1
		fi
		sleep 0.25
		waited=$((waited + 1))
	done
	echo "not on the console within $limit s: $re"
	return 1
}

# console_send FIFO LINE: types LINE on the console of a QEMU started with
# FTV_QEMU_CONSOLE_IN=FIFO (bounded: a FIFO nobody reads would block).
console_send() {
	timeout 5 bash -c 'printf "%s\r" "$2" >"$1"' _ "$1" "$2"
}

# emu_stop_all: stops every emulator emu_start started, by pid, and waits.
emu_stop_all() {
	local pid
	for pid in "${EMU_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${EMU_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	EMU_PIDS=()
}

# with_net_rig NAME CMD...: runs CMD with the test network NAME up
# (scripts/netns.sh: bridge 10.77.0.1/24, taps tapA tapB tapQ). Afterwards,
# and also when the case is interrupted, stops the emulators emu_start
# started, then deletes the namespace. CMD's status is the result.
with_net_rig() {
	local ns=$1 status=0
	shift
	if ! bash "$ROOT/scripts/netns.sh" up "$ns"; then
		bash "$ROOT/scripts/netns.sh" down "$ns"
		echo "could not set up the network namespace $ns (root and iproute2 needed)"
		return 1
	fi
	trap 'emu_stop_all; bash "$ROOT/scripts/netns.sh" down "'"$ns"'"; exit 143' TERM INT
	"$@" || status=$?
	trap - TERM INT
	emu_stop_all
	bash "$ROOT/scripts/netns.sh" down "$ns"
	return $status
}
