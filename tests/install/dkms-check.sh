#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-safe check of the DKMS packaging: `make dkms-source` into a private
# source tree, then `dkms add` and `dkms build` against the kernel headers
# the module is built for, with private --sourcetree, --dkmstree and
# --installtree, so nothing under /usr/src, /var/lib/dkms or /lib/modules
# is touched. Never `dkms install`, never modprobe: modules are not loaded
# on this machine. dkms signs what it builds and would first generate a
# MOK key in /var/lib/dkms; pointing sign_file at nothing keeps it from
# doing so (the module is then left unsigned, which a build check does not
# mind).
#
# Usage: tests/install/dkms-check.sh    (or: make check-dkms)
#   KVER=..., KDIR=...   as for the top-level Makefile
# Installs the dkms package first if missing (tests/install/deps.sh dkms).
# Prints "ok N - what" / "not ok N - what", then
# "dkms-check: N passed, N failed"; exits non-zero on any failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

bash tests/install/deps.sh dkms

work=$(mktemp -d "${TMPDIR:-/tmp}/dmaadd-dkms-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

n=0 pass=0 fail=0
result() {	# ok|fail what [detail...]
	local st=$1 what=$2
	shift 2
	n=$((n + 1))
	if [ "$st" = ok ]; then
		pass=$((pass + 1))
		echo "ok $n - $what"
	else
		fail=$((fail + 1))
		echo "not ok $n - $what"
		[ $# -eq 0 ] || printf '#   %s\n' "$@"
	fi
}
check() {	# what command...
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		result ok "$what"
	else
		result fail "$what" "command: $*" "${out: -3000}"
	fi
}

make_args=()
[ -n "${KVER:-}" ] && make_args+=("KVER=$KVER")
[ -n "${KDIR:-}" ] && make_args+=("KDIR=$KDIR")
mkvar() {	# DIR VAR: a make variable as that Makefile computes it
	make -s --no-print-directory -C "$1" "${make_args[@]}" -f Makefile \
		-f - print-var VAR="$2" <<'EOF'
print-var:
	@echo $($(VAR))
EOF
}

kdir=$(mkvar . KDIR)
krel=$(mkvar . KRELEASE)
ver=$(mkvar . DKMS_VERSION)
arch=$(uname -m)
echo "# dkms $(dkms --version 2>&1 | sed 's/^dkms-//'), dmaadd $ver, kernel $krel ($kdir)"

check "dkms.conf is valid bash" bash -n dkms.conf
check "dkms.conf PACKAGE_VERSION ($ver) = libdmaadd's version" \
	test "$ver" = "$(mkvar userspace VERSION)"

src=$work/src tree=$work/dkms inst=$work/modules
mkdir -p "$src" "$tree" "$inst"
check "make dkms-source" make "${make_args[@]}" dkms-source DKMS_SRCDIR="$src"
check "the copied tree holds no build products" \
	test -z "$(find "$src" -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '.*.cmd')"

dkms_() {
	env sign_file="$work/no-sign-file" dkms "$@" -m dmaadd -v "$ver" \
		--sourcetree "$src" --dkmstree "$tree" --installtree "$inst"
}
check "dkms add" dkms_ add
check "dkms build -k $krel" dkms_ build -k "$krel" --kernelsourcedir "$kdir"
status=$(dkms_ status -k "$krel" 2>&1 || true)
if [[ $status == *"dmaadd/$ver, $krel, $arch: built"* ]]; then
	result ok "dkms status: built"
else
	result fail "dkms status: built" "$status"
fi
# dkms compresses the module the way the kernel's own are (Debian's 6.12:
# CONFIG_MODULE_COMPRESS_XZ, so dmaadd.ko.xz; 6.1: dmaadd.ko). Exactly one
# of them, and the one matching the kernel's configuration.
moddir=$tree/dmaadd/$ver/$krel/$arch/module
built=$(cd "$moddir" 2>/dev/null && ls dmaadd.ko* 2>/dev/null | tr '\n' ' ' || true)
want=dmaadd.ko
if grep -qs '^CONFIG_MODULE_COMPRESS_XZ=y' "$kdir/.config"; then
	want=dmaadd.ko.xz
elif grep -qs '^CONFIG_MODULE_COMPRESS_ZSTD=y' "$kdir/.config"; then
	want=dmaadd.ko.zst
elif grep -qs '^CONFIG_MODULE_COMPRESS_GZIP=y' "$kdir/.config"; then
	want=dmaadd.ko.gz
fi
ko=$moddir/$want
vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
if [ "${built% }" = "$want" ] && [ "${vermagic%% *}" = "$krel" ]; then
	result ok "dkms built $want for $krel"
else
	result fail "dkms built $want for $krel" "$moddir holds: ${built:-nothing}" \
		"$ko: vermagic '$vermagic'"
fi
check "dkms remove --all" dkms_ remove --all
check "nothing installed into the private module tree" \
	test -z "$(find "$inst" -type f)"
check "no system DKMS state created (/var/lib/dkms)" \
	test ! -e /var/lib/dkms/dmaadd -a ! -e /var/lib/dkms/mok.key

echo "dkms-check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
