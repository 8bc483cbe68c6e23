#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Keeps docs/uapi.md true to uapi/linux/dmaadd.h, the source of truth:
#   - every errno table of the header is in the page, row for row, with the
#     same text (a header row's continuation lines joined by one space);
#   - every struct of the header is in the page, verbatim;
#   - every C example of the page compiles (-Wall -Wextra -Werror) against
#     the header, as the body of a function given fd, ha, hb, hc and n.
# Host only. Usage: tests/uapi-doc-check.sh (or: make check-docs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

hdr=uapi/linux/dmaadd.h
doc=docs/uapi.md
work=$(mktemp -d "${TMPDIR:-/tmp}/dmaadd-uapi-doc.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "uapi-doc-check: $*"; fail=1; }

# --- errno tables -----------------------------------------------------------
# One "errno<TAB>text" line per row, a blank line after each table.
awk '
	/^ \* =+  =+$/ {
		if (intab) { if (row != "") print row; print ""; row = "" }
		intab = !intab
		next
	}
	intab {
		t = $0
		sub(/^ \* ?/, "", t)
		if (t ~ /^[^ ]/) {
			if (row != "") print row
			e = t; sub(/ .*/, "", e)
			x = t; sub(/^[^ ]+ +/, "", x)
			row = e "\t" x
		} else {
			sub(/^ +/, "", t)
			row = row " " t
		}
	}' "$hdr" > "$work/rows"

ntab_hdr=$(grep -c '^$' "$work/rows" || true)
ntab_doc=$(grep -cxF '| errno | when |' "$doc" || true)
[ "$ntab_hdr" = "$ntab_doc" ] ||
	bad "$ntab_hdr errno tables in $hdr, $ntab_doc in $doc"
nrows=0
while IFS=$'\t' read -r e text; do
	[ -n "$e" ] || continue
	nrows=$((nrows + 1))
	grep -qxF "| \`$e\` | ${text//|/\\|} |" "$doc" ||
		bad "errno row missing or different in $doc: $e $text"
done < "$work/rows"

# --- structs -----------------------------------------------------------------
extract() {	# FILE NAME: the struct's definition, "struct NAME {" to "};"
	awk -v n="$2" '$0 == "struct " n " {" { on = 1 } on { print } on && /^};$/ { exit }' "$1"
}
nstructs=0
while read -r s; do
	nstructs=$((nstructs + 1))
	if ! diff <(extract "$hdr" "$s") <(extract "$doc" "$s") >"$work/diff"; then
		bad "struct $s differs or is missing in $doc:"
		sed 's/^/    /' "$work/diff"
	fi
done < <(sed -n 's/^struct \(dmaadd_[a-z0-9_]*\) {$/\1/p' "$hdr")

# --- examples -------------------------------------------------------------------
awk -v dir="$work" '
	/^```c$/ { inc = 1; n++; f = dir "/ex" n ".body"; first = 1; next }
	/^```$/ && inc { inc = 0; close(f); next }
	inc {
		# A struct definition copied from the header is not an example.
		if (first && $0 ~ /^struct dmaadd_[a-z0-9_]+ \{$/) { inc = 0; n--; next }
		first = 0
		print > f
	}' "$doc"
nex=0
while [ -e "$work/ex$((nex + 1)).body" ]; do
	nex=$((nex + 1))
	body=$work/ex$nex.body
	{
		cat <<'EOF'
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/dmaadd.h>

void example(int fd, __u32 ha, __u32 hb, __u32 hc, __u64 n);
void example(int fd, __u32 ha, __u32 hb, __u32 hc, __u64 n)
{
	(void)fd; (void)ha; (void)hb; (void)hc; (void)n;
	{
EOF
		cat "$body"
		printf '\t}\n}\n'
	} > "${body%.body}.c"
	if ! cc -std=gnu11 -fsyntax-only -Wall -Wextra -Werror -Iuapi \
		"${body%.body}.c" >"$work/cc.log" 2>&1; then
		bad "example $nex of $doc does not compile:"
		sed 's/^/    /' "$body"
		sed 's/^/    /' "$work/cc.log"
	fi
done

[ "$fail" = 0 ] || exit 1
echo "uapi-doc-check: $ntab_hdr errno tables ($nrows rows), $nstructs structs," \
     "$nex examples: ok"
