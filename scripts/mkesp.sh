#!/usr/bin/env bash
# mkesp.sh OUT.img FTVISOR.efi CONFIG GUEST [NAME=FILE ...]
# A FAT EFI system partition image: \EFI\BOOT\BOOTX64.EFI, \ftvisor.cfg,
# \guest.bin, plus any extra NAME=FILE pairs (tests use them for odd files).
set -euo pipefail
out=$1 efi=$2 cfg=$3 guest=$4
shift 4
tmp=$out.tmp
rm -f "$tmp"
size_kib=$(( ( $(stat -c %s "$efi") + $(stat -c %s "$guest") ) / 1024 + 2048 ))
for extra in "$@"; do size_kib=$(( size_kib + $(stat -c %s "${extra#*=}") / 1024 + 64 )); done
dd if=/dev/zero of="$tmp" bs=1k count=$size_kib status=none
mkfs.fat -F 12 -n FTVISOR "$tmp" >/dev/null 2>&1 || mkfs.fat -n FTVISOR "$tmp" >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$tmp" ::/EFI ::/EFI/BOOT
mcopy -i "$tmp" "$efi" ::/EFI/BOOT/BOOTX64.EFI
[ "$cfg" = - ] || mcopy -i "$tmp" "$cfg" ::/ftvisor.cfg
[ "$guest" = - ] || mcopy -i "$tmp" "$guest" ::/guest.bin
for extra in "$@"; do mcopy -i "$tmp" "${extra#*=}" "::/${extra%%=*}"; done
mv "$tmp" "$out"
