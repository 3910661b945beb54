#!/usr/bin/env bash
# make bench: record/replay costs, measured as ratios inside one Bochs run
# per guest (the same guest from the same snapshot: unrecorded, recorded,
# replayed), and log sizes from tools/ftvlog. Figures, not pass/fail.
# Bochs' clock is its instruction count, so "cycles" are emulated cycles:
# the ratio is what the hypervisor's own work costs the guest.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
OUT=$BUILD/bench
mkdir -p "$OUT"
FTVLOG=$BUILD/tools/ftvlog
results=$OUT/results.md

# name cmdline: one Bochs run with the self-check in bench mode.
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
replay.hash_interval = 1000000
replay.memhash_interval = 0
CFG
	bash "$ROOT/scripts/mkesp.sh" "$dir/esp.img" "$BUILD/ftvisor.efi" "$dir/ftvisor.cfg" \
		"$BUILD/guest/testguest.bin"
	bash "$ROOT/scripts/mkiso.sh" "$dir/esp.img" "$dir/ftvisor.iso"
	echo "bench: $name ($cmdline) in Bochs..." >&2
	local t0=$SECONDS
	FTV_TIMEOUT=900 bash "$ROOT/scripts/bochs.sh" "$dir/ftvisor.iso" "$dir/console" || true
	tr -d '\r' <"$dir/console" >"$dir/console.txt"
	grep -q 'self-check PASSED' "$dir/console.txt" || {
		echo "bench: $name: the self-check did not pass; see $dir/console" >&2
		return 1
	}
	"$FTVLOG" extract "$dir/console.txt" "$dir/record.log" >/dev/null
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

bench_guest compute "test=compute ticks=2000"
bench_guest replay "test=replay ticks=5000"

{
	echo "# ftvisor record/replay benchmark ($(date -u +%Y-%m-%d), Bochs, emulator execution points)"
	echo
	echo "Same guest, same snapshot, one Bochs run each: guest instructions per 1000 emulated cycles."
	echo
	echo "| guest | live | record | replay | record/live | replay/live | log bytes per M instr | bytes per INTR event | bytes per TSC event | log bytes per interrupt (all) |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for g in compute replay; do
		echo "| $g | $(per_kcycle $g live) | $(per_kcycle $g record) | $(per_kcycle $g replay) | $(speed $g record) | $(speed $g replay) | $(bytes_per_mi $g) | $(stat_col $g INTR) | $(stat_col $g TSC) | $(per_intr $g) |"
	done
	echo
	for g in compute replay; do
		echo "## $g"
		echo '```'
		grep -E 'replay: (live|record|replay) |replay: log:' "$OUT/$g/console.txt" | sed 's/^\[[^]]*\] //'
		cat "$OUT/$g/stats.txt"
		echo '```'
	done
} >"$results"
cat "$results"
