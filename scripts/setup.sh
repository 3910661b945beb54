#!/usr/bin/env bash
# One idempotent set-up step: Debian packages, lwIP source, newlib built for
# freestanding x86_64. Everything third-party lands under $BUILD/deps and is
# never committed. Re-running is cheap: each step leaves a stamp.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DEPS=$BUILD/deps
mkdir -p "$DEPS"

say() { printf 'setup: %s\n' "$*"; }

PACKAGES=(
	build-essential dpkg-dev gnu-efi newlib-source
	qemu-system-x86 ovmf bochs bochsbios vgabios bochs-term
	mtools dosfstools xorriso
	libcmocka-dev clang llvm libclang-rt-14-dev
	tgt libiscsi-bin iproute2 iputils-ping procps dnsmasq-base
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

need_src=0
[ -f "$DEPS/lwip.stamp" ] || need_src=1

if [ ${#missing[@]} -gt 0 ] || [ $need_src = 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		say "need root to install: ${missing[*]:-lwip source}"; exit 1
	fi
	# deb-src entries, so that 'apt-get source lwip' works.
	src=/etc/apt/sources.list.d/ftvisor-deb-src.sources
	if [ ! -f "$src" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$src"
	fi
	say "apt-get update"
	apt-get update -qq
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
fi

# lwIP 2.1.3 from Debian's source package.
if [ ! -f "$DEPS/lwip.stamp" ]; then
	say "fetching lwIP source (apt-get source lwip)"
	rm -rf "$DEPS/lwip-src" && mkdir -p "$DEPS/lwip-src"
	(cd "$DEPS/lwip-src" && apt-get source -qq lwip >/dev/null 2>&1)
	dir=$(find "$DEPS/lwip-src" -maxdepth 1 -mindepth 1 -type d -name 'lwip-*' | head -1)
	[ -n "$dir" ] && [ -d "$dir/src/core" ] || { say "lwIP source not found after apt-get source"; exit 1; }
	rm -rf "$DEPS/lwip" && mv "$dir" "$DEPS/lwip"
	rm -rf "$DEPS/lwip-src"
	touch "$DEPS/lwip.stamp"
fi

# newlib for freestanding x86_64 (PIC, no syscalls: ftvisor provides them).
if [ ! -f "$DEPS/newlib.stamp" ]; then
	say "building newlib for freestanding x86_64 (about a minute)"
	tarball=$(ls /usr/src/newlib/newlib-*.tar.* 2>/dev/null | head -1)
	[ -n "$tarball" ] || { say "newlib-source tarball missing under /usr/src/newlib"; exit 1; }
	work=$DEPS/newlib-build
	rm -rf "$work" && mkdir -p "$work/bin" "$work/src" "$work/obj"
	tar -xf "$tarball" -C "$work/src" --strip-components=1
	inc=$(gcc -print-file-name=include)
	cat > "$work/bin/x86_64-elf-gcc" <<WRAP
#!/bin/sh
exec gcc -nostdinc -isystem $inc -ffreestanding -fno-stack-protector -mno-red-zone -fpic -O2 "\$@"
WRAP
	for t in ar as ld nm ranlib objcopy objdump strip readelf; do
		printf '#!/bin/sh\nexec %s "$@"\n' "$t" > "$work/bin/x86_64-elf-$t"
	done
	chmod +x "$work/bin/"*
	(
		export PATH=$work/bin:$PATH
		cd "$work/obj"
		"$work/src/configure" --target=x86_64-elf --prefix="$DEPS/newlib" \
			--disable-multilib --disable-newlib-supplied-syscalls \
			--enable-newlib-io-long-long --enable-newlib-io-c99-formats \
			--disable-nls >"$work/configure.log" 2>&1
		make -j"$(nproc)" all-target-newlib >"$work/make.log" 2>&1
		make install-target-newlib >"$work/install.log" 2>&1
	) || { say "newlib build failed: see $work/*.log"; exit 1; }
	[ -f "$DEPS/newlib/x86_64-elf/lib/libc.a" ] || { say "newlib libc.a missing after build"; exit 1; }
	rm -rf "$work"
	touch "$DEPS/newlib.stamp"
fi

say "ready (packages, lwIP, newlib under $DEPS)"
