#!/usr/bin/env bash
# make bench: record/replay costs, measured as ratios inside one Bochs run
# per guest (the same guest from the same snapshot: unrecorded, recorded,
# replayed), and log sizes from tools/ftvlog. Then the logging channel,
# between two servers on one Ethernet segment in a network namespace made
# here: plain TCP against the channel itself in QEMU (net.bench and
# ft.bench_mb need no VT-x), and a live primary/backup pair in Bochs (log
# bandwidth per guest second, the backup's lag). Figures, not pass/fail.
# Bochs' clock is its instruction count, so "cycles" are emulated cycles:
# the ratio is what the hypervisor's own work costs the guest.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
OUT=$BUILD/bench
mkdir -p "$OUT"
FTVLOG=$BUILD/tools/ftvlog
results=$OUT/results.md

# name cmdline hash_interval memhash_interval: one Bochs run with the
# self-check in bench mode. A self-check that does not pass still leaves its
# figures: the table says which runs matched.
bench_guest() {
	local name=$1 cmdline=$2 dir=$OUT/$1
	mkdir -p "$dir"
	cat >"$dir/ftvisor.cfg" <<CFG
guest.ram_mb = 16
hv.heap_mb = 64
guest.cmdline = $cmdline
hv.on_stop = poweroff
replay.check = 1000000000000
replay.bench = yes
replay.dump = yes
replay.hash_interval = $3
replay.memhash_interval = $4
CFG
	bash "$ROOT/scripts/mkesp.sh" "$dir/esp.img" "$BUILD/ftvisor.efi" "$dir/ftvisor.cfg" \
		"$BUILD/guest/testguest.bin"
	bash "$ROOT/scripts/mkiso.sh" "$dir/esp.img" "$dir/ftvisor.iso"
	echo "bench: $name ($cmdline, state hash every $3 events, memory hash every $4) in Bochs..." >&2
	local t0=$SECONDS
	FTV_TIMEOUT=900 bash "$ROOT/scripts/bochs.sh" "$dir/ftvisor.iso" "$dir/console" || true
	tr -d '\r' <"$dir/console" >"$dir/console.txt"
	grep -q 'self-check PASSED' "$dir/console.txt" ||
		echo "bench: $name: the self-check did not pass; see $dir/console" >&2
	: >"$dir/stats.txt"
	"$FTVLOG" extract "$dir/console.txt" "$dir/record.log" >/dev/null 2>&1 &&
		"$FTVLOG" stats "$dir/record.log" >"$dir/stats.txt"
	echo "bench: $name done in $((SECONDS - t0)) s" >&2
}

# field NAME RUN: a figure from the console's summary lines.
speed() { sed -n "s/.*replay: $2 *speed \([0-9.]*\) of the unrecorded run.*/\1/p" "$OUT/$1/console.txt"; }
instr() { sed -n "s/.*replay: $2 *\([0-9]*\) guest instructions in.*/\1/p" "$OUT/$1/console.txt"; }
per_kcycle() { sed -n "s/.*replay: $2 .*(\([0-9]*\) per 1000 cycles).*/\1/p" "$OUT/$1/console.txt"; }
bytes_per_mi() { sed -n 's/.*log: \([0-9]*\) bytes per million guest instructions.*/\1/p' "$OUT/$1/console.txt"; }
stat_col() { awk -v t="$2" '$1 == t {print $4}' "$OUT/$1/stats.txt"; }
per_intr() { sed -n 's/.*per interrupt: [0-9.]* bytes encoded, \([0-9.]*\) bytes of log.*/\1/p' "$OUT/$1/stats.txt"; }
# The replay's verdict: matched (with the hashes compared), or FAILED and why.
verdict() {
	local c=$OUT/$1/console.txt
	if grep -q 'self-check PASSED' "$c"; then
		sed -n 's/.*self-check PASSED: .*, \([0-9]*\) state hashes and \([0-9]*\) memory hashes matched.*/matched (\1 state, \2 memory hashes)/p' "$c" | tail -1
	elif grep -q 'self-check FAILED' "$c"; then
		echo "FAILED: $(sed -n 's/.*self-check FAILED: \(.\{0,80\}\).*/\1/p' "$c" | tail -1)"
	else
		echo "no verdict (see $c)"
	fi
}

