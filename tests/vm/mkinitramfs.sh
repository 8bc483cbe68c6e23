#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the dmaadd test guest's initramfs (gzip'd newc cpio).
#
# Usage: mkinitramfs.sh -o OUT.cpio.gz -m MODDIR [-K dmaadd.ko] [-c cli]
#                       [-t testsdir] [-M "extra modules"] [-p prog_timeout]
#                       [-a "insmod args"] [-b bench] [-e example]
#                       [-r rootdir]
#
# Contents: busybox-static + applet links, /init (tests/vm/init.sh),
# /dmaadd.ko, /dmaadd (CLI, also /usr/bin/dmaadd), /dmaadd_bench (with -b,
# also /usr/bin/dmaadd_bench), /add (with -e: userspace/examples/add.c
# built against a staged install), /tests/* (every executable
# regular file of testsdir), the extra modules and their dependencies from
# MODDIR (load order in /etc/dmaadd/modules), /etc/dmaadd/vm.conf.
# With -r, a tree copied over the root as it is (the files installed from
# the Debian packages: a dynamically linked /usr/bin/dmaadd with its
# libraries and loader); /dmaadd then links to its /usr/bin/dmaadd.
# Needs no root: /dev/console is appended as a hand-written cpio member.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

out='' moddir='' ko='' cli='' testsdir='' mods=vgem prog_timeout=0 insmod_args=
bench='' example=''
extra_root=
while getopts "o:m:K:c:t:M:p:a:b:e:r:" opt; do
	case $opt in
	o) out=$OPTARG ;;
	m) moddir=$OPTARG ;;
	K) ko=$OPTARG ;;
	c) cli=$OPTARG ;;
	r) extra_root=$OPTARG ;;
	t) testsdir=$OPTARG ;;
	M) mods=$OPTARG ;;
	p) prog_timeout=$OPTARG ;;
	a) insmod_args=$OPTARG ;;
	b) bench=$OPTARG ;;
	e) example=$OPTARG ;;
	*) echo "usage: see $0" >&2; exit 2 ;;
	esac
done
if [ -z "$out" ] || [ -z "$moddir" ]; then
	echo "mkinitramfs.sh: -o and -m are required" >&2
	exit 2
fi

warn() { echo "mkinitramfs: $*" >&2; }

busybox=
for b in /bin/busybox /usr/bin/busybox; do
	[ -x "$b" ] && { busybox=$b; break; }
done
[ -n "$busybox" ] || { warn "busybox not found (install busybox-static)"; exit 1; }

root=$(mktemp -d "${TMPDIR:-/tmp}/dmaadd-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc/dmaadd,lib/modules,tests,root}
cp "$busybox" "$root/bin/busybox"
while IFS= read -r applet; do
	case $applet in "" | bin/busybox) continue ;; esac
	mkdir -p "$root/$(dirname "$applet")"
	ln -sf /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)
[ -e "$root/bin/sh" ] || ln -s /bin/busybox "$root/bin/sh"

install -m 0755 "$here/init.sh" "$root/init"

# --- the module under test, the CLI, the test programs --------------------
if [ -n "$ko" ] && [ -f "$ko" ]; then
	cp "$ko" "$root/dmaadd.ko"
else
	warn "module '${ko:-<none>}' not found; the guest will report 'insmod dmaadd' as failed"
fi

is_dynamic() {
	command -v readelf >/dev/null 2>&1 &&
		readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'
}

if [ -n "$cli" ] && [ -f "$cli" ]; then
	install -m 0755 "$cli" "$root/dmaadd"
	ln -s /dmaadd "$root/usr/bin/dmaadd"
	is_dynamic "$cli" && warn "$cli is dynamically linked; it will not run in the guest"
fi

if [ -n "$extra_root" ]; then
	[ -d "$extra_root" ] || { warn "root tree '$extra_root' not found"; exit 1; }
	cp -a "$extra_root/." "$root/"
	if [ -z "$cli" ] && [ -x "$root/usr/bin/dmaadd" ]; then
		ln -s /usr/bin/dmaadd "$root/dmaadd"
	fi
fi

