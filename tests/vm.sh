#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmaadd QEMU guest test harness. Kernel modules are never loaded on the host:
# every kernel-side test runs in a throw-away QEMU/TCG guest booting the
# Debian kernel the module was built for, from a busybox initramfs.
#
# Usage (from anywhere; works on the repository this script lives in):
#   tests/vm.sh check [CONFIG...]  the whole suite (README's test command):
#                                  check-host, then every CONFIG (default:
#                                  all) on Debian's 6.1, on Debian's 6.12
#                                  and on the debug kernel; one closing
#                                  line for all of them. Guests run two
#                                  at a time: 6.1 then 6.12 in one lane,
#                                  the debug kernel in the other
#   tests/vm.sh check-host         build, then the host checks alone
#                                  (library unit tests, W=1, sparse and DKMS
#                                  builds for 6.1 and 6.12, Debian packages,
#                                  checkpatch, uapi doc, staged install)
#   tests/vm.sh check-stock [CONFIG...]
#                                  check-host, then for each CONFIG (default:
#                                  all) boot Debian's kernel of
#                                  DMAADD_KSERIES, insmod dmaadd.ko, run
#                                  every executable in build/tests/, rmmod,
#                                  check the kernel log
#   tests/vm.sh check-debug [CONFIG...]
#                                  the same guests on the debug kernel,
#                                  built once from linux-source-6.12 with
#                                  tests/vm/debug.config (KASAN, lockdep,
#                                  DMA-API debug, kmemleak, fault injection,
#                                  KUnit, udmabuf, dma-heaps, vgem) and
#                                  tests/vm/debug-rt.config (PREEMPT_RT);
#                                  cached in ~/.cache/dmaadd, about 5
#                                  minutes to build the first time
#   tests/vm.sh check-packages [CONFIG]
#                                  `dmaadd info` and `dmaadd demo` in one
#                                  guest (default: direct) from the Debian
#                                  packages: the tool and libdmaadd.so.1 as
#                                  `make check-deb` installed them into a
#                                  bookworm root (build/deb-root), the
#                                  module built by DKMS from the packaged
#                                  sources (check runs it after 6.12)
#   tests/vm.sh demo [CONFIG]      build, boot one guest (default: direct) and
#                                  run `dmaadd info` and `dmaadd demo`
#   tests/vm.sh bench [CONFIG...]  build, then for each CONFIG (default: all)
#                                  boot a guest and run `dmaadd info` and
#                                  dmaadd_bench (copy path vs zero copy vs
#                                  user memory vs dma-buf vs CPU, per-job
#                                  overhead, live buffers, targets; also
#                                  runs the example userspace/examples/add.c
#                                  built against a staged install); the
#                                  output is also in <config>/bench.txt, its
#                                  "csv," lines in <config>/bench.csv, and
#                                  with gnuplot installed a plot in
#                                  <config>/bench.png (docs/bench.md)
#   tests/vm.sh shell [CONFIG]     build, boot one guest with an interactive
#                                  shell on the serial console (module loaded;
#                                  `exit` powers off, Ctrl-A x kills QEMU)
#
# CONFIGs (DMA setups), each a full boot and a full run:
#   direct   no IOMMU (dma-direct)
#   iommu    -device intel-iommu,caching-mode=on; intel_iommu=on iommu.strict=1
#   swiotlb  swiotlb=force (every streaming mapping bounces)
#
# Output: one line per kernel and config, "6.1-direct: 57 passed, 0 failed,
# 1 skipped (boot+suite 48 s)" ("6.12-iommu: ...", "debug-rt-swiotlb: ..."
# on the debug kernel), then "N passed, N failed[, N skipped]" over all.
# Artifacts in build/vm/<config>/ (6.12: build/vm-6.12/<config>/, debug
# kernel: build/vm-debug/<config>/):
# kernel.log (ttyS0: full kernel console), tests.log (ttyS1: everything /init
# and the tests print), results.tsv, failures.txt, qemu.cmd, qemu.log; and
# build.log, initramfs.cpio.gz one level up.
#
# Environment knobs:
#   DMAADD_VM_TIMEOUT       seconds per guest before QEMU is killed and the
#                           config fails (default 1200)
#   DMAADD_VM_BOOT_TIMEOUT  seconds for the guest to reach /init; a guest
#                           silent that long is killed and booted again
#                           (default 240; TCG guests hang at boot, rarely)
#   DMAADD_VM_BOOT_ATTEMPTS boots per config before giving up (default 3)
#   DMAADD_VM_MEM           guest memory (default 2G)
#   DMAADD_VM_SMP           guest vCPUs (default 2)
#   DMAADD_VM_PROG_TIMEOUT  seconds per test program inside the guest, then it
#                           is SIGKILLed and counted failed; 0 = none (default)
#   DMAADD_VM_APPEND        extra kernel command line options (all configs)
#   DMAADD_VM_ONLY          comma-separated test programs to run in `check`
#                           (e.g. fence_test,fuzz_test; dmaadd-tool for the
#                           dmaadd commands the docs show; default all)
#   DMAADD_VM_INSMOD_ARGS   module parameters for `insmod dmaadd.ko`
#   DMAADD_VM_MODULES       extra modules loaded first, dependencies resolved
#                           from modules.dep (default "drm vgem")
#   DMAADD_KERNEL           alternative kernel image (e.g. a debug bzImage);
#                           then set DMAADD_KVER (its version) and optionally
#                           DMAADD_MODDIR (its modules, default
#                           /lib/modules/$DMAADD_KVER) and DMAADD_KDIR (its
#                           build tree, default $DMAADD_MODDIR/build)
#   DMAADD_KSERIES          kernel series to build for and boot: 6.1
#                           (default), 6.12 or 6.12-rt (tests/vm/kver.sh
#                           picks the newest installed by prefix; deps.sh
#                           installs it); other series get their own label
#                           ("6.12-direct: ...") and build/vm-<series>/
#   DMAADD_KVER             exact kernel version (default: tests/vm/kver.sh)
#   DMAADD_VM_NO_BUILD=1    skip `make module userspace tests`, use what exists
#   DMAADD_VM_NO_HOST=1     skip the host-side checks of `check` (library unit
#                           tests, warning-free build, checkpatch)
#   DMAADD_KO, DMAADD_CLI, DMAADD_TESTS, DMAADD_BENCH
#                           module, CLI, test directory and benchmark (bench
#                           mode only) to put in the guest (default
#                           ./dmaadd.ko, build/dmaadd, build/tests,
#                           build/dmaadd_bench)
#   DMAADD_VM_OUT           artifact directory (default build/vm)
#   DMAADD_VM_JOBS          kernels whose guests run at the same time in
#                           `check` (1 or 2, default 2)
#   DMAADD_VM_LANE=1        (used by `check`) build only the module, in a
#                           copy under the artifact directory; the library,
#                           tool and tests are already built
#   DMAADD_DEBUG_SERIES, DMAADD_DEBUG_FRAGMENTS
#                           which debug kernel (tests/vm/debug-kernel.sh)
#   QEMU                    QEMU binary (default qemu-system-x86_64)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"

