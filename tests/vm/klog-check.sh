#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# klog-check.sh KERNEL_LOG: print the lines of a guest kernel console log that
# show a kernel problem (at most 40, with line numbers); exit 1 if there are
# any, 0 if the log is clean.
#
# "module verification failed" (unsigned out-of-tree module taint) is normal.
# Besides the usual splats, "Call Trace:" and "page allocation failure" count:
# a failed high-order allocation without __GFP_NOWARN prints only those.
# Lockdep's reports start with "WARNING:" or "BUG:"; its boot banner
# ("RCU lockdep checking is enabled") is not one.
set -euo pipefail

log=$1
[ -f "$log" ] || { echo "klog-check: $log missing"; exit 1; }

bad='WARNING:|BUG:|Oops|KASAN|DMA-API:|possible recursive locking|possible circular locking'
bad+='|DEBUG_LOCKS_WARN_ON|lockdep is turned off|kmemleak:.*suspected memory leak'
bad+='|general protection fault|Kernel panic'
bad+='|UBSAN|INFO: task .* blocked|refcount_t:|list_add corruption|list_del corruption'
bad+='|Call Trace:|page allocation failure'

# Benign lines: the command line echo (it may name debug options) and the
# DMA-API debug banner of debug kernels.
ok='Kernel command line:|Command line:|DMA-API: preallocated [0-9]+ debug entries'
ok+='|DMA-API: debugging enabled by kernel config'

# failnth_test fails the kernel's allocations one by one, DMA-API debug's
# own among them, which then switches itself off with one line: accepted
# inside that program's run only.
failnth_ok='DMA-API: cacheline tracking ENOMEM, dma-debug disabled'

hits=$(tr -d '\r' < "$log" |
	awk -v ok="$failnth_ok" '
		/dmaaddvm: running failnth_test/ { in_failnth = 1 }
		/dmaaddvm: failnth_test exited/ { in_failnth = 0 }
		{ if (in_failnth && index($0, ok)) print ""; else print }' |
	grep -anE "$bad" | grep -vE "$ok" || true)
[ -z "$hits" ] && exit 0
printf '%s\n' "$hits" | head -n 40
exit 1