if [ -n "$bench" ]; then
	if [ -f "$bench" ]; then
		install -m 0755 "$bench" "$root/dmaadd_bench"
		ln -s /dmaadd_bench "$root/usr/bin/dmaadd_bench"
		is_dynamic "$bench" && warn "$bench is dynamically linked; it will not run in the guest"
	else
		warn "benchmark '$bench' not found"
	fi
fi

if [ -n "$example" ]; then
	if [ -f "$example" ]; then
		install -m 0755 "$example" "$root/add"
		is_dynamic "$example" && warn "$example is dynamically linked; it will not run in the guest"
	else
		warn "example '$example' not found"
	fi
fi

ntests=0
if [ -n "$testsdir" ] && [ -d "$testsdir" ]; then
	while IFS= read -r -d '' t; do
		install -m 0755 "$t" "$root/tests/${t##*/}"
		is_dynamic "$t" && warn "$t is dynamically linked; it will not run in the guest"
		ntests=$((ntests + 1))
	done < <(find "$testsdir" -mindepth 1 -maxdepth 1 -type f -perm -u+x -print0 | sort -z)
fi

# --- extra kernel modules, in dependency order -----------------------------
declare -A dep_of=() path_of=() seen=()
order=()
if [ -f "$moddir/modules.dep" ]; then
	while IFS= read -r line; do
		m=${line%%:*}
		b=${m##*/}; n=${b%%.ko*}; n=${n//-/_}
		path_of[$n]=$m
		dep_of[$m]=${line#*:}
	done < "$moddir/modules.dep"
elif [ -n "$mods" ]; then
	warn "$moddir/modules.dep missing; extra modules ($mods) not included"
	mods=
fi

visit() {
	local m=$1 d
	[ -z "${seen[$m]:-}" ] || return 0
	seen[$m]=1
	for d in ${dep_of[$m]:-}; do
		visit "$d"
	done
	order+=("$m")
}

for n in $mods; do
	n=${n//-/_}
	if [ -n "${path_of[$n]:-}" ]; then
		visit "${path_of[$n]}"
	elif [ -f "$moddir/modules.builtin" ] &&
	     tr '-' '_' < "$moddir/modules.builtin" | grep -q "/$n\.ko"; then
		: # built into the kernel
	else
		warn "extra module $n not found in $moddir (not included)"
	fi
done

: > "$root/etc/dmaadd/modules"
for m in "${order[@]}"; do
	b=${m##*/}; n=${b%%.ko*}.ko
	case $b in
	*.ko)     cp "$moddir/$m" "$root/lib/modules/$n" ;;
	*.ko.xz)  xz -dc "$moddir/$m" > "$root/lib/modules/$n" ;;
	*.ko.gz)  gzip -dc "$moddir/$m" > "$root/lib/modules/$n" ;;
	*.ko.zst) zstd -qdc "$moddir/$m" > "$root/lib/modules/$n" ;;
	*) warn "unknown module format: $m"; continue ;;
	esac
	echo "$n" >> "$root/etc/dmaadd/modules"
done

cat > "$root/etc/dmaadd/vm.conf" <<CONF
PROG_TIMEOUT=$prog_timeout
INSMOD_ARGS='${insmod_args//\'/}'
CONF

# --- archive ----------------------------------------------------------------
# newc header for one member without data (used for /dev/console, which needs
# mknod - i.e. root - to exist in the staging tree).
newc() { # name mode rdevmajor rdevminor
	local name=$1 mode=$2 maj=$3 min=$4 ns=$((${#1} + 1)) pad
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$((0x7fff0000 + RANDOM))" "$mode" 0 0 1 0 0 0 0 "$maj" "$min" "$ns" 0
	printf '%s\0' "$name"
	pad=$(( (4 - (110 + ns) % 4) % 4 ))
	head -c "$pad" /dev/zero
}

mkdir -p "$(dirname "$out")"
{
	(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet) | gzip -n -6
	{ newc dev/console $((0020600)) 5 1; newc TRAILER!!! 0 0 0; } | gzip -n -6
} > "$out.tmp"
mv "$out.tmp" "$out"

mods_in=$(tr '\n' ' ' < "$root/etc/dmaadd/modules")
echo "initramfs: $out ($(du -k "$out" | cut -f1) KiB; ${ntests} test programs;" \
     "extra modules: ${mods_in% })"
