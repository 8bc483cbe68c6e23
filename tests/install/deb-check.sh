#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host check of the Debian packaging (debian/): copies the tree (the files
# git knows, tracked or not ignored, as they are in the work tree) into a
# temporary directory, builds it there with `dpkg-buildpackage -b -us -uc`
# (so no build product lands in the repository), and checks:
#
#   - exactly the four binary packages: dmaadd-dkms, libdmaadd1,
#     libdmaadd-dev, dmaadd-tools (and nothing else but dbgsym .ddebs);
#   - lintian finds no error (warnings are printed, not failed);
#   - their contents (dpkg-deb -c) and control data (dpkg-deb -I): the
#     library and its links in the multiarch libdir, the symbols file with
#     every symbol of libdmaadd.abi at the version that introduced it, the
#     tools linked dynamically against libdmaadd.so.1 (readelf -d) and
#     depending on libdmaadd1 through that file, the udev rule in udev's
#     directory, the sysusers file and its postinst, the manual pages (a
#     page per function of libdmaadd.map), the bash completion, the
#     example, the DKMS source tree (exactly `make dkms-source`) and its
#     registration;
#
# then tests/install/deb-root.sh installs the packages into a clean
# bookworm chroot and checks them there (DMAADD_DEB_CHROOT=0 skips it).
#
# Nothing is installed on the host (the packages are only read), no module
# is built or loaded.
#
# Usage: tests/install/deb-check.sh     (or: make check-deb)
#   DMAADD_DEB_OUT=dir     where the .debs are kept (default
#                          build/deb; the chroot's export goes next to it,
#                          build/deb-root)
#   DMAADD_DEB_CHROOT=0    skip the chroot install
#   DMAADD_DEB_KEEP=1      keep the temporary build directory
# Installs what it needs first (tests/vm/deps.sh deb). Prints "ok N -
# what" / "not ok N - what" lines, then "deb-check: N passed, N failed";
# exits non-zero on any failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

bash tests/vm/deps.sh deb

work=$(mktemp -d "${TMPDIR:-/tmp}/dmaadd-deb-check.XXXXXX")
if [ "${DMAADD_DEB_KEEP:-0}" = 1 ]; then
	echo "# build directory kept in $work"
else
	trap 'rm -rf "$work"' EXIT
fi
out=${DMAADD_DEB_OUT:-$repo/build/deb}

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
check() {	# what command...: ok if the command succeeds
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		result ok "$what"
	else
		result fail "$what" "command: $*" "${out:0:3000}"
	fi
}
finish() {
	echo "deb-check: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

ver=$(dpkg-parsechangelog -S Version)
upver=${ver%-*}
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
echo "# dmaadd $ver ($arch), debhelper $(dpkg-query -W -f='${Version}' debhelper)," \
     "dh-dkms $(dpkg-query -W -f='${Version}' dh-dkms), lintian $(dpkg-query -W -f='${Version}' lintian)"

# --- the copy -------------------------------------------------------------------
src=$work/dmaadd-$upver
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -e "$f" ] || [ -L "$f" ] || continue	# deleted, not committed
			printf '%s\0' "$f"
		done | tar --null -T - -cf - | tar -xf - -C "$src"
else
	tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$src"
fi
check "the copy has debian/ and no build products" \
	test -f "$src/debian/control" -a ! -e "$src/build" -a ! -e "$src/dmaadd.ko"

# --- the source package -------------------------------------------------------
# 3.0 (quilt): the upstream tarball is the tree without debian/ (what
# `make dist` makes of a commit; here of the copy), debian/ goes on top.
tar -C "$work" --exclude="dmaadd-$upver/debian" -cJf \
	"$work/dmaadd_$upver.orig.tar.xz" "dmaadd-$upver"
check "dpkg-source -b: dmaadd_$ver.dsc (3.0 (quilt), no upstream change)" \
	bash -c "cd '$work' && dpkg-source -b dmaadd-$upver &&
		test -f dmaadd_$ver.dsc -a -f dmaadd_$ver.debian.tar.xz"

# --- the build ------------------------------------------------------------------
# No dbgsym packages (noautodbgsym): the four packages are what is
# checked. DPKG_GENSYMBOLS_CHECK_LEVEL=4: the build fails when the library's
# symbols differ from debian/libdmaadd1.symbols in any way, a new one too.
start=$(date +%s)
if (cd "$src" &&
    DEB_BUILD_OPTIONS="parallel=$(nproc) noautodbgsym ${DEB_BUILD_OPTIONS:-}" \
    DPKG_GENSYMBOLS_CHECK_LEVEL=4 dpkg-buildpackage -b -us -uc) \
	> "$work/build.log" 2>&1; then
	result ok "dpkg-buildpackage -b -us -uc ($(($(date +%s) - start)) s)"
