# Two ftvisor servers in Bochs (VT-x) on one Ethernet segment: a network
# namespace made by the test, a bridge (10.77.0.1/24) and one tap each.
# The primary records and streams its log; the backup replays in lockstep.
# pair_* cases run both emulators, so the runner gives them both slots.

FT_PRIMARY_IP=10.77.0.11
FT_BACKUP_IP=10.77.0.12

# ft_config FILE ROLE MY_IP PEER_IP LINE...
# The silence timeout is generous: on a loaded host one emulator can stall
# for seconds while the other's clock (sync=slowdown) follows the host's.
# A LINE that sets ft.hb_timeout_ms replaces that default.
ft_config() {
	local file=$1 role=$2 ip=$3 peer=$4 timeout="ft.hb_timeout_ms = 4000" a
	shift 4
	for a in "$@"; do [[ $a == ft.hb_timeout_ms* ]] && timeout=; done
	write_config "$file" "hv.on_stop = poweroff" "hv.heap_mb = 64" "net.ip = $ip" \
		"net.netmask = 255.255.255.0" "ft.role = $role" "ft.peer = $peer" \
		"ft.hb_interval_ms = 100" ${timeout:+"$timeout"} "$@"
}

# ft_image DIR CONFIG: an ISO for one server.
ft_image() {
	make_esp "$1/esp.img" "$EFI" "$2" "$GUEST"
	bash "$ROOT/scripts/mkiso.sh" "$1/esp.img" "$1/ftvisor.iso"
}

# ft_pair_setup: the namespace, and both servers' images (configs given as
# the primary's and the backup's extra lines, separated by '--').
ft_pair_setup() {
	NS=ftv-$$-$RANDOM
	mkdir -p "$CASE_DIR/primary" "$CASE_DIR/backup"
	local pri=() bak=() side=pri
	for a in "$@"; do
		if [ "$a" = -- ]; then side=bak; continue; fi
		if [ $side = pri ]; then pri+=("$a"); else bak+=("$a"); fi
	done
	ft_config "$CASE_DIR/primary/ftvisor.cfg" primary $FT_PRIMARY_IP $FT_BACKUP_IP "${pri[@]}"
	ft_config "$CASE_DIR/backup/ftvisor.cfg" backup $FT_BACKUP_IP $FT_PRIMARY_IP "${bak[@]}"
	ft_image "$CASE_DIR/primary" "$CASE_DIR/primary/ftvisor.cfg"
	ft_image "$CASE_DIR/backup" "$CASE_DIR/backup/ftvisor.cfg"
	bash "$ROOT/scripts/netns.sh" up "$NS" >/dev/null
	PAIR_PIDS=()
	trap 'ft_pair_teardown' EXIT
}

ft_pair_teardown() {
	for pid in "${PAIR_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${PAIR_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	bash "$ROOT/scripts/netns.sh" down "$NS" >/dev/null 2>&1
}

# ft_start SIDE TAP MAC: boots one server in the namespace, in the background,
# its clock kept in step with the host's (two servers compare times).
ft_start() {
	local side=$1 tap=$2 mac=$3
	: >"$CASE_DIR/$side/console"
	ip netns exec "$NS" env FTV_TIMEOUT=$BOCHS_TIMEOUT FTV_BOCHS_TAP=$tap FTV_BOCHS_MAC=$mac \
		FTV_BOCHS_SYNC=slowdown \
		bash "$ROOT/scripts/bochs.sh" "$CASE_DIR/$side/ftvisor.iso" "$CASE_DIR/$side/console" &
	PAIR_PIDS+=($!)
	sleep 3 # staggered: two Bochs starting together can race for the VNC port
}

# ft_wait SIDE REGEX SECONDS: until the console shows REGEX.
ft_wait() {
	local deadline=$((SECONDS + $3))
	while [ $SECONDS -lt $deadline ]; do
		grep -Eq -- "$2" "$CASE_DIR/$1/console" 2>/dev/null && return 0
		sleep 0.5
	done
	echo "$1: no '$2' on the console within $3 s"
	return 1
}

# ft_wait_stopped SIDE...: until each side's ftvisor has printed its last
# line (the run's figures come before it).
ft_wait_stopped() {
	local side
	for side in "$@"; do
		ft_wait "$side" 'ftvisor: stopped: ' 60 || return 1
	done
}

