#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The libdmaadd(3) manual, generated from the doc comments of
# include/libdmaadd.h, the only place the API is documented:
#
#   - one page per public function (every symbol of libdmaadd.map) and per
#     documented function-like macro (LIBDMAADD_CHECK_VERSION), written by
#     the kernel's scripts/kernel-doc -man (vendored as doc/kernel-doc),
#     then turned from a section 9 kernel page into a section 3 library
#     page: .TH, a LIBRARY section, the #include in SYNOPSIS, references
#     to other functions as name(3), VERSIONS (the symbol version node of
#     the function, from libdmaadd.map) and SEE ALSO;
#   - libdmaadd.3, the overview, from doc/libdmaadd.3.in with the list of
#     functions (header order, grouped like the header, each with its
#     one-line purpose and the release that added it) filled in.
#
# It fails, writing nothing, when kernel-doc warns about the header, when
# a symbol of the map has no doc comment, or when the header documents a
# dmaadd_* function that the map does not export: the pages and the
# library cannot disagree.
#
# Usage: doc/mkman.sh OUTDIR VERSION DATE
#   run from userspace/; writes OUTDIR/man3/*.3; DATE is YYYY-MM-DD
#   PERL (default perl) runs doc/kernel-doc.
set -euo pipefail

out=${1:?usage: mkman.sh OUTDIR VERSION DATE}
version=${2:?usage: mkman.sh OUTDIR VERSION DATE}
date=${3:?usage: mkman.sh OUTDIR VERSION DATE}
perl=${PERL:-perl}
header=include/libdmaadd.h
map=libdmaadd.map
kdoc=doc/kernel-doc
template=doc/libdmaadd.3.in

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmaadd-mkman.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
die() { echo "mkman.sh: $*" >&2; exit 1; }

# --- what must have a page ----------------------------------------------------
# "name<TAB>node" for every exported function, as check-abi reads the map.
awk '/^LIBDMAADD_[0-9.]+ \{/ { node = $1 }
     /^\t\tdmaadd_[a-z0-9_]*;$/ { sub(/^\t\t/, ""); sub(/;$/, "");
	print $0 "\t" node }' "$map" > "$tmp/map"
[ -s "$tmp/map" ] || die "no symbols in $map"

# "group<TAB>name<TAB>purpose" for every kernel-doc comment of a function
# or function-like macro, in header order; group is the banner above it
# (/* Device */ between two /* ---- */ lines), "Versions" before the first.
awk '
	/^\/\* -{20,} \*\/$/ { banner = !banner; next }
	banner {
		t = $0; sub(/^\/\* */, "", t); sub(/ *\*\/$/, "", t)
		group = t; next
	}
	/^\/\*\*$/ { doc = 1; next }
	doc {
		doc = 0
		if (match($0, /^ \* [A-Za-z_][A-Za-z0-9_]*\(\) - /)) {
			name = $0; sub(/^ \* /, "", name); sub(/\(\) - .*/, "", name)
			purpose = $0; sub(/^ \* [A-Za-z0-9_]*\(\) - /, "", purpose)
			print (group == "" ? "Versions" : group) "\t" name "\t" purpose
		}
	}' "$header" > "$tmp/documented"

cut -f1 "$tmp/map" | LC_ALL=C sort > "$tmp/exported"
cut -f2 "$tmp/documented" | grep '^dmaadd_' | LC_ALL=C sort > "$tmp/doc-funcs" || true
if ! diff -u --label "exported by $map" --label "documented in $header" \
	"$tmp/exported" "$tmp/doc-funcs" > "$tmp/diff"; then
	cat "$tmp/diff" >&2
	die "every function of $map needs a doc comment in $header, and every" \
	    "documented dmaadd_* function an entry in $map"
fi
cut -f2 "$tmp/documented" > "$tmp/pages"

# --- kernel-doc -----------------------------------------------------------------
# No warning at all: a comment kernel-doc cannot read would lose text.
if ! "$perl" "$kdoc" -none -Wall "$header" 2> "$tmp/warnings" ||
   [ -s "$tmp/warnings" ]; then
	cat "$tmp/warnings" >&2
	die "kernel-doc warns about $header (above)"
fi
# kernel-doc's man output flattens reStructuredText literal blocks (a
# paragraph ending "::", then lines indented by a tab): mark them, and
# their indentation, in a copy of the header, for .EX/.EE below.
awk '
	lit && /^ \*\t/ { t = $0; sub(/^ \* */, "", t); n = 0
		while (substr(t, n + 1, 1) == "\t") n++
		pad = ""; for (i = 1; i < n; i++) pad = pad "MKMANTAB"
		print " * " pad substr(t, n + 1); next }
	lit && /^ \*$/ { print; next }
	lit { print " * MKMANEXEND"; lit = 0 }
	/^ \* .*::$/ { sub(/::$/, ":"); print; print " * MKMANEXBEGIN"; lit = 1; next }
	{ print }' "$header" > "$tmp/libdmaadd.h"
args=()
while read -r name; do
	args+=(-function "$name")
done < "$tmp/pages"
"$perl" "$kdoc" -man "${args[@]}" "$tmp/libdmaadd.h" > "$tmp/all.man"

# One file per .TH, named after it.
mkdir "$tmp/raw"
awk -v dir="$tmp/raw" '
	/^\.TH "/ { if (f) close(f); n = $2; gsub(/"/, "", n); f = dir "/" n }
	f { print > f }' "$tmp/all.man"
while read -r name; do
	[ -s "$tmp/raw/$name" ] || die "kernel-doc wrote no page for $name"
done < "$tmp/pages"
[ "$(ls "$tmp/raw" | wc -l)" = "$(wc -l < "$tmp/pages")" ] ||
	die "kernel-doc wrote pages for: $(ls "$tmp/raw" | tr '\n' ' ')"

