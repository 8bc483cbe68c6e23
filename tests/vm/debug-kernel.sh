#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh: build (once) the debug kernel of `check` and print the
# directory of its build tree. The kernel is Debian's linux-source-6.12 on
# an allnoconfig base, merged with tests/vm/debug.config (boot minimum,
# dma-buf peers, KASAN, lockdep, DMA-API debug, kmemleak, fault injection,
# KUnit) and tests/vm/debug-rt.config (PREEMPT_RT, raw lock nesting): one
# kernel that checks both the debugging rules and what PREEMPT_RT changes
# (sleeping spinlocks, threaded interrupts, DEBUG_ATOMIC_SLEEP's RT checks).
#
#   DMAADD_DEBUG_SERIES     linux-source-<series> to build (default 6.12;
#                           6.1 builds the old 6.1 debug kernel)
#   DMAADD_DEBUG_FRAGMENTS  space-separated fragment names under tests/vm/
#                           (default "debug.config debug-rt.config")
#
# The build is cached outside the repository, keyed by the fragments and the
# source package version, so a machine pays for it once:
#   ${DMAADD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dmaadd}/debug-kernel-<key>/
# with build/arch/x86/boot/bzImage, and build/ usable as KDIR for modules.
# The unpacked source is shared by every build of one source version
# (src-<version>/); older builds are removed once a new one is complete.
# Progress goes to stderr, the build log to <cache dir>/build.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
series=${DMAADD_DEBUG_SERIES:-6.12}
fragments=()
for f in ${DMAADD_DEBUG_FRAGMENTS:-debug.config debug-rt.config}; do
	fragments+=("$here/$f")
done

bash "$here/deps.sh" debug-kernel >&2
pkg=linux-source-$series
if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
	echo "debug kernel: installing $pkg" >&2
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get \
		-o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$pkg" >&2 ||
	{ "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get \
		-o DPkg::Lock::Timeout=600 update >&2 &&
	  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get \
		-o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$pkg" >&2; }
fi
tarball=/usr/src/$pkg.tar.xz
srcver=$(dpkg-query -W -f='${Version}' "$pkg")
key=$( (cat "${fragments[@]}"; echo "$srcver") | sha256sum | cut -c1-12)
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

names=$(for f in "${fragments[@]}"; do basename "$f"; done | tr '\n' ' ')
echo "debug kernel: configuring $series (allnoconfig + ${names% })" >&2
rm -rf "$cache/build"
mkdir -p "$cache/build"
(cd "$src" && scripts/kconfig/merge_config.sh -n -O "$cache/build" "${fragments[@]}") >>"$log" 2>&1

# Every option the fragments ask for must have survived Kconfig.
missing=$(cat "${fragments[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=' | while read -r line; do
	grep -qxF "$line" "$cache/build/.config" || echo "$line"
done)
if [ -n "$missing" ]; then
	echo "debug kernel: Kconfig dropped: $missing" >&2
	exit 1
fi

echo "debug kernel: building bzImage and modules (about 5 minutes on 2 cores; log $log)" >&2
if ! make -C "$src" O="$cache/build" -j"$(nproc)" bzImage modules >>"$log" 2>&1; then
	tail -n 40 "$log" >&2
	exit 1
fi
make -s -C "$src" O="$cache/build" kernelrelease >"$cache/kernelrelease"
touch "$cache/done"
for old in "$base"/debug-kernel-*; do
	[ "$old" = "$cache" ] || [ ! -f "$old/done" ] || rm -rf "$old"
done
echo "debug kernel: $(cat "$cache/kernelrelease") built in $((SECONDS - t0)) s" >&2
echo "$cache/build"
