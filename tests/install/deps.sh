#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host packages the install checks need, beyond tests/vm/deps.sh (which
# builds the module): pkg-config (pkgconf) and binutils for
# tests/install/check.sh, and with `deps.sh dkms` the dkms package for
# tests/install/dkms-check.sh. Fast and offline when everything is present
# (dpkg-query only); runs `apt-get update` + `apt-get install
# --no-install-recommends` only for what is missing. Installing dkms builds
# and loads nothing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bash "$here/../vm/deps.sh"

pkgs=(pkgconf binutils)
if [ "${1:-}" = dkms ]; then
	pkgs+=(dkms)
fi

installed=" $(dpkg-query -W -f='${Package}:${Status}\n' "${pkgs[@]}" 2>/dev/null |
	sed -n 's/:install ok installed$//p' | tr '\n' ' ' || true) "
missing=()
for p in "${pkgs[@]}"; do
	[[ $installed == *" $p "* ]] || missing+=("$p")
done

[ "${#missing[@]}" -eq 0 ] && exit 0

echo "install/deps.sh: installing missing packages: ${missing[*]}" >&2

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "install/deps.sh: not root and no sudo; please install: ${missing[*]}" >&2
		exit 1
	fi
fi

"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${missing[@]}"
