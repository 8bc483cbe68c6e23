#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the host packages the dmaadd build and QEMU test harness need, on
# Debian 12. Fast and offline when everything is present (dpkg-query only);
# runs `apt-get update` + `apt-get install` only for what is missing.
# Works as root; otherwise uses sudo when available.
# Groups given as arguments add packages: `debug-kernel`, what building
# tests/vm/debug.config needs; `install`, what tests/install/check.sh
# needs (pkg-config, binutils); `dkms`, the dkms package for
# tests/install/dkms-check.sh (installing it builds and loads nothing);
# `bench`, gnuplot for the benchmark's plot; `docs`, man-db for `make
# check-docs` (man, lexgrog); `deb`, what building the Debian packages
# and checking them in a bookworm chroot needs (tests/install/deb-check.sh:
# debhelper, dh-dkms, lintian, debootstrap; installing them builds and
# loads nothing).
set -euo pipefail

pkgs=(
	qemu-system-x86
	linux-image-amd64
	linux-headers-amd64
	busybox-static
	cpio
	kmod
	gcc
	make
	libc6-dev
	libdrm-dev
	linux-source-6.1
	xz-utils
)
for group in "$@"; do
	case $group in
	debug-kernel) pkgs+=(bc bison flex libelf-dev libssl-dev perl python3) ;;
	install) pkgs+=(pkgconf binutils) ;;
	dkms) pkgs+=(dkms) ;;
	sparse) pkgs+=(sparse) ;;
	bench) pkgs+=(gnuplot-nox) ;;
	abigail) pkgs+=(abigail-tools) ;;
	docs) pkgs+=(man-db perl) ;;
	deb) pkgs+=(build-essential debhelper dh-dkms dkms dpkg-dev fakeroot
		lintian pkgconf perl debootstrap man-db binutils) ;;
	*) echo "deps.sh: unknown group $group" >&2; exit 2 ;;
	esac
done

# One dpkg-query call; packages it does not know are simply absent from its output.
installed=" $(dpkg-query -W -f='${Package}:${Status}\n' "${pkgs[@]}" 2>/dev/null |
	sed -n 's/:install ok installed$//p' | tr '\n' ' ' || true) "
missing=()
for p in "${pkgs[@]}"; do
	[[ $installed == *" $p "* ]] || missing+=("$p")
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Another apt (unattended-upgrades, a second run) may hold the dpkg and
# list locks: wait for them, up to 10 minutes, rather than fail.
apt_wait=(-o DPkg::Lock::Timeout=600)
sudo=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
	sudo=(sudo)
fi

# A kernel series other than bookworm's own 6.1 (DMAADD_KSERIES=6.12 or
# 6.12-rt, see kver.sh): the newest image and headers of it that the
# archive has, by versioned name (bookworm has no metapackage for them).
series=${DMAADD_KSERIES:-6.1}
if [ "$series" != 6.1 ] && ! DMAADD_KVER= bash "$here/kver.sh" >/dev/null 2>&1; then
	case $series in
	*-rt) flavour=rt-amd64 base=${series%-rt} ;;
	*) flavour=amd64 base=$series ;;
	esac
	re="^linux-image-${base//./\\.}\\.[0-9]+\\+deb[0-9]+-$flavour\$"
	find_kernel() {
		apt-cache search --names-only "$re" 2>/dev/null |
			sed -n "s/^linux-image-\\([^ ]*\\)-$flavour .*/\\1/p" |
			sort -V | tail -n 1
	}
	v=$(find_kernel)
	if [ -z "$v" ]; then
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get \
			"${apt_wait[@]}" update >&2
		v=$(find_kernel)
	fi
	if [ -z "$v" ]; then
		echo "deps.sh: no linux-image-$base.*-$flavour in the package lists" >&2
		exit 1
	fi
	missing+=("linux-image-$v-$flavour" "linux-headers-$v-$flavour")
fi

[ "${#missing[@]}" -eq 0 ] && exit 0

echo "deps.sh: installing missing packages: ${missing[*]}" >&2

if [ "$(id -u)" -ne 0 ] && [ "${#sudo[@]}" -eq 0 ]; then
	echo "deps.sh: not root and no sudo; please install: ${missing[*]}" >&2
	exit 1
fi

"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_wait[@]}" update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get "${apt_wait[@]}" install -y --no-install-recommends "${missing[@]}"
