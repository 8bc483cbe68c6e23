#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch --strict over the kernel sources and the uapi header, using the
# script from Debian's linux-source-6.1 (unpacked once into build/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tarball=$(ls /usr/src/linux-source-6.1*.tar.xz 2>/dev/null | head -n 1 || true)
if [ -z "$tarball" ]; then
	tests/vm/deps.sh >&2
	tarball=$(ls /usr/src/linux-source-6.1*.tar.xz | head -n 1)
fi

cache=build/checkpatch
script=$(ls "$cache"/*/scripts/checkpatch.pl 2>/dev/null | head -n 1 || true)
if [ -z "$script" ]; then
	mkdir -p "$cache"
	tar -xJf "$tarball" -C "$cache" --wildcards '*/scripts/checkpatch.pl' \
		'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	script=$(ls "$cache"/*/scripts/checkpatch.pl | head -n 1)
fi

exec perl "$script" --strict --no-tree --terse --show-types -f \
	kernel/*.c kernel/*.h kernel/tests/*.c uapi/linux/dmaadd.h
