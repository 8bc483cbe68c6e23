#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Shows that `make check-abi` catches changes of layout, not only of symbol
# names: builds copies of the library with a change that keeps every
# symbol but breaks binaries built against the released header, runs the
# copy's check-abi against the released baseline (libdmaadd.abixml), and
# requires it to fail and abidiff to name the change. An unchanged copy
# must pass, so that the failures are the changes' doing.
#
#   tests/abi-selftest.sh WORKDIR      (from userspace/; make check-host
#                                       runs it as check-abi-selftest)
#
# Prints TAP; exits 1 if any case is not as expected.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
top=$(cd "$src/.." && pwd)
work=${1:?usage: abi-selftest.sh WORKDIR}
make=${MAKE:-make}

rm -rf "$work"
mkdir -p "$work"
n=0 failed=0

# copy NAME: the library's sources, the map, the released ABI and the uapi
# header, as the copy's Makefile expects them (../uapi).
copy() {
	local dir=$work/$1

	mkdir -p "$dir/userspace"
	cp -r "$src/Makefile" "$src/include" "$src/lib" "$src/libdmaadd.map" \
		"$src/libdmaadd.abi" "$src/libdmaadd.abixml" \
		"$src/libdmaadd.pc.in" "$dir/userspace/"
	cp -r "$top/uapi" "$dir/"
}

# run NAME: the copy's check-abi, its output in $work/NAME.log.
run() {
	"$make" -C "$work/$1/userspace" BUILD="$work/$1/build" check-abi \
		>"$work/$1.log" 2>&1 </dev/null
}

result() {	# ok|fail DESCRIPTION [DETAIL...]
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		shift 2
		printf '# %s\n' "$@"
		failed=$((failed + 1))
	fi
}

# expect_change NAME DESCRIPTION PATTERN...: check-abi of copy NAME must
# fail, and its abidiff report must match every PATTERN.
expect_change() {
	local name=$1 what=$2 missing=() p

	shift 2
	if run "$name"; then
		result fail "$what: check-abi fails" "check-abi passed:" \
			"$(tail -n 5 "$work/$name.log")"
		return
	fi
	for p in "$@"; do
		grep -q -- "$p" "$work/$name.log" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		result ok "$what: check-abi fails and abidiff says so"
	else
		result fail "$what: check-abi fails and abidiff says so" \
			"report lacks: ${missing[*]}" "$(cat "$work/$name.log")"
	fi
}

# sub NAME FILE OLD NEW: replace the text OLD, which must be there once,
# in the copy's FILE.
sub() {
	perl -0777 -i -pe '
		BEGIN { ($old, $new) = (shift, shift) }
		$n = () = /\Q$old\E/g;
		die "abi-selftest.sh: $ARGV: found $n times: $old\n" if $n != 1;
		s/\Q$old\E/$new/;' "$3" "$4" "$work/$1/userspace/$2"
}

echo "TAP version 13"
echo "1..3"

copy unchanged
if run unchanged; then
	result ok "unchanged copy: check-abi passes"
else
	result fail "unchanged copy: check-abi passes" "$(cat "$work/unchanged.log")"
fi

# Same size, same symbols: only the members' offsets tell.
copy swapped
sub swapped include/libdmaadd.h \
	$'struct dmaadd_job_operand {\n\tstruct dmaadd_buffer *buffer;\n\tuint64_t offset;\n};' \
	$'struct dmaadd_job_operand {\n\tuint64_t offset;\n\tstruct dmaadd_buffer *buffer;\n};'
expect_change swapped "struct dmaadd_job_operand with its members swapped" \
	"type of 'dmaadd_job_operand a' changed" \
	"'dmaadd_buffer\\* buffer' offset changed from 0 to 64" \
	"'uint64_t offset' offset changed from 64 to 0"

# A parameter that grows from 32 to 64 bits: same name, same symbol.
copy param
sub param include/libdmaadd.h \
	$'size_t length, uint32_t flags);' $'size_t length, uint64_t flags);'
sub param lib/buffer.c \
	$'size_t length,\n\t\t\t  uint32_t flags)' $'size_t length,\n\t\t\t  uint64_t flags)'
expect_change param "dmaadd_buffer_alloc_flags() with a 64-bit flags" \
	"dmaadd_buffer_alloc_flags" "parameter 3 of type 'typedef uint32_t' changed"

[ "$failed" -eq 0 ]
