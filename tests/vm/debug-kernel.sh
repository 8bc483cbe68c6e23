#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh: build (once) the debug kernel described by
# tests/vm/debug.config from Debian's linux-source-6.1, on an allnoconfig
# base, and print the directory of its build tree. The build is cached
# outside the repository, keyed by the fragment and the source package
# version, so a machine pays for it once:
#   ${DMAADD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dmaadd}/debug-kernel-<key>/
# with build/arch/x86/boot/bzImage, and build/ usable as KDIR for modules.
# The unpacked source is shared by every fragment of one source version
# (src-<version>/); builds of older fragments are removed once a new one
# is complete.
# Progress goes to stderr, the build log to <cache dir>/build.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/debug.config

bash "$here/deps.sh" debug-kernel >&2
tarball=$(ls /usr/src/linux-source-6.1*.tar.xz | head -n 1)
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( (cat "$fragment"; echo "$srcver") | sha256sum | cut -c1-12)
base=${DMAADD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dmaadd}
cache=$base/debug-kernel-$key
src=$base/src-$srcver

if [ -f "$cache/done" ]; then
	echo "$cache/build"
	exit 0
fi

mkdir -p "$cache"
log=$cache/build.log
: >"$log"
t0=$SECONDS
if [ ! -d "$src" ]; then
	echo "debug kernel: unpacking $tarball" >&2
	rm -rf "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
fi

echo "debug kernel: configuring (allnoconfig + $(basename "$fragment"))" >&2
mkdir -p "$cache/build"
(cd "$src" && scripts/kconfig/merge_config.sh -n -O "$cache/build" "$fragment") >>"$log" 2>&1

# Every option the fragment asks for must have survived Kconfig.
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$fragment" | while read -r line; do
	grep -qxF "$line" "$cache/build/.config" || echo "$line"
done)
if [ -n "$missing" ]; then
	echo "debug kernel: Kconfig dropped: $missing" >&2
	exit 1
fi

echo "debug kernel: building bzImage and modules (several minutes on 2 cores; log $log)" >&2
if ! make -C "$src" O="$cache/build" -j"$(nproc)" bzImage modules >>"$log" 2>&1; then
	tail -n 40 "$log" >&2
	exit 1
fi
make -s -C "$src" O="$cache/build" kernelrelease >"$cache/kernelrelease"
touch "$cache/done"
for old in "$base"/debug-kernel-*; do
	[ "$old" = "$cache" ] || rm -rf "$old"
done
echo "debug kernel: $(cat "$cache/kernelrelease") built in $((SECONDS - t0)) s" >&2
echo "$cache/build"
