#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the Debian kernel version (e.g. 6.1.0-56-amd64) that the test guest
# boots: the newest version for which both /boot/vmlinuz-$v and
# /usr/src/linux-headers-$v exist. Deliberately NOT `uname -r`: the host's own
# kernel is not what the module is built for or tested on.
set -euo pipefail

cands=()
for img in /boot/vmlinuz-*; do
	[ -e "$img" ] || continue
	v=${img#/boot/vmlinuz-}
	[ -d "/usr/src/linux-headers-$v" ] || continue
	cands+=("$v")
done

if [ "${#cands[@]}" -eq 0 ]; then
	echo "kver.sh: no kernel with both /boot/vmlinuz-<v> and /usr/src/linux-headers-<v>" \
	     "(run tests/vm/deps.sh)" >&2
	exit 1
fi

printf '%s\n' "${cands[@]}" | sort -V | tail -n 1