# The timed runs hash rarely (every 10^6 events, no memory hashes) to time
# recording itself; compute-hashed records with the hash settings a pair
# uses (the defaults: a state hash every 64 events, memory every 16384).
bench_guest compute "test=compute ticks=2000" 1000000 0
bench_guest compute-hashed "test=compute ticks=2000" 64 16384
bench_guest replay "test=replay ticks=5000" 1000000 0
GUESTS="compute compute-hashed replay"

{
	echo "# ftvisor record/replay benchmark ($(date -u +%Y-%m-%d), Bochs, emulator execution points)"
	echo
	echo "Same guest, same snapshot, one Bochs run each: guest instructions per 1000 emulated cycles,"
	echo "and whether the replay matched the recording (every state and memory hash compared)."
	echo "compute and replay hash every 10^6 events (recording timed alone); compute-hashed records"
	echo "with the hash settings a pair uses. A guest that idles in HLT (replay: the stress guest)"
	echo "waits for its timer when live and recorded, but its replay skips the idle time (the"
	echo "interrupt that ended it is in the log): its replay/live is not a speed ratio."
	echo
	echo "| guest | live | record | replay | record/live | replay/live | self-check | log bytes per M instr | bytes per INTR event | bytes per TSC event | log bytes per interrupt (all) |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for g in $GUESTS; do
		echo "| $g | $(per_kcycle $g live) | $(per_kcycle $g record) | $(per_kcycle $g replay) | $(speed $g record) | $(speed $g replay) | $(verdict $g) | $(bytes_per_mi $g) | $(stat_col $g INTR) | $(stat_col $g TSC) | $(per_intr $g) |"
	done
	echo
	for g in $GUESTS; do
		echo "## $g"
		echo '```'
		grep -E 'replay: (live|record|replay) |replay: log:' "$OUT/$g/console.txt" | sed 's/^\[[^]]*\] //'
		cat "$OUT/$g/stats.txt"
		echo '```'
	done
} >"$results"

# ---- the logging channel: two servers, A (10.77.0.21 on tapA) and B
# (10.77.0.22 on tapB), on the namespace's bridge ----
NS=ftv-bench-$$
NET=$OUT/net
RUNS=3                      # QEMU runs of each network benchmark; the table takes the median
NET_MB=32                   # MiB pushed by net.bench and ft.bench_mb
PAIR_PIDS=()

stop_pair() {
	local pid
	for pid in "${PAIR_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${PAIR_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	PAIR_PIDS=()
}
# Emulators first (by pid), then the namespace: also when interrupted.
trap 'stop_pair; bash "$ROOT/scripts/netns.sh" down "$NS" >/dev/null 2>&1 || true' EXIT
trap 'exit 143' TERM INT
bash "$ROOT/scripts/netns.sh" up "$NS"
rm -rf "$NET"

# server DIR IP LINE...: DIR/ftvisor.cfg for one server on the segment; it
# powers off when done unless SERVER_ON_STOP says otherwise.
server() {
	local dir=$1 ip=$2
	shift 2
	mkdir -p "$dir"
	printf '%s\n' "guest.ram_mb = 16" "hv.heap_mb = 64" "hv.on_stop = ${SERVER_ON_STOP:-poweroff}" \
		"net.ip = $ip" "net.netmask = 255.255.255.0" "$@" >"$dir/ftvisor.cfg"
}

# Both emulators power off when ftvisor stops (their timeout bounds the rest).
wait_pair() {
	local pid
	for pid in "${PAIR_PIDS[@]}"; do wait "$pid" || true; done
	PAIR_PIDS=()
}

