#!/usr/bin/env bash
# bochs.sh ISO [SERIAL_LOG]
# Boots ftvisor in Bochs, the emulator with VT-x (VMX + EPT): OVMF as the
# firmware, the ISO as a CD. The clock runs on instruction count
# (clock: sync=none), so a run is reproducible. The console goes to stdout,
# or into SERIAL_LOG. FTV_TIMEOUT bounds the run (seconds);
# FTV_BOCHS_CPU picks the CPU model (default corei7_skylake_x); FTV_BOCHS_LOG
# keeps Bochs' own log (VM-entry failures are explained there).
# FTV_BOCHS_TAP=TAP gives the machine an e1000 NIC on that existing tap
# (scripts/netns.sh makes them; one Bochs per tap), MAC FTV_BOCHS_MAC.
# FTV_BOCHS_SYNC=slowdown keeps the emulated clock from running ahead of the
# host's: needed when two servers talk, because a halted Bochs fast-forwards
# its clock (sync=none), and the peer's heartbeats would then look late.
set -euo pipefail
iso=$(realpath "$1")
# Without a log file the console is this script's stdout, reopened by path
# (Bochs' own stdout is kept for its chatter).
log=${2:-/proc/$$/fd/1}
[ -n "${2:-}" ] && log=$(realpath -m "$log")
cpu=${FTV_BOCHS_CPU:-corei7_skylake_x}
ips=${FTV_BOCHS_IPS:-50000000}
sync=${FTV_BOCHS_SYNC:-none}

nic=
if [ -n "${FTV_BOCHS_TAP:-}" ]; then
	nic="pci: enabled=1, chipset=i440fx, slot1=e1000
e1000: enabled=1, mac=${FTV_BOCHS_MAC:-52:54:00:4d:00:20}, ethmod=tuntap, ethdev=/dev/net/tun:$FTV_BOCHS_TAP"
fi

dir=$(mktemp -d /tmp/ftvisor-bochs.XXXXXX)
cat > "$dir/bochsrc" <<RC
megs: 256
cpu: model=$cpu, count=1, ips=$ips, reset_on_triple_fault=0
clock: sync=$sync, time0=946681200
romimage: file=/usr/share/ovmf/OVMF.fd
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$log
$nic
display_library: rfb, options="timeout=0, hideIPS"
log: ${FTV_BOCHS_LOG:-/dev/null}
info: action=ignore
debug: action=ignore
error: action=report
panic: action=fatal
RC
# Debian's Bochs has the internal debugger, which stops at start: 'c' continues.
echo c > "$dir/cont.rc"
# Bochs' own chatter (and its VNC notice) is not the console: keep it apart.
source "$(dirname "$0")/lib/run-bounded.sh"
run_bounded "$dir" bash -c 'exec "$@" >"$0" 2>&1' "${FTV_BOCHS_STDOUT:-/dev/null}" \
	bochs -q -f "$dir/bochsrc" -rc "$dir/cont.rc"
