#!/usr/bin/env bash
# The demonstration, for now: ftvisor boots in Bochs (the emulator with
# VT-x), runs the test guest under VMX with EPT, and the console shows
# everything as it happens. (It becomes the fail-over demo with two servers
# once replication lands.)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
dir=$BUILD/demo
mkdir -p "$dir"

cat >"$dir/ftvisor.cfg" <<CFG
guest.image = guest.bin
guest.ram_mb = 16
guest.cmdline = test=all ticks=50
hv.heap_mb = 16
hv.on_stop = poweroff
log.level = info
CFG
bash "$ROOT/scripts/mkesp.sh" "$dir/esp.img" "$BUILD/ftvisor.efi" "$dir/ftvisor.cfg" "$BUILD/guest/testguest.bin"
bash "$ROOT/scripts/mkiso.sh" "$dir/esp.img" "$dir/ftvisor.iso"

cat <<TXT

ftvisor demo: one server, emulated by Bochs with Intel VT-x (VMX + EPT).
  firmware : OVMF (UEFI), booting ftvisor.efi from a CD image
  ftvisor  : leaves UEFI, takes its own memory, turns on VMX, builds EPT
  guest    : a small 32-bit test program; its serial output shows as 'guest:'
             it reads CPUID, RDTSC, RDRAND, takes 50 virtual timer interrupts,
             checks an interrupt is held while it has IF=0, then reports
Booting (OVMF takes ~10 s in Bochs)...

TXT
log=$dir/console.log
: >"$log"
FTV_TIMEOUT=${FTV_TIMEOUT:-180} bash "$ROOT/scripts/bochs.sh" "$dir/ftvisor.iso" "$log" &
pid=$!
# The console, minus the firmware's screen-control sequences.
tail -n +1 -f --pid=$pid "$log" | sed -u 's/\x1b\[[0-9;=]*[A-Za-z]//g'
wait $pid || true
echo
if grep -q 'stopped: guest passed' "$log"; then
	echo "demo: the guest ran under ftvisor and passed every check (console saved in $log)"
else
	echo "demo: the guest did not pass; see $log" >&2
	exit 1
fi