# pair DIR EMULATOR: boots DIR/a on tapA and DIR/b on tapB (A first),
# waits until both have stopped, and leaves each console in console.txt.
pair() {
	local dir=$1 emu=$2 side tap mac
	for side in a b; do
		bash "$ROOT/scripts/mkesp.sh" "$dir/$side/esp.img" "$BUILD/ftvisor.efi" \
			"$dir/$side/ftvisor.cfg" "$BUILD/guest/testguest.bin"
		[ "$emu" = qemu ] || bash "$ROOT/scripts/mkiso.sh" "$dir/$side/esp.img" "$dir/$side/ftvisor.iso"
	done
	for side in a b; do
		tap=tapA mac=52:54:00:4d:00:21
		[ $side = a ] || tap=tapB mac=52:54:00:4d:00:22
		: >"$dir/$side/console"
		if [ "$emu" = qemu ]; then
			ip netns exec "$NS" env FTV_TIMEOUT=120 FTV_QEMU_TAP=$tap FTV_QEMU_MAC=$mac \
				bash "$ROOT/scripts/qemu.sh" "$dir/$side/esp.img" "$dir/$side/console" 2>/dev/null &
		else
			ip netns exec "$NS" env FTV_TIMEOUT=900 FTV_BOCHS_TAP=$tap FTV_BOCHS_MAC=$mac FTV_BOCHS_SYNC=slowdown \
				bash "$ROOT/scripts/bochs.sh" "$dir/$side/ftvisor.iso" "$dir/$side/console" &
		fi
		PAIR_PIDS+=($!)
		# Two Bochs starting together can race for the VNC port.
		[ "$emu" = qemu ] || [ $side = b ] || sleep 3
	done
	wait_pair
	for side in a b; do tr -d '\r' <"$dir/$side/console" >"$dir/$side/console.txt"; done
}

# need FILE REGEX: the run produced its figures, or the bench stops here.
need() {
	grep -Eq -- "$2" "$1" || {
		echo "bench: no '$2' in $1" >&2
		return 1
	}
}

# Plain TCP (A sinks and echoes, B sends), then the channel (A backup, B primary).
for run in $(seq $RUNS); do
	echo "bench: plain TCP between two QEMU servers, run $run of $RUNS..." >&2
	server "$NET/tcp-$run/a" 10.77.0.21 "net.bench = sink"
	server "$NET/tcp-$run/b" 10.77.0.22 "net.bench = send" "net.bench_peer = 10.77.0.21" \
		"net.bench_mb = $NET_MB"
	pair "$NET/tcp-$run" qemu
	need "$NET/tcp-$run/b/console.txt" 'netbench: tcp '
	echo "bench: the logging channel between two QEMU servers, run $run of $RUNS..." >&2
	server "$NET/channel-$run/a" 10.77.0.21 "ft.role = backup" "ft.peer = 10.77.0.22" \
		"ft.bench_mb = $NET_MB"
	server "$NET/channel-$run/b" 10.77.0.22 "ft.role = primary" "ft.peer = 10.77.0.21" \
		"ft.bench_mb = $NET_MB"
	pair "$NET/channel-$run" qemu
	need "$NET/channel-$run/b/console.txt" 'ftbench: channel '
done

# The same plain TCP with both NICs polled (net.irq = off): what interrupts change.
for run in $(seq $RUNS); do
	echo "bench: plain TCP, NICs polled (net.irq = off), run $run of $RUNS..." >&2
	server "$NET/tcppoll-$run/a" 10.77.0.21 "net.bench = sink" "net.irq = off"
	server "$NET/tcppoll-$run/b" 10.77.0.22 "net.bench = send" "net.bench_peer = 10.77.0.21" \
		"net.bench_mb = $NET_MB" "net.irq = off"
	pair "$NET/tcppoll-$run" qemu
	need "$NET/tcppoll-$run/b/console.txt" 'netbench: tcp '
done

