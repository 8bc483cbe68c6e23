#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The dmaadd tool and dmaadd_bench on the host, without a device: exit
# statuses, what goes to stdout and what to stderr, messages prefixed with
# the program's name. Checks that need "no device" are skipped where
# /dev/dmaadd* exists (a machine with the module loaded).
#
#   tests/tool-host-test.sh DMAADD DMAADD_BENCH      (make check-host)
#
# Prints TAP; exits 1 if any check fails.
set -euo pipefail

dmaadd=${1:?usage: tool-host-test.sh DMAADD DMAADD_BENCH}
bench=${2:?usage: tool-host-test.sh DMAADD DMAADD_BENCH}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

n=0 failed=0
no_device=true
compgen -G '/dev/dmaadd[0-9]*' >/dev/null && no_device=false

result() {	# ok|fail|skip DESCRIPTION [DETAIL...]
	n=$((n + 1))
	case $1 in
	ok) echo "ok $n $2" ;;
	skip) echo "ok $n $2 # SKIP /dev/dmaadd* exists" ;;
	*)
		echo "not ok $n $2"
		shift 2
		printf '# %s\n' "$@"
		failed=$((failed + 1))
		;;
	esac
}

# expect DESCRIPTION STATUS STDOUT STDERR-FIRST-LINE -- COMMAND...: the
# exit status, the whole of stdout ('*' for anything) and the first line
# of stderr ('' for none, '*' for anything).
expect() {
	local what=$1 status=$2 out=$3 err=$4 rc=0 got_out got_err

	shift 5
	"$@" >"$work/out" 2>"$work/err" </dev/null || rc=$?
	got_out=$(cat "$work/out")
	got_err=$(head -n 1 "$work/err")
	if [ "$rc" = "$status" ] &&
	   { [ "$out" = '*' ] || [ "$got_out" = "$out" ]; } &&
	   { [ "$err" = '*' ] || [ "$got_err" = "$err" ]; }; then
		result ok "$what"
	else
		result fail "$what" "command: $*" \
			"exit status $rc, want $status" \
			"stdout: $got_out" "want:   $out" \
			"stderr: $got_err" "want:   $err"
	fi
}

no_device() {	# like expect, skipped where there are devices
	if $no_device; then
		expect "$@"
	else
		result skip "$1"
	fi
}

echo "TAP version 13"

# --version never fails, device or not.
expect "dmaadd --version" 0 '*' '' -- "$dmaadd" --version
if grep -qx "dmaadd [0-9]*\.[0-9]*\.[0-9]* (libdmaadd [0-9.]*, uapi header API version [0-9]*)" "$work/out" &&
   grep -q '^module: ' "$work/out"; then
	result ok "dmaadd --version: versions and a module line"
else
	result fail "dmaadd --version: versions and a module line" "$(cat "$work/out")"
fi
if ! $no_device; then
	result skip "dmaadd --version without a device: module line"
else
	want='module: not loaded'
	[ -e /sys/module/dmaadd ] && want='module: loaded, no device'
	if [ "$(sed -n 2p "$work/out")" = "$want" ]; then
		result ok "dmaadd --version without a device: $want"
	else
		result fail "dmaadd --version without a device: $want" \
			"$(cat "$work/out")"
	fi
fi
expect "dmaadd_bench --version" 0 '*' '' -- "$bench" --version
expect "dmaadd_bench -V" 0 '*' '' -- "$bench" -V
expect "dmaadd_bench --help" 0 '*' '' -- "$bench" --help

# Option errors: the program's name, not argv[0]'s path; status 2.
expect "dmaadd --bogus" 2 '' "dmaadd: unrecognized option '--bogus'" -- \
	"$dmaadd" --bogus
expect "dmaadd info --bogus" 2 '' \
	"dmaadd: info: unrecognized option '--bogus'" -- "$dmaadd" info --bogus
expect "dmaadd explain -x" 2 '' "dmaadd: explain: invalid option -- 'x'" -- \
	"$dmaadd" explain -x
expect "dmaadd demo --size" 2 '' \
	"dmaadd: demo: option '--size' (-s) requires an argument" -- \
	"$dmaadd" demo --size
expect "dmaadd share --help=1" 2 '' \
	"dmaadd: share: option '--help' doesn't allow an argument" -- \
	"$dmaadd" share --help=1
expect "dmaadd_bench --bogus" 2 '' \
	"dmaadd_bench: unrecognized option '--bogus'" -- "$bench" --bogus
expect "dmaadd --json demo" 2 '' \
	"dmaadd: --json: only info and explain write JSON, not demo" -- \
	"$dmaadd" --json demo

# --device: N, dmaaddN, /dev/dmaaddN, and nothing else.
for dev in x 01 dmaadd /dev/0 /tmp/dmaadd0 -1; do
	expect "dmaadd info --device '$dev' is refused" 2 '' \
		"dmaadd: info: bad device '$dev': give N, dmaaddN or /dev/dmaaddN" -- \
		"$dmaadd" info --device "$dev"
done
expect "dmaadd_bench --device x is refused" 2 '' \
	"dmaadd_bench: bad device 'x': give N, dmaaddN or /dev/dmaaddN" -- \
	"$bench" --device x
for dev in 99999 dmaadd99999 /dev/dmaadd99999; do
	expect "dmaadd info --device $dev is /dev/dmaadd99999" 3 '' \
		"dmaadd: /dev/dmaadd99999: No such file or directory" -- \
		"$dmaadd" info --device "$dev"
	expect "dmaadd explain --device $dev is /dev/dmaadd99999" 3 '' \
		"dmaadd: /dev/dmaadd99999: No such file or directory" -- \
		"$dmaadd" explain --device "$dev"
done

# No device: nothing on stdout, why on stderr; JSON still one document.
no_device "dmaadd info without a device" 3 '' \
	"dmaadd: no dmaadd device in /dev" -- "$dmaadd" info
no_device "dmaadd explain without a device" 3 '' \
	"dmaadd: no dmaadd device in /dev" -- "$dmaadd" explain
version=$("$dmaadd" --version | sed -n 's/.*(libdmaadd \([^,]*\),.*/\1/p')
no_device "dmaadd --json info without a device" 3 \
	"$(printf '{\n  "library_version": "%s",\n  "devices": []\n}' "$version")" \
	"dmaadd: no dmaadd device in /dev" -- "$dmaadd" --json info
no_device "dmaadd explain --json without a device" 3 \
	"$(printf '{\n  "library_version": "%s",\n  "devices": []\n}' "$version")" \
	"dmaadd: no dmaadd device in /dev" -- "$dmaadd" explain --json
expect "dmaadd info --json --device 99999" 3 \
	"$(printf '%s\n' '{' \
		"  \"library_version\": \"$version\"," \
		'  "devices": [' \
		'    {' \
		'      "path": "/dev/dmaadd99999",' \
		'      "error": {' \
		'        "errno": "ENOENT",' \
		'        "message": "No such file or directory"' \
		'      }' \
		'    }' \
		'  ]' \
		'}')" \
	"dmaadd: /dev/dmaadd99999: No such file or directory" -- \
	"$dmaadd" info --json --device 99999

echo "1..$n"
[ "$failed" -eq 0 ]