# Checkpoint lines (count, rip, state hash) must be the same on both sides.
ft_same_checkpoints() {
	local p=$CASE_DIR/primary/checkpoints b=$CASE_DIR/backup/checkpoints
	tr -d '\r' <"$CASE_DIR/primary/console" | grep -o 'checkpoint [0-9]*: count .* state 0x[0-9a-f]*' >"$p"
	tr -d '\r' <"$CASE_DIR/backup/console" | grep -o 'checkpoint [0-9]*: count .* state 0x[0-9a-f]*' >"$b"
	[ -s "$p" ] || { echo "no checkpoints on the primary"; return 1; }
	if ! diff -q "$p" "$b" >/dev/null; then
		echo "checkpoints differ between primary and backup:"
		diff "$p" "$b" | head -5
		return 1
	fi
	echo "$(wc -l <"$p") checkpoints identical on both sides"
}

# The acceptance run: >= 10^4 events replayed live with matching hashes.
pair_live_replay() {
	ft_pair_setup "guest.cmdline = test=replay ticks=5000" -- "guest.cmdline = test=replay ticks=5000"
	ft_start backup tapB 52:54:00:77:00:12
	ft_start primary tapA 52:54:00:77:00:11
	ft_wait primary 'all [0-9]+ events \([0-9]+ batches\) acknowledged by the backup' 240 &&
		ft_wait backup 'backup replayed all [0-9]+ events in lockstep' 120 &&
		ft_wait_stopped primary backup || return 1
	expect "$CASE_DIR/primary/console" 'ft: primary: peer 10.77.0.12' 'backup .* accepted the channel' \
		'ftvisor: stopped: guest passed' &&
		expect "$CASE_DIR/backup/console" 'primary 10.77.0.11 connected' \
			'ftvisor: stopped: guest passed' &&
		expect_not "$CASE_DIR/backup/console" 'diverged' 'corrupt batch' || return 1
	local n
	n=$(tr -d '\r' <"$CASE_DIR/backup/console" | sed -n 's/.*backup replayed all \([0-9]*\) events.*/\1/p')
	[ "${n:-0}" -ge 10000 ] || { echo "only ${n:-0} events replayed live, want >= 10000"; return 1; }
	ft_same_checkpoints
}

# The backup boots long after the primary: it catches up from the first event.
pair_backup_starts_late() {
	ft_pair_setup "guest.cmdline = test=replay ticks=2000" -- "guest.cmdline = test=replay ticks=2000"
	ft_start primary tapA 52:54:00:77:00:11
	ft_wait primary 'peer 10.77.0.12 \(backup\) silent .*noticed by the primary' 120 || return 1
	ft_start backup tapB 52:54:00:77:00:12
	ft_wait backup 'resuming at batch 0' 120 &&
		ft_wait backup 'backup replayed all [0-9]+ events in lockstep' 240 &&
		ft_wait primary 'all [0-9]+ events \([0-9]+ batches\) acknowledged' 60 || return 1
	ft_same_checkpoints
}

# A batch damaged on the wire: the backup refuses it, the connection is reset,
# the primary resends from the last acknowledgement, and the replay matches.
pair_corrupt_batch_on_the_wire() {
	ft_pair_setup "guest.cmdline = test=replay ticks=2000" "ft.corrupt_batch = 3" -- \
		"guest.cmdline = test=replay ticks=2000"
	ft_start backup tapB 52:54:00:77:00:12
	ft_start primary tapA 52:54:00:77:00:11
	ft_wait backup 'backup replayed all [0-9]+ events in lockstep' 240 || return 1
	expect "$CASE_DIR/primary/console" 'fault injection: batch 3 sent with a flipped bit' &&
		expect "$CASE_DIR/backup/console" \
			'corrupt batch on the wire from 10.77.0.11: .*CRC32C.*resetting the connection, nothing from it is replayed' \
			'primary 10.77.0.11 connected \(run id [0-9a-f]+\); resuming at batch 3' &&
		ft_same_checkpoints
}