# idle_cpu MODE: one QEMU server at its console (net.irq = MODE); prints the
# CPU time its QEMU process used over IDLE_SECONDS, in per cent of one core.
IDLE_SECONDS=10
idle_cpu() {
	local dir=$NET/idle-$1 pid t0 t1
	SERVER_ON_STOP=console server "$dir" 10.77.0.21 "net.irq = $1"
	bash "$ROOT/scripts/mkesp.sh" "$dir/esp.img" "$BUILD/ftvisor.efi" "$dir/ftvisor.cfg" \
		"$BUILD/guest/testguest.bin"
	: >"$dir/console"
	ip netns exec "$NS" env FTV_TIMEOUT=120 FTV_QEMU_TAP=tapA FTV_QEMU_MAC=52:54:00:4d:00:21 \
		bash "$ROOT/scripts/qemu.sh" "$dir/esp.img" "$dir/console" 2>/dev/null &
	PAIR_PIDS+=($!)
	for _ in $(seq 240); do
		grep -q 'staying at the console' "$dir/console" && break
		sleep 0.25
	done
	need "$dir/console" 'staying at the console' || return 1
	# The emulator itself, not the timeout wrapper whose command line names it.
	pid=$(pgrep -f '^qemu-system-x86_64 .*ifname=tapA' | head -1)
	[ -n "$pid" ] || { echo "bench: no QEMU process for the idle server" >&2; return 1; }
	t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	sleep $IDLE_SECONDS
	t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	stop_pair
	awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v s=$IDLE_SECONDS \
		'BEGIN { printf "%.0f", 100 * t / hz / s }'
}
echo "bench: an idle server's CPU use, interrupts and HLT against polling..." >&2
idle_irq=$(idle_cpu auto)
idle_poll=$(idle_cpu off)

# A live pair in Bochs per guest: the backup replays while the primary runs;
# the backup says how far behind it is every 100 ms of its (emulated) time.
live_pair() {
	local name=$1 cmdline=$2 dir=$NET/live-$1
	echo "bench: live primary/backup pair in Bochs: $name ($cmdline)..." >&2
	server "$dir/a" 10.77.0.21 "ft.role = backup" "ft.peer = 10.77.0.22" "guest.cmdline = $cmdline" \
		"ft.hb_interval_ms = 100" "ft.hb_timeout_ms = 4000" "ft.stats_interval_ms = 100"
	server "$dir/b" 10.77.0.22 "ft.role = primary" "ft.peer = 10.77.0.21" "guest.cmdline = $cmdline" \
		"ft.hb_interval_ms = 100" "ft.hb_timeout_ms = 4000"
	pair "$dir" bochs
	grep -Eq 'backup replayed all [0-9]+ events in lockstep' "$dir/a/console.txt" ||
		echo "bench: live pair $name: the backup did not replay to the end; see $dir/a/console.txt" >&2
	need "$dir/b/console.txt" "primary's guest: .*; it ran for [0-9]+ ms"
}
live_pair compute "test=compute ticks=2000"
live_pair replay "test=replay ticks=5000"