all_configs=(direct iommu swiotlb)
timeout_s=${DMAADD_VM_TIMEOUT:-1200}
boot_timeout_s=${DMAADD_VM_BOOT_TIMEOUT:-240}
boot_attempts=${DMAADD_VM_BOOT_ATTEMPTS:-3}
mem=${DMAADD_VM_MEM:-2G}
smp=${DMAADD_VM_SMP:-2}
prog_timeout=${DMAADD_VM_PROG_TIMEOUT:-0}
extra_modules=${DMAADD_VM_MODULES-drm vgem}
out=${DMAADD_VM_OUT:-$repo/build/vm}
ko=${DMAADD_KO:-$repo/dmaadd.ko}
cli=${DMAADD_CLI:-$repo/build/dmaadd}
testsdir=${DMAADD_TESTS:-$repo/build/tests}
bench=${DMAADD_BENCH:-$repo/build/dmaadd_bench}
example=${DMAADD_EXAMPLE:-$repo/build/example/add}
qemu=${QEMU:-qemu-system-x86_64}

usage() {
	sed -n '/^# Usage/,/^# Output/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

mode=${1:-}
[ $# -gt 0 ] && shift
label=
case $mode in
check)
	# The whole matrix (README's test command, .ci/run): check-host, then
	# the guests of each kernel, two kernels at a time (DMAADD_VM_JOBS):
	# Debian's 6.1 and 6.12 one after the other in one lane, the debug
	# kernel (6.12, PREEMPT_RT) in the other. Each prints its own lines,
	# labelled with its kernel; the last line sums them all.
	rc=0 sum_p=0 sum_f=0 sum_s=0
	mkdir -p "$out"
	sum_log() {	# LOG: add its closing line to the sums
		local last
		last=$(tail -n 1 "$1")
		if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
			sum_p=$((sum_p + BASH_REMATCH[1]))
			sum_f=$((sum_f + BASH_REMATCH[2]))
			sum_s=$((sum_s + ${BASH_REMATCH[4]:-0}))
		else
			echo "vm.sh: $(basename "$1" .log) ended without a closing line"
			sum_f=$((sum_f + 1))
			rc=1
		fi
	}
	"$0" check-host 2>&1 | tee "$out/check-host.log" || rc=1
	sum_log "$out/check-host.log"
	# Every kernel is installed or built before the first guest boots, so
	# that the lanes only run guests: 6.12's image and headers (deps.sh),
	# the debug kernel (built once, cached; its progress on stderr).
	DMAADD_KSERIES=6.12 bash "$here/vm/deps.sh" || rc=1
	t0=$SECONDS
	if dbg=$(bash "$here/vm/debug-kernel.sh"); then
		echo "debug kernel: $(cat "$dbg/../kernelrelease") ($dbg, ready in $((SECONDS - t0)) s)"
	else
		echo "vm.sh: the debug kernel did not build (tests/vm/debug-kernel.sh)"
		rc=1
	fi
	lane_run() {	# NAME ENV...: one kernel's guests, output also in NAME.log
		local name=$1
		shift
		# A chosen artifact directory gets one subdirectory per kernel.
		[ -z "${DMAADD_VM_OUT:-}" ] || set -- "$@" DMAADD_VM_OUT="$out/$name"
		env DMAADD_VM_NO_HOST=1 DMAADD_VM_LANE=1 "$@" "$0" "$kind" "${cfgs[@]}" \
			2>&1 | tee "$out/check-$name.log"
	}
	cfgs=("$@")
	jobs=${DMAADD_VM_JOBS:-2}
	t0=$SECONDS
	(
		kind=check-stock
		# A kernel with failures must not stop the lane (set -e):
		# each reports, the closing lines are summed below.
		lane_run 6.1 DMAADD_KSERIES=6.1 DMAADD_KVER= || true
		lane_run 6.12 DMAADD_KSERIES=6.12 DMAADD_KVER= || true
		# The demo from the packages check-host built and installed.
		env DMAADD_VM_NO_HOST=1 DMAADD_KSERIES=6.1 DMAADD_KVER= \
			${DMAADD_VM_OUT:+DMAADD_VM_OUT="$out/packages"} \
			"$0" check-packages 2>&1 | tee "$out/check-packages.log" || true
		[ "$jobs" -gt 1 ] || { kind=check-debug; lane_run debug || true; }
	) &
	lane1=$!
	if [ "$jobs" -gt 1 ]; then
		( kind=check-debug; lane_run debug || true ) &
		lane2=$!
		wait "$lane2" || true
	fi
	wait "$lane1" || true
	echo "guests: $((SECONDS - t0)) s ($jobs at a time)"
	for name in 6.1 6.12 packages debug; do
		sum_log "$out/check-$name.log"
	done
	[ "$sum_f" -eq 0 ] || rc=1
	line="$sum_p passed, $sum_f failed"
	[ "$sum_s" -gt 0 ] && line+=", $sum_s skipped"
	echo "$line"
	exit "$rc"
	;;
check-packages)
	# `dmaadd info` and `dmaadd demo` from the Debian packages: the tool
	# and libdmaadd.so.1 as `make check-deb` installed them into a clean
	# bookworm root (build/deb-root), and the module that DKMS builds
	# from the packaged sources for the guest's kernel.
	[ $# -le 1 ] || { usage >&2; exit 2; }
	mode=demo
	pkg_check=1
	configs=("${1:-direct}")
	[ -n "${DMAADD_VM_OUT:-}" ] || out=$repo/build/vm-packages
	;;
check-host)
	# Build, then the host checks alone (no guest).
	mode=check
	no_guests=1
	configs=()
	;;
