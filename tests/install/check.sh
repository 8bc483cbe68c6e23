#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side check of `make install` / `make uninstall`: stages installs into
# temporary DESTDIRs (PREFIX=/usr, then the default /usr/local) and checks
# the staged trees: every file where it belongs, the library's links and
# soname, the headers and the udev rule as in the repository, the manual
# (a page per function of libdmaadd.map, the tools' pages) and the bash
# completion, the module
# built for the right kernel, `pkg-config --cflags --libs libdmaadd` against
# the staged .pc (PKG_CONFIG_LIBDIR + PKG_CONFIG_SYSROOT_DIR), the example
# userspace/examples/add.c compiled and linked against the staged library
# (shared and static) with nothing but pkg-config's flags, and that
# `make uninstall` removes every file again.
#
# Nothing is installed on the host itself and no module is loaded: the
# staged dmaadd.ko is only read (modinfo), the example only run against a
# path that is not a device.
#
# Usage: tests/install/check.sh     (or: make check-install)
#   KVER=..., KDIR=...        as for the top-level Makefile
#   DMAADD_INSTALL_KEEP=1     keep the staging directories
# Prints "ok N - what" / "not ok N - what" lines, then
# "install-check: N passed, N failed"; exits non-zero on any failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmaadd-install-check.XXXXXX")
if [ "${DMAADD_INSTALL_KEEP:-0}" = 1 ]; then
	echo "# staging directories kept in $work"
else
	trap 'rm -rf "$work"' EXIT
fi

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
		result fail "$what" "command: $*" "${out:0:2000}"
	fi
}

bash tests/install/deps.sh

# The value of a make variable as a Makefile computes it: mkvar DIR VAR
mkvar() {
	make -s --no-print-directory -C "$1" "${make_args[@]}" -f Makefile \
		-f - print-var VAR="$2" <<'EOF'
print-var:
	@echo $($(VAR))
EOF
}

# The guest's kernel unless told: `make install` alone would build for the
# running kernel, whose headers the machine may not have.
KVER=${KVER:-$(tests/vm/kver.sh 2>/dev/null)}
make_args=()
[ -n "${KVER:-}" ] && make_args+=("KVER=$KVER")
[ -n "${KDIR:-}" ] && make_args+=("KDIR=$KDIR")

if ! make -s "${make_args[@]}" module userspace >"$work/build.log" 2>&1; then
	echo "check.sh: build failed:" >&2
	tail -n 40 "$work/build.log" >&2
	exit 1
fi
kdir=$(mkvar . KDIR)
krel=$(mkvar . KRELEASE)
[ -n "$krel" ] || { echo "check.sh: no UTS_RELEASE in $kdir" >&2; exit 1; }
libver=$(mkvar userspace VERSION)
echo "# kernel $krel ($kdir), libdmaadd $libver"

# --- one staged install: PREFIX=/usr -----------------------------------------
stage=$work/usr-stage
check "make install DESTDIR=... PREFIX=/usr" \
	make "${make_args[@]}" install DESTDIR="$stage" PREFIX=/usr

files=(
	"usr/lib/libdmaadd.so.$libver"
	usr/lib/libdmaadd.a
	usr/lib/pkgconfig/libdmaadd.pc
	usr/include/libdmaadd.h
	usr/include/linux/dmaadd.h
	usr/bin/dmaadd
	usr/bin/dmaadd_bench
	usr/share/man/man1/dmaadd.1
	usr/share/man/man1/dmaadd_bench.1
	usr/share/man/man3/libdmaadd.3
	usr/share/man/man3/dmaadd_buffer_alloc.3
	usr/share/man/man3/LIBDMAADD_CHECK_VERSION.3
	usr/share/bash-completion/completions/dmaadd
	lib/udev/rules.d/60-dmaadd.rules
	"lib/modules/$krel/extra/dmaadd.ko"
)
missing=()
for f in "${files[@]}"; do
	[ -f "$stage/$f" ] || missing+=("$f")