# --- section 3 pages ------------------------------------------------------------
mkdir -p "$tmp/man3"
pagelist=$(tr '\n' ' ' < "$tmp/pages")
while read -r name; do
	node=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$tmp/map")
	awk -v name="$name" -v version="$version" -v date="$date" \
	    -v node="$node" -v pages=" $pagelist " '
	function xref(s,   out, m, word) {
		# \fBname\fP, kernel-doc'"'"'s rendering of name(), becomes
		# \fBname\fP(3) when name has a page of its own.
		out = ""
		while (match(s, /\\fB[A-Za-z_][A-Za-z0-9_]*\\fP/)) {
			word = substr(s, RSTART + 3, RLENGTH - 6)
			out = out substr(s, 1, RSTART + RLENGTH - 1)
			s = substr(s, RSTART + RLENGTH)
			if (index(pages, " " word " ") && word != name) {
				out = out "(3)"
				if (!(word in seen)) { seen[word] = 1; refs[++nrefs] = word }
			}
		}
		return out s
	}
	NR == 1 {
		print ".\\\" SPDX-License-Identifier: LGPL-2.1-or-later"
		print ".\\\" Generated from libdmaadd.h by doc/mkman.sh with the"
		print ".\\\" kernel'"'"'s scripts/kernel-doc. Do not edit: edit the header."
		printf ".TH %s 3 %s \"libdmaadd %s\" \"libdmaadd Manual\"\n",
			name, date, version
		next
	}
	/^\.SH NAME$/ { in_name = 1; print; getline
		# kernel-doc leaves the purpose as written: &enum x, @arg.
		gsub(/&/, ""); gsub(/@[a-z_]+/, "\\fI&\\fP"); gsub(/\\fI@/, "\\fI")
		print; next }
	in_name && /^\.SH / {
		in_name = 0
		print ".SH LIBRARY"
		print "libdmaadd (\\fIlibdmaadd\\fP, \\fI\\-ldmaadd\\fP; \\fIpkg\\-config \\-\\-cflags \\-\\-libs libdmaadd\\fP)"
	}
	/^\.SH SYNOPSIS$/ {
		print
		print ".nf"
		print ".B #include <libdmaadd.h>"
		print ".fi"
		print ".PP"
		next
	}
	# Blank lines inside an example are kept, those around it dropped.
	/^MKMANEXBEGIN$/ { print ".PP"; print ".in +4n"; print ".EX"
		ex = 1; exlines = 0; blanks = 0; next }
	/^MKMANEXEND$/ { print ".EE"; print ".in"; print ".PP"; ex = 0; next }
	ex && /^$/ { if (exlines) blanks++; next }
	ex { for (; blanks > 0; blanks--) print ""; exlines++ }
	{
		l = $0
		if (ex) gsub(/MKMANTAB/, "    ", l)
		# ``code`` (reStructuredText) in bold.
		while (match(l, /``[^`]+``/))
			l = substr(l, 1, RSTART - 1) "\\fB" \
			    substr(l, RSTART + 2, RLENGTH - 4) "\\fP" \
			    substr(l, RSTART + RLENGTH)
		print xref(l)
	}
	END {
		if (node != "") {
			v = node; sub(/^LIBDMAADD_/, "", v)
			if (v !~ /\./) v = v ".0"
			print ".SH VERSIONS"
			printf "Since libdmaadd %s.0, symbol version \\fB%s\\fP of \\fIlibdmaadd.so.1\\fP.\n", v, node
		}
		print ".SH SEE ALSO"
		if (nrefs) print ".BR libdmaadd (3),"
		else print ".BR libdmaadd (3)"
		for (i = 1; i <= nrefs; i++)
			printf ".BR %s (3)%s\n", refs[i], i < nrefs ? "," : ""
	}' "$tmp/raw/$name" > "$tmp/man3/$name.3"
done < "$tmp/pages"

# --- the overview ---------------------------------------------------------------
# Each function's purpose as its page's NAME line has it (kernel-doc's
# markup already rendered).
awk -F'\t' -v map="$tmp/map" -v dir="$tmp/man3" '
	BEGIN {
		while ((getline l < map) > 0) {
			split(l, f, "\t")
			v = f[2]; sub(/^LIBDMAADD_/, "", v)
			if (v != "1") since[f[1]] = v
		}
	}
	{
		if ($1 != group) { group = $1; printf ".SS \"%s\"\n", group }
		page = dir "/" $2 ".3"
		p = ""
		while ((getline l < page) > 0)
			if (l ~ /^\.SH NAME$/) { getline p < page; break }
		close(page)
		sub(/^[^ ]* \\- /, "", p)
		if ($2 in since) p = p " (since " since[$2] ")"
		print ".TP"
		printf ".BR %s (3)\n", $2
		print p
	}' "$tmp/documented" > "$tmp/functions"
sed -n '1,/^@FUNCTIONS@$/p' "$template" | sed '$d' > "$tmp/man3/libdmaadd.3"
cat "$tmp/functions" >> "$tmp/man3/libdmaadd.3"
sed -n '/^@FUNCTIONS@$/,$p' "$template" | sed '1d' >> "$tmp/man3/libdmaadd.3"
sed -i -e "s/@VERSION@/$version/g" -e "s/@DATE@/$date/g" "$tmp/man3/libdmaadd.3"
if grep -n "@[A-Z]\+@" "$tmp/man3/libdmaadd.3" >&2; then die "$template: unknown @...@"; fi

mkdir -p "$out/man3"
rm -f "$out"/man3/*.3
cp "$tmp"/man3/*.3 "$out/man3/"
echo "mkman.sh: $(ls "$tmp/man3" | wc -l) pages in $out/man3"
