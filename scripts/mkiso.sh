#!/usr/bin/env bash
# mkiso.sh ESP.img OUT.iso: an El Torito CD whose EFI boot image is the ESP.
# Bochs has no pflash or AHCI for OVMF to boot a FAT disk from; a CD works.
set -euo pipefail
esp=$1 out=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$esp" "$dir/efiboot.img"
xorriso -as mkisofs -quiet -R -e efiboot.img -no-emul-boot -o "$out.tmp" "$dir" 2>/dev/null
mv "$out.tmp" "$out"
