#!/usr/bin/env bash
# tests/run.sh [all|unit|system] [CASE...]
# Runs the host unit tests (cmocka, under ASan/UBSan) and the system tests
# (the real image booted in QEMU and Bochs, at most two emulators at once),
# and ends with one line: "N passed, N failed". Exit status 0 iff none failed.
# Results land in build/test-results, or in TEST_OUT when set (two runs at
# once must not share it: each run starts by emptying it).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
mode=${1:-all}
shift || true
only=("$@")
OUT=${TEST_OUT:-$BUILD/test-results}
rm -rf "$OUT"
mkdir -p "$OUT"
passed=0
failed=0
failures=()
start=$(date +%s)

elapsed() { echo $(($(date +%s) - $1)); }

run_unit() {
	echo "== unit tests (cmocka, ASan+UBSan)"
	if ! make -s -C "$ROOT" unit-build >"$OUT/unit-build.log" 2>&1; then
		cat "$OUT/unit-build.log"
		failed=$((failed + 1))
		failures+=("unit-build")
		return
	fi
	for bin in "$BUILD"/unit/test_*; do
		[ -x "$bin" ] || continue
		local name log p f
		name=$(basename "$bin")
		log=$OUT/$name.log
		"$bin" >"$log" 2>&1
		local status=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		p=${p:-0}
		f=${f:-0}
		# A crash (sanitizer report, abort) before cmocka's summary is a failure too.
		if [ $status -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$f" != 0 ]; then
			failures+=("$name")
			echo "FAIL $name ($p passed, $f failed):"
			grep -E '^\[  (ERROR|FAILED) |ERROR|Sanitizer|runtime error' "$log" | head -20
		else
			echo "PASS $name ($p tests)"
		fi
	done
}

# One system case in the background: its result lands in $OUT/<case>/result.
start_case() {
	local name=$1
	(
		export CASE_DIR=$OUT/$name
		mkdir -p "$CASE_DIR"
		local t0
		t0=$(date +%s)
		# Its own subshell: a case's EXIT trap (stopping its emulators,
		# removing its namespace) has run before the result is known.
		if ("$name") >"$CASE_DIR/output" 2>&1; then
			echo "PASS $name ($(elapsed "$t0") s)" >"$CASE_DIR/result"
		else
			echo "FAIL $name ($(elapsed "$t0") s)" >"$CASE_DIR/result"
		fi
	) &
}

report_case() {
	local dir=$OUT/$1 line
	line=$(cat "$dir/result" 2>/dev/null || echo "FAIL $1 (no result)")
	echo "$line"
	if [[ $line == PASS* ]]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$1")
		sed 's/^/    /' "$dir/output" 2>/dev/null
		if [ -f "$dir/console" ]; then
			echo "    --- last console lines ($dir/console):"
			tail -15 "$dir/console" | sed 's/^/    | /'
		fi
	fi
}

# Includes point the way the layout allows: one test.
run_layout() {
	echo "== layout: includes point the way tests/layout/rules allows"
	if bash "$ROOT/tests/layout/check.sh" "$ROOT" >"$OUT/layout.log" 2>&1; then
		passed=$((passed + 1))
		sed 's/^/PASS /' "$OUT/layout.log"
	else
		failed=$((failed + 1))
		failures+=("layout")
		echo "FAIL layout:"
		cat "$OUT/layout.log"
	fi
}

# Every parser of outside bytes under libFuzzer for a bounded time: one test.
run_fuzz() {
	echo "== fuzzing the log decoder, the channel reassembly, the MADT and the ACPI walk, the config" \
		"file, the guest image header, the console line, base64, ftvlog extract, the NIC's" \
		"receive lengths, the net.bench header, iSCSI PDUs and login keys (libFuzzer, ${FUZZ_SECONDS:-20} s in all)"
	if make -s -C "$ROOT" fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}" >"$OUT/fuzz.log" 2>&1; then
		passed=$((passed + 1))
		grep -E '^fuzz_[a-z0-9_]+: ' "$OUT/fuzz.log" | sed 's/^/PASS /'
	else
		failed=$((failed + 1))
		failures+=("fuzz")
		echo "FAIL fuzz:"
		tail -20 "$OUT/fuzz.log"
	fi
}

run_system() {
	echo "== system tests (QEMU + OVMF; Bochs + OVMF with VT-x), two at a time"
	# shellcheck source=/dev/null
	source "$ROOT/tests/system/lib.sh"
	for f in "$ROOT"/tests/system/cases_*.sh; do
		# shellcheck source=/dev/null
		source "$f"
	done
	local cases=()
	# Two-server cases first (each uses both emulator slots), then Bochs
	# cases (the long ones), then QEMU, then host-only cases (no emulator).
	for prefix in pair_ bochs_ qemu_ host_; do
		while read -r fn; do
			if [ ${#only[@]} -eq 0 ] || printf '%s\n' "${only[@]}" | grep -qx "$fn"; then
				cases+=("$fn")
			fi
		done < <(declare -F | awk '{print $3}' | grep "^$prefix")
	done
	local running=() slots=2
	for name in "${cases[@]}"; do
		# A pair case runs two emulators: it waits for both slots.
		local need=1
		[[ $name == pair_* ]] && need=2
		[[ $name == host_* ]] && need=0
		while [ ${#running[@]} -gt $((slots - need)) ]; do
			wait -n 2>/dev/null || true
			local still=()
			for r in "${running[@]}"; do
				if [ -f "$OUT/$r/result" ]; then report_case "$r"; else still+=("$r"); fi
			done
			running=("${still[@]}")
		done
		start_case "$name"
		running+=("$name")
	done
	wait
	for r in "${running[@]}"; do report_case "$r"; done
}

case $mode in
unit) run_layout; run_unit; run_fuzz ;;
system) run_system ;;
all) run_layout; run_unit; run_fuzz; run_system ;;
*) echo "usage: $0 [all|unit|system] [CASE...]" >&2; exit 2 ;;
esac

echo "== $(elapsed "$start") s; results in $OUT"
[ $failed -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
