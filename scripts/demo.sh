#!/usr/bin/env bash
# make demo: two ftvisor servers in Bochs (emulated VT-x) on one Ethernet
# segment. The primary runs a guest and streams its record log; the backup
# replays it in lockstep and checks every state hash; then the primary is
# killed and the backup notices. (Going live on the backup, with shared
# storage deciding who wins, is the next step of the project.)
# Needs root (network namespace, taps). Everything stops at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
dir=$BUILD/demo
NS=ftvisor-demo
mkdir -p "$dir/primary" "$dir/backup"
pids=()

cleanup() {
	for pid in "${pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	bash "$ROOT/scripts/netns.sh" down "$NS" >/dev/null 2>&1 || true
}
trap cleanup EXIT

config() { # ROLE MY_IP PEER_IP
	cat <<CFG
guest.image = guest.bin
guest.ram_mb = 16
guest.cmdline = test=replay ticks=100000
hv.heap_mb = 64
hv.on_stop = console
net.ip = $2
net.netmask = 255.255.255.0
ft.role = $1
ft.peer = $3
ft.hb_interval_ms = 100
ft.hb_timeout_ms = 3000
ft.stats_interval_ms = 1500
CFG
}
config primary 10.77.0.11 10.77.0.12 >"$dir/primary/ftvisor.cfg"
config backup 10.77.0.12 10.77.0.11 >"$dir/backup/ftvisor.cfg"
for side in primary backup; do
	bash "$ROOT/scripts/mkesp.sh" "$dir/$side/esp.img" "$BUILD/ftvisor.efi" "$dir/$side/ftvisor.cfg" \
		"$BUILD/guest/testguest.bin"
	bash "$ROOT/scripts/mkiso.sh" "$dir/$side/esp.img" "$dir/$side/ftvisor.iso"
	: >"$dir/$side/console"
done
bash "$ROOT/scripts/netns.sh" up "$NS" >/dev/null

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
start() { # SIDE TAP MAC
	ip netns exec "$NS" env FTV_TIMEOUT=600 FTV_BOCHS_TAP=$2 FTV_BOCHS_MAC=$3 FTV_BOCHS_SYNC=slowdown \
		bash "$ROOT/scripts/bochs.sh" "$dir/$1/ftvisor.iso" "$dir/$1/console" &
	pids+=($!)
}
# Both consoles as they happen, each line marked with its server; routine
# lines (every checkpoint, the firmware) are thinned out.
show() { # SIDE EMULATOR_PID: ends by itself when that emulator does
	(tail -n +1 -F --pid="$2" "$dir/$1/console" 2>/dev/null | sed -u 's/\x1b\[[0-9;=]*[A-Za-z]//g; s/\r//' |
		grep --line-buffered -E 'ftvisor:|net:|ft:|guest:|checkpoint [0-9]*0:|ERROR|WARN' |
		sed -u "s/^/[$1] /") &
	pids+=($!)
}
wait_for() { # SIDE REGEX SECONDS
	local deadline=$((SECONDS + $3))
	while [ $SECONDS -lt $deadline ]; do
		grep -Eq -- "$2" "$dir/$1/console" && return 0
		sleep 0.5
	done
	echo "demo: $1 did not show '$2' within $3 s (console: $dir/$1/console)" >&2
	return 1
}

cat <<TXT

ftvisor demo: two servers, each an emulated PC with Intel VT-x (Bochs),
on one Ethernet segment (a network namespace with a bridge, 10.77.0.0/24).
  primary 10.77.0.11 runs a guest that takes interrupts at random points,
          records every non-deterministic input, streams the log over TCP
  backup  10.77.0.12 receives the log, acknowledges it, replays the guest
          in lockstep and checks every state hash against the primary's
Booting both (OVMF takes about 10 s in Bochs)...
TXT
start backup tapB 52:54:00:77:00:12
show backup "${pids[0]}"
sleep 3
start primary tapA 52:54:00:77:00:11
show primary "${pids[2]}"

wait_for backup 'primary 10.77.0.11 connected' 120
say "the backup accepted the primary's log stream; replaying live"
wait_for backup 'checkpoint 40:' 300
say "both consoles show the same checkpoints: $(grep -ac 'checkpoint .* matched' "$dir/backup/console") state hashes matched so far"
say "killing the primary (its emulator, pid ${pids[2]})"
{ kill -TERM "${pids[2]}"; wait "${pids[2]}" || true; } 2>/dev/null
wait_for backup 'silent for [0-9]+ ms: noticed by the backup' 60
wait_for backup 'backup replay stopped' 30
sleep 2
last=$(tr -d '\r' <"$dir/backup/console" | sed -n 's/.*the log ends at event \([0-9]*\).*/\1/p' | tail -1)
say "the backup noticed the silence within the heartbeat timeout and stopped at event ${last:-?}, the last one it received"
echo "    (the next step: the backup wins a test-and-set on shared storage and goes live)"
echo "    consoles: $dir/primary/console, $dir/backup/console"