else
	result fail "dpkg-buildpackage -b -us -uc" "$(tail -n 40 "$work/build.log")"
	finish
fi
changes=$work/dmaadd_${ver}_${arch}.changes
want="dmaadd-dkms_${ver}_all.deb dmaadd-tools_${ver}_${arch}.deb libdmaadd-dev_${ver}_${arch}.deb libdmaadd1_${ver}_${arch}.deb"
got=$(cd "$work" && ls *.deb | LC_ALL=C sort | tr '\n' ' ')
if [ "${got% }" = "$want" ]; then
	result ok "exactly four packages: ${want//_${ver}_/ }"
else
	result fail "exactly four packages" "got:  $got" "want: $want"
fi
deb() { echo "$work/${1}_${ver}_$([ "$1" = dmaadd-dkms ] && echo all || echo "$arch").deb"; }

# --- lintian --------------------------------------------------------------------
# Exit status 0: no error; 1: errors; 2: lintian itself failed.
start=$(date +%s)
lintian --display-info --fail-on error "$changes" "$work/dmaadd_$ver.dsc" \
	> "$work/lintian.txt" 2>&1 &&
	rc=0 || rc=$?
errors=$(grep -c '^E: ' "$work/lintian.txt" || true)
warnings=$(grep -c '^W: ' "$work/lintian.txt" || true)
if [ "$rc" = 0 ] && [ "$errors" = 0 ]; then
	result ok "lintian: no error ($warnings warnings, $(($(date +%s) - start)) s)"
else
	result fail "lintian: $errors errors (exit status $rc)" \
		"$(grep -v '^[WIPNX]: ' "$work/lintian.txt")"
fi
grep -E '^(W|I): ' "$work/lintian.txt" | sed 's/^/# lintian /' || true

# --- contents -------------------------------------------------------------------
contents() {	# PACKAGE: its files, as "path" or "path -> target", no dirs
	dpkg-deb -c "$(deb "$1")" | grep -v '^d' |
		sed -E 's/^([^ ]+ +){5}//; s|^\./|/|' | LC_ALL=C sort
}
has() {	# PACKAGE LINE...: every line is in its contents
	local pkg=$1 missing=()
	shift
	contents "$pkg" > "$work/c"
	for l in "$@"; do
		grep -qxF -- "$l" "$work/c" || missing+=("$l")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		result ok "$pkg has $*"
	else
		result fail "$pkg has $*" "missing: ${missing[*]}"
	fi
}
only() {	# PACKAGE REGEX: every file matches (usr/share/doc aside)
	local bad
	bad=$(contents "$1" | grep -v '^/usr/share/doc/' | grep -Ev "$2" || true)
	if [ -z "$bad" ]; then
		result ok "$1 holds nothing else"
	else
		result fail "$1 holds nothing else" "$bad"
	fi
}
lib=/usr/lib/$multiarch
has libdmaadd1 "$lib/libdmaadd.so.$upver" "$lib/libdmaadd.so.1 -> libdmaadd.so.$upver"
only libdmaadd1 "^$lib/libdmaadd\\.so\\.1"
has libdmaadd-dev /usr/include/libdmaadd.h /usr/include/linux/dmaadd.h \
	"$lib/libdmaadd.so -> libdmaadd.so.1" "$lib/libdmaadd.a" \
	"$lib/pkgconfig/libdmaadd.pc" /usr/share/man/man3/libdmaadd.3.gz \
	/usr/share/doc/libdmaadd-dev/examples/add.c \
	/usr/share/doc/libdmaadd-dev/examples/Makefile
only libdmaadd-dev "^(/usr/include/(libdmaadd|linux/dmaadd)\\.h|$lib/(libdmaadd\\.a|libdmaadd\\.so -> libdmaadd\\.so\\.1|pkgconfig/libdmaadd\\.pc)|/usr/share/man/man3/[A-Za-z0-9_]+\\.3\\.gz)\$"
# A page per function of the map, nothing for what it does not export.
funcs=$(sed -n 's/^\t\t\(dmaadd_[a-z0-9_]*\);$/\1/p' userspace/libdmaadd.map | LC_ALL=C sort)
pages=$(contents libdmaadd-dev | sed -n 's|^/usr/share/man/man3/\(dmaadd_[a-z0-9_]*\)\.3\.gz$|\1|p' | LC_ALL=C sort)
if [ -n "$funcs" ] && [ "$funcs" = "$pages" ]; then
	result ok "libdmaadd-dev: a manual page per function of libdmaadd.map ($(wc -l <<<"$funcs"))"
else
	result fail "libdmaadd-dev: a manual page per function of libdmaadd.map" \
		"$(diff <(echo "$funcs") <(echo "$pages") || true)"