# ---- figures from the consoles ----
# figure DIR SED: what the sed expression picks from DIR/console.txt.
figure() { sed -n "$2" "$NET/$1/console.txt"; }
# The sender's (B's) lines:
#   netbench: tcp 32 MiB in 2011 ms = 133.4 Mbit/s; rtt min/avg/max 3930/7735/16414 us
#   ftbench: channel 32 MiB of log in 4700 ms = 57.1 Mbit/s; ack rtt min/avg/max
#     A/B/C us streaming, A/B/C us one batch at a time
# netbench_mbit PREFIX RUN, netbench_rtt PREFIX RUN: the sender's figures
# of the plain-TCP run PREFIX-RUN (tcp: interrupts, tcppoll: polled).
netbench_mbit() { figure "$1-$2/b" 's/.*netbench: tcp .* = \([0-9.]*\) Mbit\/s.*/\1/p'; }
netbench_rtt() { figure "$1-$2/b" 's/.*netbench: tcp .*rtt min\/avg\/max \([0-9/]*\) us.*/\1/p'; }
tcp_mbit() { netbench_mbit tcp "$1"; }
tcp_rtt() { netbench_rtt tcp "$1"; }
tcppoll_mbit() { netbench_mbit tcppoll "$1"; }
tcppoll_rtt() { netbench_rtt tcppoll "$1"; }
chan_mbit() { figure "channel-$1/b" 's/.*ftbench: channel .* = \([0-9.]*\) Mbit\/s.*/\1/p'; }
chan_rtt_streaming() { figure "channel-$1/b" 's/.*ack rtt min\/avg\/max \([0-9/]*\) us streaming.*/\1/p'; }
chan_rtt_one() { figure "channel-$1/b" 's/.* us streaming, \([0-9/]*\) us one batch at a time.*/\1/p'; }
min_of() { cut -d/ -f1; }
avg_of() { cut -d/ -f2; }
tcp_rtt_min() { tcp_rtt "$1" | min_of; }
tcp_rtt_avg() { tcp_rtt "$1" | avg_of; }
tcppoll_rtt_min() { tcppoll_rtt "$1" | min_of; }
tcppoll_rtt_avg() { tcppoll_rtt "$1" | avg_of; }
chan_rtt_one_min() { chan_rtt_one "$1" | min_of; }
chan_rtt_one_avg() { chan_rtt_one "$1" | avg_of; }
chan_rtt_streaming_avg() { chan_rtt_streaming "$1" | avg_of; }
# median FIGURE, lowest FIGURE: of FIGURE (a function of the run number) over all runs.
over_runs() { for run in $(seq $RUNS); do $1 "$run"; done | sort -n; }
median() { over_runs "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
lowest() { over_runs "$1" | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# compare_row LABEL A B: a table row with A, B and B / A.
compare_row() { echo "| $1 | $2 | $3 | $(ratio "$3" "$2") |"; }

# Live pairs: the primary's (B's) last status line and run time, and the
# backup's (A's) lag samples, taken while streaming.
primary_status() { figure "live-$1/b" "s/.*ft: primary: .*; $2.*/\\1/p" | tail -1; }
live_events() { primary_status "$1" 'log \([0-9]*\) events,'; }
live_bytes() { primary_status "$1" 'log [0-9]* events, [0-9]* batches, \([0-9]*\) bytes;'; }
live_pauses() { primary_status "$1" '\([0-9]*\) pauses;'; }
live_ms() { figure "live-$1/b" "s/.*primary's guest: .*; it ran for \\([0-9]*\\) ms.*/\\1/p"; }
lag_summary() {
	figure "live-$1/a" 's/.*ft: backup: peer .* streaming;.*(lag \([0-9]*\) events,.*/\1/p' |
		sort -n | awk '{ v[NR] = $1 }
			END { if (NR) printf "%d / %d / %d (%d samples)", v[1], v[int((NR + 1) / 2)], v[NR], NR
			      else printf "no samples" }'
}
# The backup's verdict on the live pair: every hash matched, or where it stopped.
live_verdict() {
	local c=$NET/live-$1/a/console.txt
	if grep -Eq 'backup replayed all [0-9]+ events in lockstep' "$c"; then
		sed -n 's/.*backup replayed all \([0-9]*\) events in lockstep: \([0-9]*\) state hashes and \([0-9]*\) memory hashes matched.*/matched (\2 state, \3 memory hashes)/p' "$c" | tail -1
	else
		echo "FAILED: $(sed -n 's/.*backup replay stopped: \(.\{0,80\}\).*/\1/p' "$c" | tail -1)"
	fi
}
per_guest_second() { awk -v n="$2" -v ms="$(live_ms "$1")" 'BEGIN { printf "%.0f", n * 1000 / ms }'; }

{
	echo
	echo "# The logging channel ($(date -u +%Y-%m-%d))"
	echo
	echo "Two ftvisor servers in QEMU (TCG, e1000 on taps bridged in a network namespace), $NET_MB MiB"
	echo "each way, $RUNS runs, the median shown unless said otherwise: plain TCP through lwIP's raw API"
	echo "(net.bench) against the logging channel itself (ft.bench_mb: real batches of synthetic events,"
	echo "HELLO/WELCOME, cumulative ACKs verified by the backup). Round trips: a 16-byte message echoed"
	echo "(TCP) against one small batch (4 events) and the ACK covering it (channel). Under TCG each boot"
	echo "calibrates its own TSC, which moves absolute figures by a few per cent between runs; ratios come"
	echo "from the same rig. Two emulators and their I/O threads share this host's cores, so"
	echo "average round trips mostly measure the host's scheduler (milliseconds); the lowest show the path"
	echo "itself. While streaming, a batch's ACK waits behind the full send buffer (128 KiB / throughput)."
	echo
	echo "| figure | plain TCP | logging channel | channel / plain |"
	echo "| --- | --- | --- | --- |"
	compare_row "throughput, Mbit/s" "$(median tcp_mbit)" "$(median chan_mbit)"
	compare_row "round trip, one at a time, lowest of all runs, us" "$(lowest tcp_rtt_min)" \
		"$(lowest chan_rtt_one_min)"
	compare_row "round trip, one at a time, avg us" "$(median tcp_rtt_avg)" "$(median chan_rtt_one_avg)"
	echo "| ACK round trip while streaming, avg us | | $(median chan_rtt_streaming_avg) | |"
	echo
	echo "| run | TCP Mbit/s | TCP rtt min/avg/max us | channel Mbit/s | ACK rtt one batch min/avg/max us | ACK rtt streaming min/avg/max us |"
	echo "| --- | --- | --- | --- | --- | --- |"
	for run in $(seq $RUNS); do
		echo "| $run | $(tcp_mbit "$run") | $(tcp_rtt "$run") | $(chan_mbit "$run") | $(chan_rtt_one "$run") | $(chan_rtt_streaming "$run") |"
	done
	echo
	echo "## Receiving on interrupts against polling"
	echo
	echo "The same plain-TCP benchmark with both NICs polled (net.irq = off) and with interrupts (the"
	echo "default: the host sleeps in HLT and the NIC's interrupt wakes it), and the CPU time one idle"
	echo "server's QEMU process takes over $IDLE_SECONDS s at the console."
	echo
	echo "| figure | polled | interrupts | interrupts / polled |"
	echo "| --- | --- | --- | --- |"
	compare_row "throughput, Mbit/s" "$(median tcppoll_mbit)" "$(median tcp_mbit)"
	compare_row "round trip, lowest of all runs, us" "$(lowest tcppoll_rtt_min)" "$(lowest tcp_rtt_min)"
	compare_row "round trip, avg us" "$(median tcppoll_rtt_avg)" "$(median tcp_rtt_avg)"
	echo "| idle server, CPU % of one core | $idle_poll | $idle_irq | |"
	echo
	echo "## Live primary/backup pair in Bochs"
	echo
	echo "Guest seconds are emulated (the clock is the instruction count): the primary's log over the time"
	echo "its guest ran; the backup's lag (events received but not yet replayed) sampled every 100 ms."
	echo
	echo "| guest | guest ran, ms | log events | log bytes | log bytes per guest second | events per guest second | backup lag min / median / max, events | primary pauses | backup's replay |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for g in compute replay; do
		echo "| $g | $(live_ms $g) | $(live_events $g) | $(live_bytes $g) | $(per_guest_second $g "$(live_bytes $g)") | $(per_guest_second $g "$(live_events $g)") | $(lag_summary $g) | $(live_pauses $g) | $(live_verdict $g) |"
	done
	echo
	echo '```'
	for run in $(seq $RUNS); do
		grep -h -E 'netbench: (tcp|sink)' "$NET/tcp-$run/b/console.txt" "$NET/tcp-$run/a/console.txt" | sed 's/^\[[^]]*\] //'
		grep -h -E 'netbench: tcp' "$NET/tcppoll-$run/b/console.txt" | sed 's/^\[[^]]*\] /polled: /'
		grep -h -E 'ftbench: ' "$NET/channel-$run/b/console.txt" "$NET/channel-$run/a/console.txt" | sed 's/^\[[^]]*\] //'
	done
	echo '```'
} >>"$results"
cat "$results"
