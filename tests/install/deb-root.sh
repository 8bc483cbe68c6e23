#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages installed into a clean Debian 12 (bookworm) root, as
# a user would install them: `apt-get install ./dmaadd-tools_*.deb
# ./libdmaadd1_*.deb ./libdmaadd-dev_*.deb ./dmaadd-dkms_*.deb` in a chroot
# of a `debootstrap --variant=minbase bookworm` tree, then checked there:
#
#   - the group dmaadd exists (sysusers.d/dmaadd.conf, systemd-sysusers);
#   - dmaadd --version and dmaadd_bench --version run (no module: "module:
#     not loaded"), with /usr/lib/<multiarch>/libdmaadd.so.1;
#   - man finds dmaadd(1), dmaadd_bench(1), libdmaadd(3) and
#     dmaadd_buffer_alloc(3), and renders them;
#   - pkg-config --cflags --libs libdmaadd, and the example of
#     libdmaadd-dev compiles with it (gcc in the chroot: dkms needs it
#     anyway) and runs (no device: exit 1);
#   - DKMS has the module added (dkms status: dmaadd/VERSION: added) and
#     /usr/src/dmaadd-VERSION/dkms.conf is there. The chroot has no kernel
#     headers, so dkms builds nothing (DMAADD_DEB_DKMS_BUILD=1 installs the
#     headers of the guest's kernel and runs dkms build: slow);
#   - purging the packages leaves no file of theirs behind, and DKMS
#     forgets the module.
#
# Before purging, it exports what a QEMU guest needs to run `dmaadd demo`
# from the packages: the installed dmaadd and dmaadd_bench, the shared
# libraries they load (ldd in the chroot, libdmaadd.so.1 and glibc's) and
# the loader, at their paths, and the DKMS source tree
# /usr/src/dmaadd-VERSION; with a MANIFEST. Default build/deb-root.
#
# The pristine root is made once per machine and kept as a tarball,
# ${DMAADD_CACHE:-~/.cache/dmaadd}/bookworm-minbase.tar; the packages apt
# downloads are kept next to it (deb-root-apt/), so later runs download
# only the package lists.
#
# Nothing is installed on the host; no module is built for it or loaded
# (the chroot's dkms sees no kernel headers, and /sys is not mounted).
#
# Usage: tests/install/deb-root.sh DEBDIR      (run by deb-check.sh)
#   DEBDIR holds the four .debs of one version
#   DMAADD_DEB_EXPORT=dir    where the guest's files go (build/deb-root)
#   DMAADD_DEB_MIRROR=url    the Debian mirror (http://deb.debian.org/debian)
#   DMAADD_DEB_SECURITY_MIRROR=url   (http://deb.debian.org/debian-security)
#   DMAADD_DEB_DKMS_BUILD=1  also build the module with dkms in the chroot
#   DMAADD_DEB_KEEP=1        keep the chroot
# Prints "ok N - what" / "not ok N - what", then "deb-root: N passed,
# N failed"; exits non-zero on any failure. Needs root (chroot, mount).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
debs=$(cd "${1:?usage: deb-root.sh DEBDIR}" && pwd)
cache=${DMAADD_CACHE:-$HOME/.cache/dmaadd}
mirror=${DMAADD_DEB_MIRROR:-http://deb.debian.org/debian}
security=${DMAADD_DEB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
export_dir=${DMAADD_DEB_EXPORT:-$repo/build/deb-root}
pristine=$cache/bookworm-minbase.tar
aptcache=$cache/deb-root-apt

[ "$(id -u)" = 0 ] || { echo "deb-root.sh: needs root (chroot, mount)" >&2; exit 1; }
bash "$repo/tests/vm/deps.sh" deb

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

# --- the pristine root, once per machine -------------------------------------
if [ ! -s "$pristine" ]; then
	mkdir -p "$cache"
	tmproot=$(mktemp -d "$cache/bookworm-minbase.XXXXXX")
	echo "# debootstrap --variant=minbase bookworm (once; cached in $pristine)"
	start=$(date +%s)
	if ! debootstrap --variant=minbase bookworm "$tmproot" "$mirror" \
		> "$cache/bookworm-minbase.log" 2>&1; then
		tail -n 20 "$cache/bookworm-minbase.log" >&2
		rm -rf "$tmproot"
		echo "deb-root.sh: debootstrap failed" >&2
		exit 1
	fi
	# No package files in the tarball: apt's own cache goes in aptcache.
	rm -f "$tmproot"/var/cache/apt/archives/*.deb
	chmod 0755 "$tmproot"	# mktemp's 0700 would be the root's mode
	tar --numeric-owner -C "$tmproot" -cf "$pristine.tmp" .
	mv "$pristine.tmp" "$pristine"
	rm -rf "$tmproot"
	echo "# pristine root made in $(($(date +%s) - start)) s"
fi

work=$(mktemp -d "${TMPDIR:-/var/tmp}/dmaadd-deb-root.XXXXXX")
root=$work/root
mounts=()
cleanup() {
	local m i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		m=${mounts[i]}
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	# Never delete through a mount that is still there.
	if grep -q " $root/" /proc/mounts; then
		echo "deb-root.sh: $root still has mounts; not removed" >&2
	elif [ "${DMAADD_DEB_KEEP:-0}" = 1 ]; then
		echo "# chroot kept in $root"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
mount_() {	# mount ARGS... TARGET
	mount "$@"
	mounts+=("${!#}")
}

mkdir -p "$root" "$aptcache/archives/partial"
t0=$SECONDS
tar --numeric-owner -C "$root" -xf "$pristine"
t_extract=$((SECONDS - t0))
chmod 0755 "$root"	# / of the chroot: users such as man(-db) traverse it
mount_ -t proc proc "$root/proc"
mount_ --bind "$aptcache/archives" "$root/var/cache/apt/archives"
# Daemons are not started in a chroot. It is thrown away: dpkg need not
# fsync every file it unpacks, apt need not fetch translations.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
echo force-unsafe-io > "$root/etc/dpkg/dpkg.cfg.d/dmaadd-unsafe-io"
echo 'Acquire::Languages "none";' > "$root/etc/apt/apt.conf.d/99dmaadd-no-translations"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# As on an installed bookworm: point release updates and security (the
# kernel headers of the guest's kernel, DMAADD_DEB_DKMS_BUILD, are there).
cat > "$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
mkdir -p "$root/debs"
cp "$debs"/*.deb "$root/debs/"

in_root() {	# COMMAND...: run in the chroot, with a clean environment
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
check() {	# what command...: ok if the command succeeds in the chroot
	local what=$1 out
	shift
	if out=$(in_root "$@" 2>&1); then
		result ok "$what"
	else
		result fail "$what" "command: $*" "${out: -3000}"
	fi
}

t0=$SECONDS
ver=$(cd "$debs" && ls libdmaadd1_*.deb | sed 's/^libdmaadd1_\([^_]*\)_.*/\1/')
upver=${ver%-*}
echo "# bookworm minbase chroot in $root, dmaadd $ver"

# apt as a user would run it, with ./package.deb paths. Besides the
# packages: a sysusers implementation without systemd as init (the
# dependency dh_installsysusers adds lets any do; a minbase root has
# none), man-db to read the pages, pkgconf and libc6-dev to build the
# example (dkms already brings gcc and make).
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
apt_opts=(-o Acquire::Retries=3 -o APT::Sandbox::User=root)
start=$(date +%s)
if in_root apt-get "${apt_opts[@]}" update > "$work/apt.log" 2>&1 &&
   in_root sh -c "cd /debs && apt-get $(printf '%q ' "${apt_opts[@]}") \
	install -y --no-install-recommends \
	./dmaadd-tools_${ver}_$arch.deb ./libdmaadd1_${ver}_$arch.deb \
	./libdmaadd-dev_${ver}_$arch.deb ./dmaadd-dkms_${ver}_all.deb \
	systemd-standalone-sysusers man-db pkgconf libc6-dev" >> "$work/apt.log" 2>&1; then
	result ok "apt-get install ./dmaadd-tools ./libdmaadd1 ./libdmaadd-dev ./dmaadd-dkms ($(($(date +%s) - start)) s)"
else
	result fail "apt-get install of the four packages" "$(tail -n 30 "$work/apt.log")"
	echo "deb-root: $pass passed, $fail failed"
	exit 1
fi
t_install=$((SECONDS - t0)) t0=$SECONDS
grep -E '^(Setting up (dmaadd|libdmaadd)|Creating group|Loading new|Module build|Building for)' \
	"$work/apt.log" | sed 's/^/# /' || true

check "getent group dmaadd (made by systemd-sysusers from sysusers.d/dmaadd.conf)" \
	getent group dmaadd
check "the udev rule is in /lib/udev/rules.d" test -f /lib/udev/rules.d/60-dmaadd.rules
out=$(in_root dmaadd --version 2>&1) && rc=0 || rc=$?
if [ "$rc" = 0 ] && [ "$(sed -n 2p <<<"$out")" = "module: not loaded" ] &&
   grep -qx "dmaadd $upver (libdmaadd $upver, uapi header API version [0-9]*)" <<<"$out"; then
	result ok "dmaadd --version: $(head -n 1 <<<"$out"); module: not loaded"
else
	result fail "dmaadd --version" "exit $rc" "$out"
fi
check "dmaadd_bench --version" dmaadd_bench --version
check "dmaadd info without a device: exit status 3, a hint" \
	sh -c 'dmaadd info 2>/tmp/err; [ $? = 3 ] && grep -q "no dmaadd device" /tmp/err'
check "dmaadd loads libdmaadd.so.1 of libdmaadd1" \
	sh -c 'ldd /usr/bin/dmaadd | grep -q "libdmaadd.so.1 => .*/libdmaadd.so.1"'
for page in "1 dmaadd" "1 dmaadd_bench" "3 libdmaadd" "3 dmaadd_buffer_alloc" \
	    "3 LIBDMAADD_CHECK_VERSION"; do
	set -- $page
	check "man $1 $2: found and rendered" \
		sh -c "man -w $1 $2 >/dev/null && MANWIDTH=80 man $1 $2 2>&1 | grep -q '^NAME'"
done
check "whatis dmaadd_device_open (the index man-db's trigger built)" \
	sh -c 'whatis dmaadd_device_open | grep -q "open a dmaadd device"'
out=$(in_root pkg-config --cflags --libs libdmaadd 2>&1 || true)
if [ "$(echo $out)" = "-ldmaadd" ]; then
	result ok "pkg-config --cflags --libs libdmaadd: -ldmaadd"
else
	result fail "pkg-config --cflags --libs libdmaadd" "$out"
fi
check "pkg-config --modversion libdmaadd: $upver" \
	sh -c "test \"\$(pkg-config --modversion libdmaadd)\" = $upver"
check "the example compiles with the installed libdmaadd-dev (make, pkg-config)" \
	sh -c 'rm -rf /tmp/ex && cp -r /usr/share/doc/libdmaadd-dev/examples /tmp/ex &&
		cd /tmp/ex && for f in *.gz; do [ -e "$f" ] && gunzip "$f"; done;
		make O=/tmp/ex'
check "the example runs (no device: exit 1, says so)" \
	sh -c '/tmp/ex/add /nonexistent/dmaadd0 2>/tmp/err; [ $? = 1 ] &&
		grep -qx "/nonexistent/dmaadd0: No such file or directory" /tmp/err'
check "the example builds statically too (pkg-config --static, libdmaadd.a)" \
	sh -c 'make -C /tmp/ex O=/tmp/ex STATIC=1 -B && ! ldd /tmp/ex/add >/dev/null 2>&1'
check "/usr/src/dmaadd-$upver/dkms.conf is there" test -f "/usr/src/dmaadd-$upver/dkms.conf"
out=$(in_root dkms status 2>&1 || true)
if grep -q "^dmaadd/$upver: added" <<<"$out"; then
	result ok "dkms status: dmaadd/$upver: added"
else
	result fail "dkms status: dmaadd/$upver: added" "$out"
fi

if [ "${DMAADD_DEB_DKMS_BUILD:-0}" = 1 ]; then
	kver=$(bash "$repo/tests/vm/kver.sh")
	start=$(date +%s)
	# Build only: the headers' hook would also `dkms install` (into the
	# chroot's /lib/modules, but nothing here installs a module).
	chmod -x "$root/etc/kernel/header_postinst.d/dkms" 2>/dev/null || true
	if in_root apt-get "${apt_opts[@]}" install -y --no-install-recommends "linux-headers-$kver" \
		>> "$work/apt.log" 2>&1 &&
	   in_root dkms build -m dmaadd -v "$upver" -k "$kver" > "$work/dkms.log" 2>&1 &&
	   in_root dkms status -m dmaadd -v "$upver" -k "$kver" | tee -a "$work/dkms.log" |
		grep -q ": built$"; then
		result ok "dkms build -k $kver in the chroot ($(($(date +%s) - start)) s)"
	else
		result fail "dkms build -k $kver in the chroot" "$(tail -n 30 "$work/apt.log" "$work/dkms.log" 2>/dev/null)"
	fi
fi

t_checks=$((SECONDS - t0)) t0=$SECONDS
# --- what a guest needs --------------------------------------------------------
rm -rf "$export_dir"
mkdir -p "$export_dir"
{
	echo "# Files a QEMU guest needs to run 'dmaadd demo' from the Debian"
	echo "# packages, as installed in a bookworm chroot by"
	echo "# tests/install/deb-root.sh (dmaadd $ver). Paths are the chroot's;"
	echo "# symbolic links are resolved (each file is a regular file)."
	echo "# ldd /usr/bin/dmaadd in the chroot:"
	in_root ldd /usr/bin/dmaadd | sed 's/^/#   /'
} > "$export_dir/MANIFEST"
files=(/usr/bin/dmaadd /usr/bin/dmaadd_bench)
files+=($(in_root sh -c 'ldd /usr/bin/dmaadd /usr/bin/dmaadd_bench' |
	awk '/=> \// { print $3 } /^\t\/[^ ]* \(/ { print $1 }' | sort -u))
for f in "${files[@]}"; do
	install -D -m "$(stat -L -c %a "$root$(in_root readlink -f "$f")")" \
		"$root$(in_root readlink -f "$f")" "$export_dir$f"
	echo "$f $(sha256sum < "$export_dir$f" | cut -d' ' -f1)" >> "$export_dir/MANIFEST"
done
mkdir -p "$export_dir/usr/src"
cp -a "$root/usr/src/dmaadd-$upver" "$export_dir/usr/src/"
echo "/usr/src/dmaadd-$upver/ (the DKMS source tree of dmaadd-dkms)" >> "$export_dir/MANIFEST"
# The guest runs it as root; outside the chroot, with its loader.
if "$export_dir/lib64/ld-linux-x86-64.so.2" --library-path \
	"$export_dir/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH):$export_dir/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)" \
	--inhibit-cache "$export_dir/usr/bin/dmaadd" --version >/dev/null 2>&1; then
	result ok "exported $export_dir: dmaadd runs with the exported loader and libraries only"
else
	result fail "exported $export_dir: dmaadd runs with the exported loader and libraries only" \
		"$(cat "$export_dir/MANIFEST")"
fi
echo "# guest files in $export_dir (see MANIFEST)"

# --- purge -------------------------------------------------------------------------
in_root dpkg-query -L dmaadd-tools libdmaadd1 libdmaadd-dev dmaadd-dkms 2>/dev/null |
	sort -u > "$work/files"
if in_root apt-get "${apt_opts[@]}" purge -y dmaadd-tools libdmaadd-dev libdmaadd1 dmaadd-dkms \
	> "$work/purge.log" 2>&1; then
	result ok "apt-get purge of the four packages"
else
	result fail "apt-get purge of the four packages" "$(tail -n 20 "$work/purge.log")"
fi
left=$(while read -r f; do
	[ -d "$root$f" ] && continue	# directories (and /lib, a link to one)
	if [ -e "$root$f" ] || [ -L "$root$f" ]; then echo "$f"; fi
done < "$work/files")
left+=$(in_root dkms status 2>&1 | grep dmaadd || true)
[ -d "$root/usr/src/dmaadd-$upver" ] && left+=" /usr/src/dmaadd-$upver"
if [ -z "$left" ]; then
	result ok "nothing of them left, dkms status without dmaadd"
else
	result fail "nothing of them left, dkms status without dmaadd" "$left"
fi

echo "# time: unpack root ${t_extract} s, apt-get install ${t_install} s, checks ${t_checks} s, export and purge $((SECONDS - t0)) s"
echo "deb-root: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
