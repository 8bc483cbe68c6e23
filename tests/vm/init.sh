#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the dmaadd test guest (busybox sh), installed by mkinitramfs.sh.
#
# Kernel command line: dmaaddvm.mode=check|demo|bench|shell dmaaddvm.cfg=NAME
# ttyS0 is the kernel console; all output of this script and of the programs
# it runs goes to ttyS1, framed by markers the host parses (tests/vm/parse.awk):
#   @@DMAADD-BEGIN name / @@DMAADD-END name rc=N     one program
#   @@DMAADD-RESULT ok|fail|skip name               one extra test result
#   @@DMAADD-INFO text                              informational
#   @@DMAADD-DONE                                   reached the end
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/shm /dev/pts
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug

mode=check
cfg=unknown
only=		# comma-separated test programs to run (default: all)
read -r cmdline < /proc/cmdline
for w in $cmdline; do
	case $w in
	dmaaddvm.mode=*) mode=${w#*=} ;;
	dmaaddvm.cfg=*) cfg=${w#*=} ;;
	dmaaddvm.only=*) only=${w#*=} ;;
	esac
done

PROG_TIMEOUT=0
INSMOD_ARGS=
# shellcheck source=/dev/null
[ -f /etc/dmaadd/vm.conf ] && . /etc/dmaadd/vm.conf

if [ "$mode" != shell ]; then
	if [ -c /dev/ttyS1 ]; then
		exec </dev/null >/dev/ttyS1 2>&1
	else
		exec </dev/null
		echo "init: /dev/ttyS1 missing, writing to the console"
	fi
fi

mark() { echo "@@DMAADD-$*"; }

mark "INFO cfg=$cfg mode=$mode kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"

# DMA-API debugging (debug kernels only): report every error, not just the first.
[ -w /sys/kernel/debug/dma-api/all_errors ] && echo 1 > /sys/kernel/debug/dma-api/all_errors
# kmemleak (debug kernels only): forget what boot left, report what the suite leaks.
[ -w /sys/kernel/debug/kmemleak ] && echo clear > /sys/kernel/debug/kmemleak

# Extra modules (drm, vgem, ...) in dependency order; failures are only reported.
if [ -s /etc/dmaadd/modules ]; then
	while read -r m; do
		[ -n "$m" ] || continue
		if ! out=$(insmod "/lib/modules/$m" 2>&1); then
			[ -n "$out" ] && echo "$out"
			mark "INFO insmod $m failed"
		fi
	done < /etc/dmaadd/modules
fi

loaded=0
out=
# shellcheck disable=SC2086 # INSMOD_ARGS is a list of module parameters
if [ -f /dmaadd.ko ] && out=$(insmod /dmaadd.ko $INSMOD_ARGS 2>&1); then
	[ -n "$out" ] && echo "$out"
	mark "RESULT ok insmod dmaadd"
	loaded=1
	# KUnit suites compiled into the module (kernels with KUnit built in,
	# see Kbuild) ran during insmod: one result per test case.
	dmesg | sed 's/^\[[^]]*\] //' | awk '
		/^    # Subtest: dmaadd_/ { suite = $3; next }
		suite != "" && /^    (not )?ok [0-9]+ / {
			st = ($1 == "not") ? "fail" : "ok"
			name = $0
			sub(/^ *(not )?ok [0-9]+ (- )?/, "", name)
			if (name ~ /# SKIP/) st = "skip"
			sub(/ *#.*$/, "", name)
			print "@@DMAADD-RESULT " st " kunit: " suite "." name
			next
		}
		/^(not )?ok [0-9]+ / { suite = "" }'
else
	[ -n "$out" ] && echo "$out"
	[ -f /dmaadd.ko ] || echo "init: /dmaadd.ko is missing from the initramfs"
	mark "RESULT fail insmod dmaadd"
fi

uptime_cs() { # uptime in centiseconds
	read -r up _ < /proc/uptime
	echo "${up%.*}${up#*.}"
}

wanted() { # name: in dmaaddvm.only=, or no list given
	case ",${only:-$1}," in
	*",$1,"*) return 0 ;;
	esac
	return 1
}

run() { # name cmd...
	name=$1
	shift
	mark "BEGIN $name"
	t0=$(uptime_cs)
	# The kernel log says which program a report came from.
	echo "dmaaddvm: running $name" > /dev/kmsg
	if [ "$PROG_TIMEOUT" -gt 0 ] 2>/dev/null; then
		(cd /tmp && exec timeout -s KILL "$PROG_TIMEOUT" "$@")
	else
		(cd /tmp && exec "$@")
	fi
	rc=$?
	t1=$(uptime_cs)
	echo "dmaaddvm: $name exited $rc" > /dev/kmsg
	mark "TIME $name $(((t1 - t0) / 100)).$(((t1 - t0) % 100 / 10)) s"
	mark "END $name rc=$rc"
}

# The kernel oopsed or hung: nothing after it says anything, and every
# later program would only wait out its own timeout.
OOPS_RE='Oops:|kernel BUG at|BUG: unable to handle|general protection fault|Kernel panic|watchdog: BUG: soft lockup|self-detected stall|INFO: task .* blocked for more than'
broken=
check_oops() { # name of the program that just ran
	[ -z "$broken" ] || return 0
	if dmesg | grep -qE "$OOPS_RE"; then
		broken=$1
		mark "RESULT fail kernel oops or hang during $1 (see kernel.log): stopping here"
	fi
}
not_run() { # name: report a program left out after an oops
	mark "RESULT fail $1 not run: kernel oops or hang during $broken"
}

case $mode in
check)
	if [ $loaded = 1 ]; then
		# failnth_test last: failing allocations of the kernel's own
		# debugging facilities (DMA-API debug) switches them off.
		for t in /tests/*; do
			if [ ! -f "$t" ] || [ ! -x "$t" ] ||
			   [ "${t##*/}" = failnth_test ]; then
				continue
			fi
			wanted "${t##*/}" || continue
			if [ -n "$broken" ]; then
				not_run "${t##*/}"
				continue
			fi
			run "${t##*/}" "$t"
			check_oops "${t##*/}"
		done
		# The commands README and docs/dma-from-userspace.md show
		# (bench has its own mode): each must exit 0.
		if [ -n "$broken" ]; then
			not_run "the dmaadd tool commands and failnth_test"
		elif wanted dmaadd-tool && [ -x /dmaadd ]; then
			run dmaadd-info /dmaadd info
			run dmaadd-demo /dmaadd demo
			run dmaadd-share /dmaadd share
			run dmaadd-explain /dmaadd explain
			run dmaadd-explain-device-1 /dmaadd explain --device 1
			run dmaadd-explain-alloc-8M /dmaadd explain --alloc --size 8M
		fi
		if [ -z "$broken" ] && [ -x /tests/failnth_test ] &&
		   wanted failnth_test; then
			run failnth_test /tests/failnth_test
		fi
		# Jobs of a process that exited or was killed still run to
		# completion, and hold their file and so the module: under
		# swiotlb on the debug kernel a big one takes seconds. Give
		# them a bounded time; a leak still fails.
		waited=0 unloaded=1
		until out=$(rmmod dmaadd 2>&1); do
			if [ "$waited" -ge 60 ] ||
			   ! grep -q '^dmaadd ' /proc/modules; then
				unloaded=0
				break
			fi
			sleep 1
			waited=$((waited + 1))
		done
		if [ "$unloaded" = 1 ]; then
			[ "$waited" -eq 0 ] ||
				echo "rmmod dmaadd: waited $waited s for jobs still running"
			mark "RESULT ok rmmod dmaadd"
		else
			[ -n "$out" ] && echo "$out"
			# What still holds the module: jobs on the device,
			# files, buffers; and who is blocked where.
			grep dmaadd /proc/modules
			for d in /sys/kernel/debug/dmaadd/*/; do
				echo "== $d"
				cat "$d/stats" "$d/clients" 2>&1
			done
			echo w > /proc/sysrq-trigger 2>/dev/null
			mark "RESULT fail rmmod dmaadd"
		fi
	fi
	# Leak scan (debug kernels with kmemleak only): what boot leaked was
	# cleared before the tests; objects must be >5 s old to be reported.
	if [ -w /sys/kernel/debug/kmemleak ] &&
	   ! echo scan 2>/dev/null > /sys/kernel/debug/kmemleak; then
		mark "RESULT skip kmemleak scan after the suite (kmemleak off)"
	elif [ -w /sys/kernel/debug/kmemleak ]; then
		sleep 6
		echo scan > /sys/kernel/debug/kmemleak
		leaks=$(cat /sys/kernel/debug/kmemleak)
		if [ -z "$leaks" ]; then
			mark "RESULT ok kmemleak scan after the suite"
		else
			echo "$leaks" | head -n 200
			mark "RESULT fail kmemleak scan after the suite"
		fi
	fi
	;;
demo)
	if [ $loaded = 1 ]; then
		run dmaadd-info /dmaadd info
		run dmaadd-demo /dmaadd demo
		[ -x /add ] && run example-add /add
		# Installed from the packages (check-packages): `dmaadd bench`
		# finds dmaadd_bench next to itself.
		if [ -L /dmaadd ] && [ -x /usr/bin/dmaadd_bench ]; then
			run dmaadd-bench-installed /dmaadd bench --sizes 4K --time 50
		fi
	fi
	;;
bench)
	if [ $loaded = 1 ]; then
		run dmaadd-info /dmaadd info
		# userspace/examples/add.c, built with pkg-config against a
		# staged install (make -C userspace example)
		[ -x /add ] && run example-add /add
		if [ -x /dmaadd_bench ]; then
			# Quiet, then again with a busy process on every CPU.
			# Under the iommu config only the PCI device (dmaadd1)
			# sits behind the IOMMU: bench that one there.
			bdev=0
			[ "$cfg" = iommu ] && [ -c /dev/dmaadd1 ] && bdev=1
			run dmaadd_bench /dmaadd_bench --busy --device $bdev
		else
			echo "init: /dmaadd_bench is missing from the initramfs"
			mark "RESULT fail dmaadd_bench present"
		fi
	fi
	;;
shell)
	echo
	echo "dmaadd guest shell (cfg=$cfg); dmaadd.ko loaded=$loaded; tests in /tests."
	echo "Leave with 'exit' (powers off) or Ctrl-A x."
	setsid cttyhack sh -l
	;;
esac

mark DONE
poweroff -f