fi
has dmaadd-tools /usr/bin/dmaadd /usr/bin/dmaadd_bench \
	/lib/udev/rules.d/60-dmaadd.rules /usr/lib/sysusers.d/dmaadd.conf \
	/usr/share/man/man1/dmaadd.1.gz /usr/share/man/man1/dmaadd_bench.1.gz \
	/usr/share/bash-completion/completions/dmaadd \
	"/usr/share/bash-completion/completions/dmaadd_bench -> dmaadd"
only dmaadd-tools '^(/usr/bin/dmaadd(_bench)?|/lib/udev/rules\.d/60-dmaadd\.rules|/usr/lib/sysusers\.d/dmaadd\.conf|/usr/share/man/man1/dmaadd(_bench)?\.1\.gz|/usr/share/bash-completion/completions/dmaadd(_bench -> dmaadd)?)$'
check "the udev rule is the repository's (bookworm's udevdir: $(pkg-config --variable=udevdir udev 2>/dev/null || echo /lib/udev))" \
	bash -c "dpkg-deb --fsys-tarfile '$(deb dmaadd-tools)' |
		tar -xOf - ./lib/udev/rules.d/60-dmaadd.rules | cmp - userspace/udev/60-dmaadd.rules"
check "sysusers.d/dmaadd.conf creates the group dmaadd" \
	bash -c "dpkg-deb --fsys-tarfile '$(deb dmaadd-tools)' |
		tar -xOf - ./usr/lib/sysusers.d/dmaadd.conf | grep -qx 'g dmaadd -'"

# The DKMS tree is exactly what `make dkms-source` copies.
mkdir "$work/dkms-src"
make -s dkms-source DKMS_SRCDIR="$work/dkms-src" >/dev/null 2>&1
want=$(cd "$work/dkms-src" && find . -type f | sed 's|^\./|/usr/src/|' | LC_ALL=C sort)
got=$(contents dmaadd-dkms | grep -v '^/usr/share/doc/')
if [ -n "$want" ] && [ "$want" = "$got" ]; then
	result ok "dmaadd-dkms: /usr/src/dmaadd-$upver is make dkms-source ($(wc -l <<<"$got") files)"
else
	result fail "dmaadd-dkms: /usr/src/dmaadd-$upver is make dkms-source" \
		"$(diff <(echo "$want") <(echo "$got") || true)"
fi
mkdir "$work/x"
for p in dmaadd-dkms libdmaadd1 libdmaadd-dev dmaadd-tools; do
	dpkg-deb -x "$(deb "$p")" "$work/x/$p"
	dpkg-deb -e "$(deb "$p")" "$work/x/$p/DEBIAN"
done
check "dmaadd-dkms: dkms.conf says PACKAGE_VERSION=\"$upver\"" \
	grep -qx "PACKAGE_VERSION=\"$upver\"" "$work/x/dmaadd-dkms/usr/src/dmaadd-$upver/dkms.conf"

# --- control data ---------------------------------------------------------------
field() { dpkg-deb -f "$(deb "$1")" "$2"; }
check "dmaadd-dkms depends on dkms; its postinst adds, its prerm removes dmaadd/$upver" \
	bash -c "dpkg-deb -f '$(deb dmaadd-dkms)' Depends | grep -q 'dkms (>=' &&
		grep -q 'DKMS_VERSION=$upver' '$work/x/dmaadd-dkms/DEBIAN/postinst' &&
		grep -q 'common.postinst' '$work/x/dmaadd-dkms/DEBIAN/postinst' &&
		grep -q 'dkms remove -m \$DKMS_NAME -v \$DKMS_VERSION --all' \
			'$work/x/dmaadd-dkms/DEBIAN/prerm'"
check "libdmaadd-dev depends on libdmaadd1 (= $ver)" \
	bash -c "dpkg-deb -f '$(deb libdmaadd-dev)' Depends | grep -qF 'libdmaadd1 (= $ver)'"
check "libdmaadd1: Multi-Arch: same, Section: libs" \
	test "$(field libdmaadd1 Multi-Arch) $(field libdmaadd1 Section)" = "same libs"
# dmaadd_bench calls dmaadd_device_peek(), new in 1.4.0: the symbols file
# must carry that into the tools' dependency.
check "dmaadd-tools depends on libdmaadd1 (>= 1.4.0) and a sysusers" \
	bash -c "d=\$(dpkg-deb -f '$(deb dmaadd-tools)' Depends);
		grep -qF 'libdmaadd1 (>= 1.4.0)' <<<\"\$d\" &&
		grep -qF 'systemd | systemd-standalone-sysusers | systemd-sysusers' <<<\"\$d\""
check "dmaadd-tools postinst: systemd-sysusers dmaadd.conf, then a guarded udevadm trigger" \
	bash -c "grep -q 'systemd-sysusers .*dmaadd.conf' '$work/x/dmaadd-tools/DEBIAN/postinst' &&
		grep -q 'udevadm trigger --subsystem-match=misc' '$work/x/dmaadd-tools/DEBIAN/postinst' &&
		sh -n '$work/x/dmaadd-tools/DEBIAN/postinst'"