check-debug)
	# The same suite on the debug kernel of tests/vm/debug.config (KASAN,
	# lockdep, DMA-API debug, kmemleak, ...; built once and cached). Its
	# drm/vgem, udmabuf and dma-heaps are built in.
	dbg_build=$(bash "$here/vm/debug-kernel.sh")
	export DMAADD_KERNEL=$dbg_build/arch/x86/boot/bzImage
	DMAADD_KVER=$(cat "$dbg_build/../kernelrelease")
	export DMAADD_KVER
	export DMAADD_KDIR=$dbg_build
	export DMAADD_MODDIR=$dbg_build
	extra_modules=${DMAADD_VM_MODULES-}
	[ -n "${DMAADD_VM_OUT:-}" ] || out=$repo/build/vm-debug
	label=debug-
	grep -q '^CONFIG_PREEMPT_RT=y' "$dbg_build/.config" && label=debug-rt-
	is_debug=1
	mode=check
	# debug-rt-direct runs without kmemleak: its own metadata allocations
	# take part in robust_test's fail-nth injection, and one failing
	# switches it off for good. iommu and swiotlb keep it.
	debug_direct_append="kmemleak=off"
	configs=("$@")
	[ ${#configs[@]} -gt 0 ] || configs=("${all_configs[@]}")
	;;
check-stock)
	mode=check
	configs=("$@")
	[ ${#configs[@]} -gt 0 ] || configs=("${all_configs[@]}")
	;;
bench)
	configs=("$@")
	[ ${#configs[@]} -gt 0 ] || configs=("${all_configs[@]}")
	;;
demo | shell)
	[ $# -le 1 ] || { usage >&2; exit 2; }
	configs=("${1:-direct}")
	;;
-h | --help | help)
	usage
	exit 0
	;;
*)
	usage >&2
	exit 2
	;;
esac
# Another kernel series than the default 6.1 (DMAADD_KSERIES, see
# tests/vm/kver.sh): its own label and artifacts.
series=$(bash "$here/vm/kver.sh" --series)
if [ "${pkg_check:-0}" = 1 ]; then
	label=packages-
elif [ "${is_debug:-0}" != 1 ]; then
	label=$series-
	[ "$series" = 6.1 ] || [ -n "${DMAADD_VM_OUT:-}" ] || out=$repo/build/vm-$series
fi

for c in "${configs[@]}"; do
	case " ${all_configs[*]} " in
	*" $c "*) ;;
	*) echo "vm.sh: unknown config '$c' (known: ${all_configs[*]})" >&2; exit 2 ;;
	esac
done

mkdir -p "$out"

total_pass=0 total_fail=0 total_skip=0

closing() {
	local s="$total_pass passed, $total_fail failed"
	[ "$total_skip" -gt 0 ] && s+=", $total_skip skipped"
	echo "$s"
}

