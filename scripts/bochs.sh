#!/usr/bin/env bash
# bochs.sh ISO [SERIAL_LOG]
# Boots ftvisor in Bochs, the emulator with VT-x (VMX + EPT): OVMF as the
# firmware, the ISO as a CD. The clock runs on instruction count
# (clock: sync=none), so a run is reproducible. The console goes to stdout,
# or into SERIAL_LOG. FTV_TIMEOUT bounds the run (seconds);
# FTV_BOCHS_CPU picks the CPU model (default corei7_skylake_x).
set -euo pipefail
iso=$(realpath "$1")
log=${2:-/dev/stdout}
[ "$log" = /dev/stdout ] || log=$(realpath -m "$log")
timeout_s=${FTV_TIMEOUT:-0}
cpu=${FTV_BOCHS_CPU:-corei7_skylake_x}
ips=${FTV_BOCHS_IPS:-50000000}

dir=$(mktemp -d /tmp/ftvisor-bochs.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/bochsrc" <<RC
megs: 256
cpu: model=$cpu, count=1, ips=$ips, reset_on_triple_fault=0
clock: sync=none, time0=946681200
romimage: file=/usr/share/ovmf/OVMF.fd
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$log
display_library: rfb, options="timeout=0, hideIPS"
log: $dir/bochs.log
info: action=ignore
debug: action=ignore
error: action=report
panic: action=fatal
RC
# Debian's Bochs has the internal debugger, which stops at start: 'c' continues.
echo c > "$dir/cont.rc"
cmd=(bochs -q -f "$dir/bochsrc" -rc "$dir/cont.rc")
status=0
if [ "$timeout_s" != 0 ]; then
	timeout --kill-after=5 "$timeout_s" "${cmd[@]}" </dev/null >"$dir/stdout" 2>&1 || status=$?
else
	"${cmd[@]}" </dev/null >"$dir/stdout" 2>&1 || status=$?
fi
if [ -n "${FTV_BOCHS_LOG:-}" ]; then cp "$dir/bochs.log" "$FTV_BOCHS_LOG"; fi
exit $status