# The symbols file: every released symbol, at the version of its node
# (LIBDMAADD_1 1.0.0, LIBDMAADD_1.N 1.N.0).
sym=$work/x/libdmaadd1/DEBIAN/symbols
want=$(grep -v '^#' userspace/libdmaadd.abi | awk -F'@@' '{
		v = $2; sub(/^LIBDMAADD_/, "", v); if (v !~ /\./) v = v ".0"
		print $1 "@" $2 " " v ".0" }' | LC_ALL=C sort)
want=$(printf '%s\n%s\n' "$want" "$(sed -n 's/^\(LIBDMAADD_[0-9.]*\) {$/\1/p' userspace/libdmaadd.map |
	awk '{ v = $1; sub(/^LIBDMAADD_/, "", v); if (v !~ /\./) v = v ".0"
		print $1 "@" $1 " " v ".0" }')" | LC_ALL=C sort)
got=$(sed -n 's/^ \([^ ]*\) \([^ ]*\)$/\1 \2/p' "$sym" 2>/dev/null | LC_ALL=C sort)
if [ -n "$want" ] && [ "$want" = "$got" ]; then
	result ok "libdmaadd1 symbols: $(wc -l <<<"$got") symbols and nodes, each at the version that added it"
else
	result fail "libdmaadd1 symbols: every symbol at the version that added it" \
		"$(diff <(echo "$want") <(echo "$got") || true)"
fi
check "libdmaadd1 symbols file: libdmaadd.so.1 libdmaadd1, Build-Depends-Package" \
	bash -c "head -n 1 '$sym' | grep -qx 'libdmaadd.so.1 libdmaadd1 #MINVER#' &&
		grep -qx '\\* Build-Depends-Package: libdmaadd-dev' '$sym'"

# --- the binaries ---------------------------------------------------------------
for t in dmaadd dmaadd_bench; do
	bin=$work/x/dmaadd-tools/usr/bin/$t
	dyn=$(readelf -d "$bin" 2>&1 || true)
	if grep -q 'NEEDED.*\[libdmaadd\.so\.1\]' <<<"$dyn" &&
	   ! grep -qE 'RPATH|RUNPATH' <<<"$dyn" &&
	   readelf -l "$bin" | grep -q 'program interpreter'; then
		result ok "$t is linked dynamically against libdmaadd.so.1, no rpath"
	else
		result fail "$t is linked dynamically against libdmaadd.so.1, no rpath" "$dyn"
	fi
	check "$t binds versioned symbols (@LIBDMAADD_1)" \
		bash -c "readelf --dyn-syms -W '$bin' | grep -q 'dmaadd_.*@LIBDMAADD_1'"
done
check "dmaadd --version runs against the packaged libdmaadd.so.1" \
	bash -c "LD_LIBRARY_PATH='$work/x/libdmaadd1$lib' '$work/x/dmaadd-tools/usr/bin/dmaadd' --version |
		grep -qx 'dmaadd $upver (libdmaadd $upver, uapi header API version [0-9]*)'"
check "libdmaadd.so.$upver: soname libdmaadd.so.1, stripped of debug info" \
	bash -c "readelf -d '$work/x/libdmaadd1$lib/libdmaadd.so.$upver' | grep -q 'SONAME.*\[libdmaadd.so.1\]' &&
		! readelf -S '$work/x/libdmaadd1$lib/libdmaadd.so.$upver' | grep -q debug_info"
check "manual pages render: dmaadd(1), libdmaadd(3), dmaadd_buffer_free(3)" \
	bash -c "for p in man1/dmaadd.1.gz man3/libdmaadd.3.gz man3/dmaadd_buffer_free.3.gz; do
			f='$work/x/'\$(case \$p in man1*) echo dmaadd-tools ;; *) echo libdmaadd-dev ;; esac)/usr/share/man/\$p
			lexgrog \"\$f\" >/dev/null || exit 1
			w=\$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \"\$f\" 2>&1 >/dev/null)
			[ -z \"\$w\" ] || { echo \"\$p: \$w\"; exit 1; }
		done"

# Keep the packages (and the build log) for the chroot and for people.
rm -rf "$out"
mkdir -p "$out"
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$work"/*.dsc \
	"$work"/*.tar.xz "$work/build.log" "$work/lintian.txt" "$out/"
echo "# packages in $out"

if [ "${DMAADD_DEB_CHROOT:-1}" != 0 ]; then
	if bash tests/install/deb-root.sh "$out"; then
		result ok "installed and checked in a bookworm chroot (tests/install/deb-root.sh)"
	else
		result fail "installed and checked in a bookworm chroot (tests/install/deb-root.sh)"
	fi
fi

finish
