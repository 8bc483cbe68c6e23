#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the Debian kernel version (e.g. 6.1.0-57-amd64) that the test guest
# boots and the module is built for: the newest installed version of the
# chosen kernel series for which both /boot/vmlinuz-$v and
# /usr/src/linux-headers-$v exist. Deliberately NOT `uname -r` (the host's
# own kernel is not what the module is tested on), and never simply the
# newest kernel installed: installing Debian 13's 6.12 next to 6.1 must not
# change what a command tests.
#
#   DMAADD_KSERIES  the series: 6.1 (default), 6.12, or with a flavour,
#                   6.12-rt; matched by prefix, so Debian's ABI number
#                   (6.1.0-57, 6.12.111+deb12) can move freely
#   DMAADD_KVER     an exact version instead (e.g. 6.12.111+deb12-amd64)
#
# With --series, print the series alone (for labels and deps.sh).
set -euo pipefail

series=${DMAADD_KSERIES:-6.1}
if [ "${1:-}" = --series ]; then
	echo "$series"
	exit 0
fi

if [ -n "${DMAADD_KVER:-}" ]; then
	if [ ! -e "/boot/vmlinuz-$DMAADD_KVER" ] ||
	   [ ! -d "/usr/src/linux-headers-$DMAADD_KVER" ]; then
		echo "kver.sh: DMAADD_KVER=$DMAADD_KVER: /boot/vmlinuz-$DMAADD_KVER or" \
		     "/usr/src/linux-headers-$DMAADD_KVER missing" >&2
		exit 1
	fi
	echo "$DMAADD_KVER"
	exit 0
fi

case $series in
*-rt) base=${series%-rt} flavour=rt-amd64 ;;
*) base=$series flavour=amd64 ;;
esac
if ! [[ $base =~ ^[0-9]+\.[0-9]+$ ]]; then
	echo "kver.sh: DMAADD_KSERIES=$series: want MAJOR.MINOR, optionally -rt" >&2
	exit 2
fi

cands=()
for img in /boot/vmlinuz-*; do
	[ -e "$img" ] || continue
	v=${img#/boot/vmlinuz-}
	# 6.1 must not match 6.12: the series is followed by "." or "-".
	[[ $v == "$base".* || $v == "$base"-* ]] || continue
	# The flavour is the whole tail after the ABI: -amd64, not -rt-amd64.
	case $flavour in
	amd64) [[ $v == *-amd64 && $v != *-rt-amd64 && $v != *-cloud-amd64 ]] || continue ;;
	*) [[ $v == *-"$flavour" ]] || continue ;;
	esac
	[ -d "/usr/src/linux-headers-$v" ] || continue
	cands+=("$v")
done

if [ "${#cands[@]}" -eq 0 ]; then
	echo "kver.sh: no $series kernel with both /boot/vmlinuz-<v> and" \
	     "/usr/src/linux-headers-<v> (run tests/vm/deps.sh)" >&2
	exit 1
fi

printf '%s\n' "${cands[@]}" | sort -V | tail -n 1
