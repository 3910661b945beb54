#!/usr/bin/env bash
# qemu.sh ESP.img [SERIAL_LOG]
# Boots ftvisor under QEMU + OVMF. With VT-x on the host (and /dev/kvm) it
# uses KVM with nested VMX, so the guest really runs; otherwise TCG, which
# has no VMX: ftvisor then says VT-x is unavailable and stops.
# Console on stdio (or into SERIAL_LOG); exit status is ftvisor's stop code
# through isa-debug-exit: code * 2 + 1. FTV_TIMEOUT bounds the run (seconds).
# FTV_QEMU_TAP=TAP gives the machine an e1000 NIC on that existing tap
# (scripts/netns.sh makes them), with MAC FTV_QEMU_MAC; otherwise no NIC.
# FTV_QEMU_CONSOLE_IN=FIFO (with SERIAL_LOG): what is written into that
# existing FIFO is typed on ftvisor's console (tests drive the console).
# FTV_QEMU_MONITOR_IN=FIFO (with SERIAL_LOG): QEMU monitor commands written
# into that existing FIFO are run (tests send the machine an NMI).
set -euo pipefail
esp=$1
log=${2:-}
mem=${FTV_QEMU_MEM:-512}
ovmf=/usr/share/ovmf/OVMF.fd

accel=(-accel tcg -cpu max)
if grep -qw vmx /proc/cpuinfo && [ -w /dev/kvm ]; then
	accel=(-accel kvm -cpu host,+vmx)
	echo "qemu.sh: host has VT-x: using KVM with nested VMX" >&2
else
	echo "qemu.sh: this host offers no VT-x (no 'vmx' in /proc/cpuinfo), so QEMU runs under TCG," >&2
	echo "qemu.sh: which cannot emulate VMX: ftvisor will report that and stop. 'make run-bochs' emulates VT-x." >&2
fi

# A private copy: firmware may write to the disk (boot variables, logs).
dir=$(mktemp -d /tmp/ftvisor-qemu.XXXXXX)
disk=$dir/esp.img
cp "$esp" "$disk"

# romfile= keeps iPXE's option ROM out: the firmware then neither drives
# the NIC nor tries to boot from the network.
net=(-net none)
if [ -n "${FTV_QEMU_TAP:-}" ]; then
	net=(-netdev "tap,id=n0,ifname=$FTV_QEMU_TAP,script=no,downscript=no"
		-device "e1000,netdev=n0,mac=${FTV_QEMU_MAC:-52:54:00:4d:00:10},romfile=")
fi

serial=(-serial stdio)
[ -n "$log" ] && serial=(-serial "file:$log")
if [ -n "$log" ] && [ -n "${FTV_QEMU_CONSOLE_IN:-}" ]; then
	# QEMU's pipe backend reads PATH.in and writes PATH.out; the log file
	# gets a copy of the output, so PATH.out is only drained.
	ln -s "$FTV_QEMU_CONSOLE_IN" "$dir/console.in"
	mkfifo "$dir/console.out"
	cat "$dir/console.out" >/dev/null &
	serial=(-chardev "pipe,id=console,path=$dir/console,logfile=$log" -serial chardev:console)
fi
monitor=(-monitor none)
if [ -n "$log" ] && [ -n "${FTV_QEMU_MONITOR_IN:-}" ]; then
	ln -s "$FTV_QEMU_MONITOR_IN" "$dir/monitor.in"
	mkfifo "$dir/monitor.out"
	cat "$dir/monitor.out" >"$log.monitor" &
	monitor=(-monitor "pipe:$dir/monitor")
fi
cmd=(qemu-system-x86_64 -machine q35 "${accel[@]}" -m "$mem" -bios "$ovmf" -nographic
	"${monitor[@]}" "${serial[@]}" "${net[@]}" -no-reboot
	-drive "if=none,id=esp,format=raw,file=$disk" -device "virtio-blk-pci,drive=esp"
	-device isa-debug-exit,iobase=0xf4,iosize=4)
source "$(dirname "$0")/lib/run-bounded.sh"
if [ -z "$log" ]; then
	# Interactive: the console is this terminal.
	trap 'rm -rf "$dir"' EXIT
	"${cmd[@]}"
else
	run_bounded "$dir" "${cmd[@]}"
fi