done
if [ ${#missing[@]} -eq 0 ]; then
	result ok "staged files present (${#files[@]})"
else
	result fail "staged files present" "missing: ${missing[*]}"
fi
unexpected=$(find "$stage" \( -type f -o -type l \) | sed "s|^$stage/||" |
	grep -vxF -e usr/lib/libdmaadd.so.1 -e usr/lib/libdmaadd.so \
		-e usr/share/bash-completion/completions/dmaadd_bench \
		"${files[@]/#/-e}" |
	grep -vx 'usr/share/man/man3/dmaadd_[a-z0-9_]*\.3' || true)
if [ -z "$unexpected" ]; then
	result ok "nothing else staged"
else
	result fail "nothing else staged" "$unexpected"
fi

check "libdmaadd.so -> libdmaadd.so.1 -> libdmaadd.so.$libver" \
	test "$(readlink "$stage/usr/lib/libdmaadd.so")" = libdmaadd.so.1 -a \
	     "$(readlink "$stage/usr/lib/libdmaadd.so.1")" = "libdmaadd.so.$libver"
check "soname libdmaadd.so.1" \
	bash -c "readelf -d '$stage/usr/lib/libdmaadd.so.$libver' | grep -q 'SONAME.*\[libdmaadd.so.1\]'"
check "linux/dmaadd.h is uapi/linux/dmaadd.h" \
	cmp uapi/linux/dmaadd.h "$stage/usr/include/linux/dmaadd.h"
check "libdmaadd.h is userspace/include/libdmaadd.h" \
	cmp userspace/include/libdmaadd.h "$stage/usr/include/libdmaadd.h"
check "udev rule is userspace/udev/60-dmaadd.rules" \
	cmp userspace/udev/60-dmaadd.rules "$stage/lib/udev/rules.d/60-dmaadd.rules"
check "installed tool runs (dmaadd --version)" "$stage/usr/bin/dmaadd" --version
check "installed benchmark runs (dmaadd_bench --version)" \
	"$stage/usr/bin/dmaadd_bench" --version

# The manual: a page per exported function, each rendering; the tools'.
funcs=$(sed -n 's/^\t\t\(dmaadd_[a-z0-9_]*\);$/\1/p' userspace/libdmaadd.map | LC_ALL=C sort)
pages=$(cd "$stage/usr/share/man/man3" && ls dmaadd_*.3 2>/dev/null |
	sed 's/\.3$//' | LC_ALL=C sort)
if [ -n "$funcs" ] && [ "$funcs" = "$pages" ]; then
	result ok "a man3 page per function of libdmaadd.map ($(wc -l <<<"$funcs"))"
else
	result fail "a man3 page per function of libdmaadd.map" \
		"$(diff <(echo "$funcs") <(echo "$pages") || true)"
fi
check "man -l finds NAME in dmaadd(1), dmaadd_bench(1), libdmaadd(3), dmaadd_device_open(3)" \
	bash -c "for p in man1/dmaadd.1 man1/dmaadd_bench.1 man3/libdmaadd.3 \
			man3/dmaadd_device_open.3; do
			MANWIDTH=80 man -l '$stage/usr/share/man/'\$p 2>/dev/null |
				grep -q '^NAME' || { echo \$p; exit 1; }
		done"
check "bash completion is userspace/bash-completion/dmaadd, dmaadd_bench links to it" \
	bash -c "cmp userspace/bash-completion/dmaadd \
			'$stage/usr/share/bash-completion/completions/dmaadd' &&
		test \"\$(readlink '$stage/usr/share/bash-completion/completions/dmaadd_bench')\" = dmaadd"

ko=$stage/lib/modules/$krel/extra/dmaadd.ko
vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
if [ "${vermagic%% *}" = "$krel" ]; then
	result ok "dmaadd.ko built for $krel"
else
	result fail "dmaadd.ko built for $krel" "vermagic: $vermagic"
fi
parms=$({ modinfo -F parm "$ko" 2>/dev/null || true; } | cut -d: -f1 | sort |
	tr '\n' ' ')
check "dmaadd.ko parameters: max_buffer_mb max_file_mb nr_platform" \
	test "$parms" = "max_buffer_mb max_file_mb nr_platform "

pc() {	# pkg-config against the staged tree only
	PKG_CONFIG_PATH='' PKG_CONFIG_LIBDIR="$stage/usr/lib/pkgconfig" \
		PKG_CONFIG_SYSROOT_DIR="$stage" pkg-config "$@"
}
flags=$(pc --cflags --libs libdmaadd 2>&1 || true)
flags=$(tr -s ' \n' '  ' <<<"$flags")
flags=${flags% }	# one line, single spaces
want="-I$stage/usr/include -L$stage/usr/lib -ldmaadd"
if [ "$flags" = "$want" ]; then
	result ok "pkg-config --cflags --libs libdmaadd: $want"
else
	result fail "pkg-config --cflags --libs libdmaadd" "got:  $flags" "want: $want"
fi
check "pkg-config --modversion libdmaadd = $libver" \
	test "$(pc --modversion libdmaadd)" = "$libver"
check "pkg-config --static --libs has -pthread" \
	bash -c "PKG_CONFIG_PATH='' PKG_CONFIG_LIBDIR='$stage/usr/lib/pkgconfig' \
		PKG_CONFIG_SYSROOT_DIR='$stage' pkg-config --static --libs libdmaadd |
		grep -q -- -pthread"

# --- the example, built with pkg-config's flags only --------------------------
ex=$work/example
mkdir -p "$ex/shared" "$ex/static"
export_pc=(PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$stage/usr/lib/pkgconfig"
	PKG_CONFIG_SYSROOT_DIR="$stage")
check "example compiles and links against the staged libdmaadd.so" \
	env "${export_pc[@]}" make -C userspace/examples O="$ex/shared"
check "example needs libdmaadd.so.1" \
	bash -c "readelf -d '$ex/shared/add' | grep -q 'NEEDED.*\[libdmaadd.so.1\]'"
check "example binds versioned symbols (dmaadd_device_add_i32@LIBDMAADD_1)" \
	bash -c "readelf --dyn-syms -W '$ex/shared/add' | grep -q 'dmaadd_device_add_i32@LIBDMAADD_1'"
# Loads and runs against the staged library; no device there, so it must
# say so and fail (exit 1), not crash or miss a symbol.
out=$(LD_LIBRARY_PATH="$stage/usr/lib" LD_BIND_NOW=1 \
	"$ex/shared/add" /nonexistent/dmaadd0 2>&1) && rc=0 || rc=$?
if [ "$rc" = 1 ] && [[ $out == "/nonexistent/dmaadd0: No such file or directory" ]]; then
	result ok "example runs with the staged library (no device: exit 1)"
else
	result fail "example runs with the staged library (no device: exit 1)" \
		"exit $rc: $out"
fi
check "example links statically (STATIC=1: pkg-config --static)" \
	env "${export_pc[@]}" make -C userspace/examples O="$ex/static" STATIC=1
check "static example has no interpreter" \
	bash -c "! readelf -l '$ex/static/add' | grep -q 'program interpreter'"

check "make uninstall DESTDIR=... PREFIX=/usr" \
	make "${make_args[@]}" uninstall DESTDIR="$stage" PREFIX=/usr
left=$(find "$stage" \( -type f -o -type l \) | sed "s|^$stage/||")
if [ -z "$left" ]; then
	result ok "uninstall left no file behind"
else
	result fail "uninstall left no file behind" "$left"
fi

# --- the default PREFIX (/usr/local) ------------------------------------------
stage=$work/local-stage
check "make install DESTDIR=... (default PREFIX /usr/local)" \
	make "${make_args[@]}" install DESTDIR="$stage"
check "files under usr/local, udev rule and module where udev and kmod look" \
	test -f "$stage/usr/local/lib/libdmaadd.so.$libver" -a \
	     -f "$stage/usr/local/include/linux/dmaadd.h" -a \
	     -f "$stage/usr/local/bin/dmaadd" -a \
	     -f "$stage/usr/local/share/man/man3/libdmaadd.3" -a \
	     -f "$stage/usr/local/share/bash-completion/completions/dmaadd" -a \
	     -f "$stage/lib/udev/rules.d/60-dmaadd.rules" -a \
	     -f "$stage/lib/modules/$krel/extra/dmaadd.ko"
check "libdmaadd.pc says prefix=/usr/local" \
	grep -qx 'prefix=/usr/local' "$stage/usr/local/lib/pkgconfig/libdmaadd.pc"
flags=$(PKG_CONFIG_PATH='' PKG_CONFIG_LIBDIR="$stage/usr/local/lib/pkgconfig" \
	PKG_CONFIG_SYSROOT_DIR="$stage" pkg-config --cflags --libs libdmaadd 2>&1 || true)
flags=$(tr -s ' \n' '  ' <<<"$flags")
flags=${flags% }
want="-I$stage/usr/local/include -L$stage/usr/local/lib -ldmaadd"
if [ "$flags" = "$want" ]; then
	result ok "pkg-config (PREFIX /usr/local): $want"
else
	result fail "pkg-config (PREFIX /usr/local)" "got:  $flags" "want: $want"
fi
check "make uninstall DESTDIR=... (default PREFIX)" \
	make "${make_args[@]}" uninstall DESTDIR="$stage"
left=$(find "$stage" \( -type f -o -type l \) | sed "s|^$stage/||")
if [ -z "$left" ]; then
	result ok "uninstall (default PREFIX) left no file behind"
else
	result fail "uninstall (default PREFIX) left no file behind" "$left"
fi

echo "install-check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