# --- host dependencies, kernel, build ----------------------------------------
if [ "$mode" = bench ]; then
	bash "$here/vm/deps.sh" bench	# gnuplot for the plot
else
	bash "$here/vm/deps.sh"
fi

if [ -n "${DMAADD_KERNEL:-}" ]; then
	kernel=$DMAADD_KERNEL
	kver=${DMAADD_KVER:?DMAADD_KERNEL needs DMAADD_KVER (the kernel version)}
	moddir=${DMAADD_MODDIR:-/lib/modules/$kver}
	kdir=${DMAADD_KDIR:-$moddir/build}
else
	kver=${DMAADD_KVER:-$(bash "$here/vm/kver.sh")}
	kernel=/boot/vmlinuz-$kver
	moddir=${DMAADD_MODDIR:-/lib/modules/$kver}
	kdir=${DMAADD_KDIR:-/usr/src/linux-headers-$kver}
fi
[ -r "$kernel" ] || { echo "vm.sh: kernel image $kernel missing or unreadable" >&2; exit 1; }

if [ "${pkg_check:-0}" = 1 ]; then
	# DKMS, as the dmaadd-dkms package has it do, in private trees (as
	# tests/install/dkms-check.sh: nothing installed, nothing loaded).
	pkg_root=${DMAADD_DEB_ROOT:-$repo/build/deb-root}
	if [ ! -x "$pkg_root/usr/bin/dmaadd" ]; then
		echo "${label}build: no installed packages in $pkg_root: make check-deb"
		make check-deb >"$out/check-deb.log" 2>&1 </dev/null ||
			{ echo "${label}build: FAILED: make check-deb ($out/check-deb.log)"; total_fail=1; closing; exit 1; }
	fi
	t0=$SECONDS
	pkg_src=$(ls -d "$pkg_root"/usr/src/dmaadd-* | head -n 1)
	pkg_ver=${pkg_src##*/dmaadd-}
	dk=$out/dkms
	rm -rf "$dk"
	mkdir -p "$dk/tree" "$dk/inst"
	dkms_() {
		env sign_file="$dk/no-sign-file" dkms "$@" -m dmaadd -v "$pkg_ver" \
			--sourcetree "$pkg_root/usr/src" --dkmstree "$dk/tree" \
			--installtree "$dk/inst"
	}
	if bash "$here/install/deps.sh" dkms >"$out/build.log" 2>&1 &&
	   dkms_ add >>"$out/build.log" 2>&1 &&
	   dkms_ build -k "$kver" --kernelsourcedir "$kdir" >>"$out/build.log" 2>&1; then
		ko=$(ls "$dk/tree/dmaadd/$pkg_ver/$kver"/*/module/dmaadd.ko* | head -n 1)
		case $ko in
		*.xz) xz -dc "$ko" >"$dk/dmaadd.ko"; ko=$dk/dmaadd.ko ;;
		esac
		echo "${label}build: ok ($((SECONDS - t0)) s, dkms build of dmaadd $pkg_ver from the package for $kver; log $out/build.log)"
	else
		echo "${label}build: FAILED: dkms build of $pkg_src for $kver"
		tail -n 40 "$out/build.log"
		total_fail=1
		closing
		exit 1
	fi
	cli=
elif [ "${DMAADD_VM_LANE:-0}" = 1 ] && [ "${DMAADD_VM_NO_BUILD:-0}" != 1 ]; then
	# One lane of `check`, next to others: the library, tool and tests
	# are built (check-host), the module is built here for this kernel
	# in a copy of its sources, so that lanes never share a build tree.
	t0=$SECONDS
	modsrc=$out/module
	rm -rf "$modsrc"
	mkdir -p "$modsrc"
	cp -r Kbuild kernel uapi "$modsrc/"
	if make -C "$kdir" M="$modsrc" W=1 modules >"$out/build.log" 2>&1 </dev/null; then
		echo "${label}build: ok ($((SECONDS - t0)) s, kernel $kver; log $out/build.log)"
	else
		echo "${label}build: FAILED: make -C $kdir M=$modsrc W=1 modules"
		echo "----- last 60 lines of $out/build.log -----"
		tail -n 60 "$out/build.log"
		total_fail=1
		closing
		exit 1
	fi
	ko=$modsrc/dmaadd.ko
elif [ "${DMAADD_VM_NO_BUILD:-0}" != 1 ]; then
	t0=$SECONDS
	if make -j"$(nproc)" KVER="$kver" KDIR="$kdir" module userspace tests \
		>"$out/build.log" 2>&1 </dev/null; then
		echo "build: ok ($((SECONDS - t0)) s, kernel $kver; log $out/build.log)"
	else
		echo "build: FAILED: make KVER=$kver KDIR=$kdir module userspace tests"
		echo "----- last 60 lines of $out/build.log -----"
		tail -n 60 "$out/build.log"
		if [ "$mode" != shell ]; then
			total_fail=1
			closing
			exit 1
		fi
	fi
	# The example, built as a user builds it (bench, demo): not fatal.
	if [ "$mode" = bench ] || [ "$mode" = demo ]; then
		if make -C "$repo/userspace" example >>"$out/build.log" 2>&1 </dev/null; then
			echo "build: example add.c against a staged install: ok"
		else
			echo "build: example add.c against a staged install: FAILED (see $out/build.log)"
		fi
	fi
fi

# --- host-side checks (check mode): no kernel involved -----------------------
# Library unit tests (TAP), a warning-free module build and checkpatch.
host_result() {	# name pass|fail [detail]
	if [ "$2" = pass ]; then
		host_pass=$((host_pass + 1))
	else
		host_fail=$((host_fail + 1))
		echo "host: FAILED: $1${3:+ ($3)}"
	fi
}

# build_copy NAME KDIR LOG [MAKE-ARGS...]: build the module with W=1 in a
# copy of the sources (the guests' module stays as built); a host result
# NAME that fails on any warning or error.
build_copy() {
	local name=$1 bkdir=$2 log=$3 src
	shift 3
	src=$(mktemp -d "${TMPDIR:-/tmp}/dmaadd-build.XXXXXX")
	cp -r Kbuild kernel uapi "$src/"
	if make -C "$bkdir" M="$src" W=1 "$@" modules >>"$log" 2>&1 </dev/null &&
	   ! grep -qE '(warning|error):' "$log"; then
		host_result "$name" pass
	else
		host_result "$name" fail "$log"
		grep -E '(warning|error):' "$log" | head -n 20
	fi
	rm -rf "$src"
}

if [ "$mode" = check ] && [ "${DMAADD_VM_NO_HOST:-0}" != 1 ]; then
	host_pass=0 host_fail=0
	if make -C userspace check-host >"$out/host-unit.log" 2>&1 </dev/null; then
		unit_rc=0
	else
		unit_rc=$?
	fi
	unit_ok=$(grep -cE '^ok [0-9]+' "$out/host-unit.log" || true)
	unit_bad=$(grep -cE '^not ok [0-9]+' "$out/host-unit.log" || true)
	host_pass=$((host_pass + unit_ok))
	host_fail=$((host_fail + unit_bad))
	if [ "$unit_rc" -ne 0 ] && [ "$unit_bad" -eq 0 ]; then
		host_result "library unit tests" fail "make -C userspace check-host exited $unit_rc"
		tail -n 30 "$out/host-unit.log"
	fi
	if [ "${DMAADD_VM_NO_BUILD:-0}" != 1 ]; then
		if grep -E '(warning|error):' "$out/build.log" >"$out/build-warnings.log"; then
			host_result "build without warnings (W=1)" fail "$out/build-warnings.log"
			head -n 20 "$out/build-warnings.log"
		else
			host_result "build without warnings (W=1)" pass
		fi
	fi
	# The module against the other series' headers too (Debian 13's 6.12,
	# also in bookworm's security archive): warning-free with W=1, built
	# in a copy of the sources so that the guests' module stays as built.
	if [ "$series" = 6.1 ]; then
		other=6.12
	else
		other=6.1
	fi
	other_log=$out/build-$other.log
	: >"$other_log"
	if DMAADD_KSERIES=$other bash "$here/vm/deps.sh" >"$out/deps-$other.log" 2>&1 &&
	   other_kver=$(DMAADD_KSERIES=$other DMAADD_KVER= bash "$here/vm/kver.sh" 2>>"$other_log"); then
		build_copy "build without warnings (W=1) for $other_kver" \
			"/usr/src/linux-headers-$other_kver" "$other_log"
	else
		host_result "build for the $other series" fail "no $other kernel headers: $out/deps-$other.log"
		tail -n 5 "$out/deps-$other.log" "$other_log"
	fi
	# sparse (C=2: every file) against the guest series' headers, in a
	# copy of the sources like the other series' build.
	sparse_log=$out/sparse.log
	: >"$sparse_log"
	if bash "$here/vm/deps.sh" sparse >>"$sparse_log" 2>&1; then
		build_copy "sparse (C=2)" "$kdir" "$sparse_log" C=2
		# ... and against the other series' headers.
		if [ -n "${other_kver:-}" ]; then
			: >"$out/sparse-$other.log"
			build_copy "sparse (C=2) for $other_kver" \
				"/usr/src/linux-headers-$other_kver" \
				"$out/sparse-$other.log" C=2
		fi
	else
		host_result "sparse (C=2)" fail "cannot install sparse: $sparse_log"
	fi
	# The library and the tools need no libdrm-dev (only the tests do).
	nodrm=$(mktemp -d "${TMPDIR:-/tmp}/dmaadd-nodrm.XXXXXX")
	if make -C userspace BUILD="$nodrm" LIBDRM_INC=/nonexistent lib tool bench \
		>"$out/no-libdrm.log" 2>&1 </dev/null && [ -x "$nodrm/dmaadd" ]; then
		host_result "make userspace without libdrm-dev" pass
	else
		host_result "make userspace without libdrm-dev" fail "$out/no-libdrm.log"
		tail -n 20 "$out/no-libdrm.log"
	fi
	rm -rf "$nodrm"
	if tests/checkpatch.sh >"$out/checkpatch.log" 2>&1 </dev/null &&
	   ! grep -qE '(ERROR|WARNING|CHECK):' "$out/checkpatch.log"; then
		host_result "checkpatch --strict" pass
	else
		host_result "checkpatch --strict" fail "$out/checkpatch.log"
		head -n 20 "$out/checkpatch.log"
	fi
	# docs/uapi.md against the header; a staged `make install`; a dkms
	# build in private trees (nothing is installed or loaded here).
	# check-deb: the four Debian packages built in a copy, lintian, and
	# installed into a clean bookworm root (build/deb-root, which
	# check-packages boots).
	for chk in check-docs check-install check-dkms check-deb; do
		if make "$chk" >"$out/$chk.log" 2>&1 </dev/null; then
			host_result "make $chk" pass
		else
			host_result "make $chk" fail "$out/$chk.log"
			tail -n 20 "$out/$chk.log"
		fi
	done
	# DKMS for the other series too (Debian's 6.12 compresses modules:
	# dkms must leave dmaadd.ko.xz there).
	if [ -n "${other_kver:-}" ]; then
		if make check-dkms KVER="$other_kver" >"$out/check-dkms-$other.log" 2>&1 </dev/null; then
			host_result "make check-dkms KVER=$other_kver" pass
		else
			host_result "make check-dkms KVER=$other_kver" fail "$out/check-dkms-$other.log"
			tail -n 20 "$out/check-dkms-$other.log"
		fi
	fi
	echo "host: $host_pass passed, $host_fail failed (library unit tests, W=1 builds, sparse and dkms for 6.1 and 6.12, checkpatch, uapi doc and man pages, install, Debian packages)"
	total_pass=$((total_pass + host_pass))
	total_fail=$((total_fail + host_fail))
fi
if [ "${no_guests:-0}" = 1 ]; then
	closing
	[ "$total_fail" -eq 0 ]
	exit
fi

ntests=0
if [ -d "$testsdir" ]; then
	ntests=$(find "$testsdir" -mindepth 1 -maxdepth 1 -type f -perm -u+x | wc -l)
fi

initrd=$out/initramfs.cpio.gz
bench_args=()
[ "$mode" = bench ] && bench_args=(-b "$bench")
{ [ "$mode" = bench ] || [ "$mode" = demo ]; } && bench_args+=(-e "$example")
[ "${pkg_check:-0}" = 1 ] && bench_args=(-r "$pkg_root")
bash "$here/vm/mkinitramfs.sh" -o "$initrd" -m "$moddir" -K "$ko" -c "$cli" \
	-t "$testsdir" -M "$extra_modules" -p "$prog_timeout" \
	-a "${DMAADD_VM_INSMOD_ARGS:-}" "${bench_args[@]}"

# --- one guest ------------------------------------------------------------------
qemu_pid=
boot_hung=0
cleanup() {
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

qpath() { printf '%s' "${1//,/,,}"; }	# QEMU option values escape "," as ",,"

# run_guest CONFIG MODE: boots, waits (bounded); sets elapsed, timed_out, qemu_rc.
run_guest() {
	local cfg=$1 gmode=$2 dir=$out/$1 append args=() gmem
	rm -rf "$dir"
	mkdir -p "$dir"
	# cryptomgr.notests: the boot-time crypto self-tests only cost time
	# under TCG, and were where a rare TCG text-patching hang struck.
	append="console=ttyS0 ignore_loglevel panic=-1 rdinit=/init cryptomgr.notests"
	append+=" dmaaddvm.mode=$gmode dmaaddvm.cfg=$cfg"
	# swiotlb: allocated buffers are streaming mappings, which hold
	# bounce slots for as long as they exist: the tests' three largest
	# buffers (3 x 256 MiB) need a 1 GiB pool (524288 2-KiB slots), and
	# the guest the memory for both.
	gmem=$mem
	[ "$cfg" = swiotlb ] && [ -z "${DMAADD_VM_MEM:-}" ] && gmem=3G
	args=(-accel tcg -cpu max -machine q35 -smp "$smp" -m "$gmem"
		-nodefaults -no-user-config -display none -vga none -no-reboot
		-kernel "$kernel" -initrd "$initrd")
	case $cfg in
	iommu)
		args+=(-device "intel-iommu,caching-mode=on")
		append+=" intel_iommu=on iommu.strict=1"
		;;
	swiotlb)
		append+=" swiotlb=524288,force"
		;;
	esac
	args+=(-device edu)
	[ "$cfg" = direct ] && [ -n "${debug_direct_append:-}" ] &&
		append+=" $debug_direct_append"
	[ -n "${DMAADD_VM_APPEND:-}" ] && append+=" $DMAADD_VM_APPEND"
	[ -n "${DMAADD_VM_ONLY:-}" ] && append+=" dmaaddvm.only=$DMAADD_VM_ONLY"
	args+=(-append "$append")

	if [ "$gmode" = shell ]; then
		args+=(-serial mon:stdio
			-chardev "file,id=ttyS1,path=$(qpath "$dir/tests.log")" -serial chardev:ttyS1)
		printf '%q ' "$qemu" "${args[@]}" > "$dir/qemu.cmd"
		echo "shell ($cfg): Ctrl-A x quits QEMU; ttyS1 goes to $dir/tests.log"
		"$qemu" "${args[@]}"
		return
	fi

	args+=(-chardev "file,id=ttyS0,path=$(qpath "$dir/kernel.log")" -serial chardev:ttyS0
		-chardev "file,id=ttyS1,path=$(qpath "$dir/tests.log")" -serial chardev:ttyS1)
	printf '%q ' "$qemu" "${args[@]}" > "$dir/qemu.cmd"
	echo >> "$dir/qemu.cmd"

	local start=$SECONDS
	"$qemu" "${args[@]}" </dev/null >"$dir/qemu.log" 2>&1 &
	qemu_pid=$!
	timed_out=0
	boot_hung=0
	while kill -0 "$qemu_pid" 2>/dev/null; do
		# /init writes to ttyS1 within seconds of boot; silence past the
		# boot timeout is a guest that never got there (a TCG hang).
		if [ ! -s "$dir/tests.log" ] &&
		   [ $((SECONDS - start)) -ge "$boot_timeout_s" ]; then
			boot_hung=1
			kill -KILL "$qemu_pid" 2>/dev/null || true
			break
		fi
		if [ $((SECONDS - start)) -ge "$timeout_s" ]; then
			timed_out=$timeout_s
			kill -TERM "$qemu_pid" 2>/dev/null || true
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$qemu_pid" 2>/dev/null || break
				sleep 0.5
			done
			kill -KILL "$qemu_pid" 2>/dev/null || true
			break
		fi
		sleep 0.5
	done
	qemu_rc=0
	{ wait "$qemu_pid"; } 2>/dev/null || qemu_rc=$?
	qemu_pid=
	elapsed=$((SECONDS - start))
	touch "$dir/kernel.log" "$dir/tests.log"
}

# tcg_int3_oops DIR: the guest died of an "Oops: int3". The kernel patches
# its text with int3 breakpoints (text_poke_bp(): a tracepoint's static
# key and static call, flipped when tracing starts or stops, and the
# sched_wakeup hook that records task names), and QEMU's multi-threaded
# TCG can run the breakpoint on another vCPU after it was removed: the
# trap finds no patch in progress and oopses (seen on 6.12 while
# trace_test switched its events: in ttwu_do_activate(), and in
# dmaadd_job_complete() at its tracepoint). Nothing else in the guest
# executes int3 (dmaadd has no kprobes; BUG and WARN are ud2): an
# emulator race, not a driver bug. The config boots again, once, and says
# so; trace_test now switches tracing only at its start and end.
tcg_int3_oops() {
	grep -aq 'Oops: int3' "$1/kernel.log"	# no pipe: pipefail and grep -q
}

# Show the guest's ttyS1 output without markers (demo, bench).
show_output() {
	awk '{
		sub(/\r+$/, ""); gsub(/\r/, "")
		i = index($0, "@@DMAADD-")
		if (i == 0) { print; next }
		if (i > 1) print substr($0, 1, i - 1)
		m = substr($0, i)
		if (m ~ /^@@DMAADD-BEGIN dmaadd-/) { sub(/^@@DMAADD-BEGIN dmaadd-/, "", m); print "$ dmaadd " m }
		else if (m ~ /^@@DMAADD-BEGIN /) { sub(/^@@DMAADD-BEGIN /, "", m); print "$ " m }
		else if (m ~ /^@@DMAADD-END /) { n = split(m, f, " "); if (f[n] != "rc=0") print "(" f[n] ")" }
	}' "$1"
}

# bench_plot DIR: DIR/bench.png from DIR/bench.csv, if gnuplot is installed
# (time in the add call per array size, one line per path, log-log).
bench_plot() {
	local dir=$1 p f
	command -v gnuplot >/dev/null 2>&1 || {
		echo "bench: no plot (gnuplot is not installed); numbers in $dir/bench.csv"
		return 0
	}
	local -a plots=()
	for p in zero-copy copy userptr-pin userptr dma-buf cpu; do
		f=$dir/bench-$p.dat
		awk -F, -v p="$p" '$1 == "size" && $3 == p && $8 == "ok" { print $2, $5 }' \
			"$dir/bench.csv" > "$f"
		[ -s "$f" ] && plots+=("'$f' using 1:2 with linespoints title '$p'")
	done
	[ ${#plots[@]} -gt 0 ] || return 0
	if gnuplot <<-EOF >/dev/null 2>&1
		set terminal png size 900,600
		set output '$dir/bench.png'
		set title 'dmaadd: time in the add call per array size (TCG, not hardware)'
		set logscale xy
		set xlabel 'bytes per array'
		set ylabel 'ns'
		set key left top
		plot $(IFS=,; echo "${plots[*]}")
	EOF
	then
		echo "bench: plot in $dir/bench.png"
	else
		echo "bench: gnuplot failed; no plot"
	fi
}

# evaluate CONFIG MODE: parse logs, print the config line and failure details.
evaluate() {
	local cfg=$1 gmode=$2 dir=$out/$1 klog p f s what
	awk -v results="$dir/results.tsv" -v blocks="$dir/failures.txt" \
		-v timeout="$timed_out" -f "$here/vm/parse.awk" "$dir/tests.log"

	if klog=$(bash "$here/vm/klog-check.sh" "$dir/kernel.log"); then
		printf 'PASS\tkernel log clean\t\n' >> "$dir/results.tsv"
	else
		printf 'FAIL\tkernel log clean\t\n' >> "$dir/results.tsv"
		printf -- '----- kernel log clean (%s) -----\n%s\n' "$dir/kernel.log" "$klog" \
			>> "$dir/failures.txt"
	fi
	# The debug kernel has KUnit built in, so the module carries its KUnit
	# suites (Kbuild) and they must have reported.
	if [ "${is_debug:-0}" = 1 ] && [ "$gmode" = check ] &&
	   ! grep -q $'\tkunit: ' "$dir/results.tsv"; then
		printf 'FAIL\tKUnit suites ran at insmod (no result in the log)\t\n' \
			>> "$dir/results.tsv"
	fi
	if [ "$gmode" = check ] && [ "$ntests" -eq 0 ]; then
		printf 'FAIL\ttest programs present (no executable in %s)\t\n' "$testsdir" \
			>> "$dir/results.tsv"
	fi

	p=$(grep -c '^PASS' "$dir/results.tsv" || true)
	f=$(grep -c '^FAIL' "$dir/results.tsv" || true)
	s=$(grep -c '^SKIP' "$dir/results.tsv" || true)
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))

	if [ "$gmode" = demo ]; then
		show_output "$dir/tests.log"
		what=demo
	elif [ "$gmode" = bench ]; then
		show_output "$dir/tests.log" | grep -v '^csv,' | tee "$dir/bench.txt"
		show_output "$dir/tests.log" | sed -n 's/^csv,//p' > "$dir/bench.csv"
		bench_plot "$dir"
		what=bench
	else
		what=suite
	fi
	echo "$label$cfg: $p passed, $f failed, $s skipped (boot+$what $elapsed s)"
	# Where the time went: the slowest programs.
	slow=$(tr -d '\r' < "$dir/tests.log" |
		sed -n 's/^@@DMAADD-TIME \([^ ]*\) \([0-9.]*\) s$/\2 \1/p' |
		sort -rn | head -n 4 | awk '{ printf "%s%s %s s", (NR > 1 ? ", " : ""), $2, $1 }')
	[ -n "$slow" ] && echo "$label$cfg: slowest: $slow"
	# Extra modules that did not load are reported, not counted.
	tr -d '\r' < "$dir/tests.log" |
		sed -n "s/^@@DMAADD-INFO \(insmod .* failed\)$/$label$cfg: note: \1/p"
	[ "$f" -eq 0 ] && return 0

	echo "$label$cfg: FAILED:"
	awk -F '\t' '$1 == "FAIL" { print "  " $2 }' "$dir/results.tsv"
	if [ -s "$dir/failures.txt" ]; then
		echo "===== $label$cfg: output of failed tests ====="
		cat "$dir/failures.txt"
	fi
	if [ "$qemu_rc" -ne 0 ] && [ "$timed_out" = 0 ]; then
		echo "===== $label$cfg: QEMU exited with status $qemu_rc ($dir/qemu.log) ====="
		tail -n 20 "$dir/qemu.log"
	fi
	echo "===== $label$cfg: last 40 lines of $dir/tests.log ====="
	tail -n 40 "$dir/tests.log" | tr -d '\r'
	echo "===== $label$cfg: last 60 lines of $dir/kernel.log ====="
	tail -n 60 "$dir/kernel.log" | tr -d '\r'
	echo "===== $label$cfg: end (artifacts in $dir) ====="
}

echo "vm: kernel $kver ($kernel), ${#configs[@]} config(s): ${configs[*]}," \
     "timeout ${timeout_s} s each"

if [ "$mode" = shell ]; then
	run_guest "${configs[0]}" shell
	exit 0
fi

for cfg in "${configs[@]}"; do
	echo "$label$cfg: booting ..."
	int3_retried=0
	for attempt in $(seq 1 "$boot_attempts"); do
		run_guest "$cfg" "$mode"
		if [ "$boot_hung" != 1 ]; then
			if [ "$int3_retried" = 0 ] && [ "$attempt" -lt "$boot_attempts" ] &&
			   tcg_int3_oops "$out/$cfg"; then
				int3_retried=1
				rm -rf "$out/$cfg.tcg-int3"
				mv "$out/$cfg" "$out/$cfg.tcg-int3"
				echo "$label$cfg: the guest died of an int3 trap" \
				     "(TCG and kernel text patching; $out/$cfg.tcg-int3/kernel.log);" \
				     "booting again, once"
				continue
			fi
			break
		fi
		rm -rf "$out/$cfg.boot-hang-$attempt"
		mv "$out/$cfg" "$out/$cfg.boot-hang-$attempt"
		echo "$label$cfg: the guest did not reach /init within $boot_timeout_s s" \
		     "(kernel log: $out/$cfg.boot-hang-$attempt/kernel.log)"
		if [ "$attempt" -lt "$boot_attempts" ]; then
			echo "$label$cfg: booting again ($((attempt + 1)) of $boot_attempts)"
		else
			mv "$out/$cfg.boot-hang-$attempt" "$out/$cfg"
			echo "$label$cfg: giving up after $boot_attempts boots"
		fi
	done
	evaluate "$cfg" "$mode"
done

if [ "$mode" = check ] || [ "${pkg_check:-0}" = 1 ]; then
	closing
fi
[ "$total_fail" -eq 0 ]