# The primary dies: the backup says so within the heartbeat timeout. The
# backup prints its figures every 500 ms, so its console's last time stamp
# before the kill is at most that much before it; the silence must be
# declared within ft.hb_timeout_ms of it, give or take the service period.
pair_backup_notices_silent_primary() {
	ft_pair_setup "guest.cmdline = test=replay ticks=100000" -- "guest.cmdline = test=replay ticks=100000" \
		"ft.stats_interval_ms = 500"
	ft_start backup tapB 52:54:00:77:00:12
	ft_start primary tapA 52:54:00:77:00:11
	ft_wait backup 'checkpoint 2: ' 180 || return 1
	kill -TERM "${PAIR_PIDS[1]}"
	wait "${PAIR_PIDS[1]}" 2>/dev/null
	local before
	before=$(ft_line_ms backup '^\[ *[0-9]+\.[0-9]+\]')
	ft_wait backup 'peer 10.77.0.11 \(primary\) silent for [0-9]+ ms: noticed by the backup' 60 &&
		ft_wait backup 'the primary fell silent; the log ends at event [0-9]+' 30 || return 1
	local declared slack=1500 timeout
	timeout=$(sed -n "s/^ft.hb_timeout_ms = //p" "$CASE_DIR/backup/ftvisor.cfg")
	declared=$(ft_line_ms backup 'silent for [0-9]+ ms: noticed by the backup')
	echo "last line before the kill at ${before} ms, silence declared at ${declared} ms (timeout ${timeout} ms)"
	[ -n "$before" ] && [ -n "$declared" ] || { echo "no time stamps on the backup's console"; return 1; }
	if [ $((declared - before)) -gt $((timeout + slack)) ]; then
		echo "silence declared $((declared - before)) ms after the kill, want <= $timeout + $slack ms"
		return 1
	fi
}

# A log larger than its ring (replay.log_mb = 1 on both sides), so both
# rings wrap: the primary releases what the backup acknowledged, the backup
# what it replayed, and the replay still matches to the end.
pair_log_ring_wraps() {
	local common=("guest.cmdline = test=replay ticks=80000" "replay.log_mb = 1"
		"ft.max_unacked_kb = 256" "ft.stats_interval_ms = 2000")
	ft_pair_setup "${common[@]}" -- "${common[@]}"
	ft_start backup tapB 52:54:00:77:00:12
	ft_start primary tapA 52:54:00:77:00:11
	ft_wait primary 'all [0-9]+ events \([0-9]+ batches\) acknowledged by the backup' 400 &&
		ft_wait backup 'backup replayed all [0-9]+ events in lockstep' 120 &&
		ft_wait_stopped primary backup || return 1
	local p=$CASE_DIR/primary/console b=$CASE_DIR/backup/console bytes
	bytes=$(tr -d '\r' <"$p" | sed -n 's/.*ft: primary: .*log [0-9]* events, [0-9]* batches, \([0-9]*\) bytes;.*/\1/p' | tail -1)
	if [ "${bytes:-0}" -le $((1024 * 1024)) ]; then
		echo "the log grew to ${bytes:-0} bytes: no more than its 1 MiB ring"
		return 1
	fi
	# Both sides held only part of it at a time, from a batch after the first.
	expect "$p" 'held [0-9]+ of 1024 KiB from batch [1-9][0-9]*, 0 batches dropped' &&
		expect "$b" 'log held [0-9]+ of 1024 KiB from batch [1-9][0-9]*' &&
		expect_not "$b" "the backup's log is full" 'diverged' 'corrupt batch' &&
		expect_not "$p" 'the log is full' 'was dropped' 'no backup can catch up' &&
		ft_same_checkpoints
}

# The uptime in ms of a console line ("[  12.345678] ..."): the last line
# matching REGEX in SIDE's console (empty if none).
ft_line_ms() {
	tr -d '\r' <"$CASE_DIR/$1/console" | grep -E -- "$2" | tail -1 |
		sed -n 's/^\[ *\([0-9]*\)\.\([0-9]\{3\}\).*/\1\2/p' | sed 's/^0*\([0-9]\)/\1/'
}

# A backup that runs another guest (another command line) refuses the
# channel while its heartbeats go on: the primary's guest must not wait for
# it (flow control is for a welcomed backup), and the primary says it runs
# unprotected. A small flow-control window makes a frozen guest certain.
pair_backup_with_another_guest() {
	ft_pair_setup "guest.cmdline = test=replay ticks=5000" "ft.max_unacked_kb = 16" -- \
		"guest.cmdline = test=replay ticks=5001"
	ft_start backup tapB 52:54:00:77:00:12
	ft_start primary tapA 52:54:00:77:00:11
	ft_wait primary 'ftvisor: stopped: ' 240 || return 1
	local p=$CASE_DIR/primary/console
	expect "$p" 'backup 10.77.0.12 refused the channel: the primary runs another guest' \
		'the primary runs unprotected .*: backup 10.77.0.12 refused the channel' \
		'ftvisor: stopped: guest passed' \
		'the backup refused the channel with [0-9]+ of [0-9]+ batches acknowledged' &&
		expect "$CASE_DIR/backup/console" \
			'refusing primary 10.77.0.11: the primary runs another guest' &&
		expect_not "$p" 'guest paused' || return 1
	local n
	n=$(tr -d '\r' <"$p" | grep -c 'the primary runs unprotected')
	[ "$n" -eq 1 ] || { echo "'runs unprotected' said $n times, want once"; return 1; }
}

# The primary reboots in the middle of a run: the new boot has a new run id,
# and the backup, which replayed the old run, refuses it by name. The
# backup waits long for a silent primary, so that it is still there when
# the new boot (some 10 s later) connects.
pair_primary_reboots() {
	ft_pair_setup "guest.cmdline = test=replay ticks=100000" -- "guest.cmdline = test=replay ticks=100000" \
		"ft.hb_timeout_ms = 60000"
	ft_start backup tapB 52:54:00:77:00:12
	ft_start primary tapA 52:54:00:77:00:11
	ft_wait backup 'checkpoint 2: ' 180 || return 1
	local first
	first=$(tr -d '\r' <"$CASE_DIR/primary/console" | sed -n 's/.*primary: run id \([0-9a-f]*\).*/\1/p')
	kill -TERM "${PAIR_PIDS[1]}"
	wait "${PAIR_PIDS[1]}" 2>/dev/null
	cp "$CASE_DIR/primary/console" "$CASE_DIR/primary/console.first"
	ft_start primary tapA 52:54:00:77:00:11
	ft_wait backup 'refusing primary 10.77.0.11: the primary rebooted' 180 &&
		ft_wait primary 'backup 10.77.0.12 refused the channel: the primary rebooted' 30 &&
		ft_wait primary 'the primary runs unprotected' 30 || return 1
	local second
	second=$(tr -d '\r' <"$CASE_DIR/primary/console" | sed -n 's/.*primary: run id \([0-9a-f]*\).*/\1/p')
	echo "run ids: $first, then $second"
	[ -n "$first" ] && [ "$first" != "$second" ] || { echo "the reboot kept run id '$first'"; return 1; }
	expect "$CASE_DIR/backup/console" "refusing primary .*run id $second, this backup follows run $first"
}

# The backup boots after the primary's log (1 MiB) wrapped and dropped its
# first batches: the backup cannot catch up; the primary refuses it, says
# it runs unprotected, and its guest runs to the end.
pair_backup_joins_after_wrap() {
	local common=("guest.cmdline = test=replay ticks=80000" "replay.log_mb = 1"
		"ft.max_unacked_kb = 256")
	ft_pair_setup "${common[@]}" -- "${common[@]}"
	ft_start primary tapA 52:54:00:77:00:11
	ft_wait primary 'the log is full \(1024 KiB\) and no backup acknowledges it: dropping' 400 || return 1
	ft_start backup tapB 52:54:00:77:00:12
	ft_wait primary 'ftvisor: stopped: ' 400 || return 1
	expect "$CASE_DIR/primary/console" \
		'refusing backup 10.77.0.12: it asks for batch 0, but the log now starts at batch [1-9]' \
		'the primary runs unprotected .*: no backup can catch up' \
		'ftvisor: stopped: guest passed' \
		'no backup can catch up with [0-9]+ of [0-9]+ batches acknowledged'
}

# The backup restarts in the middle of a run: the new one asks for batch 0,
# long released. The primary refuses it and runs on unprotected; its guest
# is not held by a backup that is heard but cannot take the log.
pair_backup_restarts() {
	ft_pair_setup "guest.cmdline = test=replay ticks=60000" "ft.max_unacked_kb = 64" -- \
		"guest.cmdline = test=replay ticks=60000"
	ft_start backup tapB 52:54:00:77:00:12
	ft_start primary tapA 52:54:00:77:00:11
	ft_wait backup 'checkpoint 2: ' 180 || return 1
	kill -TERM "${PAIR_PIDS[0]}"
	wait "${PAIR_PIDS[0]}" 2>/dev/null
	cp "$CASE_DIR/backup/console" "$CASE_DIR/backup/console.first"
	ft_start backup tapB 52:54:00:77:00:12
	ft_wait backup 'primary 10.77.0.11 connected \(run id [0-9a-f]+\); resuming at batch 0' 120 &&
		ft_wait primary 'ftvisor: stopped: ' 400 || return 1
	expect "$CASE_DIR/primary/console" \
		'refusing backup 10.77.0.12: it asks for batch 0, but the log now starts at batch [1-9]' \
		'the primary runs unprotected .*: no backup can catch up' \
		'ftvisor: stopped: guest passed'
}
