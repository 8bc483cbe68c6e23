#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The tools' manual pages against the tools' own help: every option that
# `dmaadd --help` and `dmaadd help COMMAND` (or `dmaadd_bench --help`)
# list is in the page, with the same short option, and the page names no
# option the help does not; every command of `dmaadd --help` has an entry
# in the page's COMMANDS. The bash completion (bash-completion/dmaadd)
# offers exactly the same commands and options, and device names in the
# three forms the tools take.
#
# Usage: doc/check-tool-man.sh DMAADD DMAADD_BENCH DMAADD.1 DMAADD_BENCH.1
#   (make check-man), from userspace/. Runs the tools for their help only:
#   no device needed.
set -euo pipefail
export LC_ALL=C

dmaadd=${1:?usage: check-tool-man.sh DMAADD DMAADD_BENCH DMAADD.1 DMAADD_BENCH.1}
bench=${2:?}
dmaadd_man=${3:?}
bench_man=${4:?}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmaadd-check-tool-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "check-tool-man: $*" >&2; fail=1; }

# long options, "-x, --long" pairs: from help text, from a page's source
help_longs() { grep -o -- '--[a-z][a-z-]*' | sort -u; }
help_pairs() { grep -o -- '-[a-zA-Z], --[a-z][a-z-]*' | sed 's/,//' | sort -u; }
man_text() { sed 's/\\-/-/g' "$1" | grep -v '^\.\\"'; }
man_longs() { man_text "$1" | grep -o -- '--[a-z][a-z-]*' | sort -u; }
man_pairs() {
	man_text "$1" | sed -n 's/^\.BR \(-[a-zA-Z]\) ", " \(--[a-z][a-z-]*\).*/\1 \2/p' |
		sort -u
}

compare() {	# WHAT PAGE HELP-FILE
	local what=$1 page=$2 help=$3
	help_longs < "$help" > "$tmp/h.longs"
	man_longs "$page" > "$tmp/m.longs"
	comm -23 "$tmp/h.longs" "$tmp/m.longs" > "$tmp/missing"
	comm -13 "$tmp/h.longs" "$tmp/m.longs" > "$tmp/extra"
	[ ! -s "$tmp/missing" ] ||
		bad "$page lacks options of $what: $(tr '\n' ' ' < "$tmp/missing")"
	[ ! -s "$tmp/extra" ] ||
		bad "$page names options $what does not have: $(tr '\n' ' ' < "$tmp/extra")"
	help_pairs < "$help" > "$tmp/h.pairs"
	man_pairs "$page" > "$tmp/m.pairs"
	comm -23 "$tmp/h.pairs" "$tmp/m.pairs" > "$tmp/missing"
	[ ! -s "$tmp/missing" ] ||
		bad "$page lacks '.BR -x \", \" --long' entries of $what:" \
		    "$(tr '\n' ';' < "$tmp/missing")"
	echo "check-tool-man: $(basename "$page"): $(wc -l < "$tmp/h.longs")" \
	     "options, $(wc -l < "$tmp/h.pairs") with short forms"
}

# dmaadd: the general help and each command's.
"$dmaadd" --help > "$tmp/dmaadd.help"
commands=$(sed -n '/^Commands:$/,/^$/p' "$tmp/dmaadd.help" |
	sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
[ -n "$commands" ] || bad "no commands in 'dmaadd --help'"
for c in $commands; do
	[ "$c" = help ] && continue
	"$dmaadd" help "$c" >> "$tmp/dmaadd.help"
	# The page's COMMANDS: a .TP entry starting with the command.
	man_text "$dmaadd_man" | sed -n '/^\.SH COMMANDS$/,/^\.SH /p' |
		grep -A1 -x '\.TP' | grep -q "^\.BR\? $c\( \|$\)" ||
		bad "$dmaadd_man: no entry for the command '$c' in COMMANDS"
done
# dmaadd bench takes dmaadd_bench's options: its help names --help only.
compare "dmaadd --help and dmaadd help COMMAND" "$dmaadd_man" "$tmp/dmaadd.help"

"$bench" --help > "$tmp/bench.help"
compare "dmaadd_bench --help" "$bench_man" "$tmp/bench.help"

# --- the bash completion ------------------------------------------------------
# complete WORD...: what completing the last word offers, one per line.
complete_words() {
	bash -c '
		complete() { :; }	# no programmable completion here
		source bash-completion/dmaadd
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
		case $1 in
		dmaadd) _dmaadd ;;
		dmaadd_bench) _dmaadd_bench ;;
		esac
		printf "%s\n" "${COMPREPLY[@]}" | sort -u
	' complete "$@"
}
same() {	# WHAT EXPECTED-FILE GOT-FILE
	if ! diff -u --label expected --label completion "$2" "$3" > "$tmp/diff"; then
		bad "completion of $1 differs:"
		sed 's/^/    /' "$tmp/diff" >&2
	fi
}
# The options a help lists as "-x, --long" (the general help also names
# --device in its prose).
help_options() { help_pairs | cut -d' ' -f2 | sort -u; }
printf '%s\n' $commands | sort -u > "$tmp/want"
complete_words dmaadd '' > "$tmp/got"
same "dmaadd COMMAND" "$tmp/want" "$tmp/got"
"$dmaadd" --help | help_options > "$tmp/want"
complete_words dmaadd - > "$tmp/got"
same "dmaadd -" "$tmp/want" "$tmp/got"
for c in $commands; do
	case $c in
	help) continue ;;
	bench) "$bench" --help | help_options > "$tmp/want" ;;
	*) "$dmaadd" help "$c" | help_options > "$tmp/want" ;;
	esac
	complete_words dmaadd "$c" - > "$tmp/got"
	same "dmaadd $c -" "$tmp/want" "$tmp/got"
done
"$bench" --help | help_options > "$tmp/want"
complete_words dmaadd_bench - > "$tmp/got"
same "dmaadd_bench -" "$tmp/want" "$tmp/got"
mkdir "$tmp/dev"
touch "$tmp/dev/dmaadd0" "$tmp/dev/dmaadd1" "$tmp/dev/dmaadd12"
export _dmaadd_devdir=$tmp/dev
printf '%s\n' 0 1 12 > "$tmp/want"
complete_words dmaadd demo --device '' > "$tmp/got"
same "dmaadd demo --device ''" "$tmp/want" "$tmp/got"
printf '%s\n' dmaadd1 dmaadd12 > "$tmp/want"
complete_words dmaadd share -c dmaadd1 > "$tmp/got"
same "dmaadd share -c dmaadd1" "$tmp/want" "$tmp/got"
printf '%s\n' "$tmp/dev/dmaadd0" > "$tmp/want"
complete_words dmaadd_bench --device "$tmp/dev/dmaadd0" > "$tmp/got"
same "dmaadd_bench --device /.../dmaadd0" "$tmp/want" "$tmp/got"
[ "$fail" != 0 ] || echo "check-tool-man: bash completion: commands, options, devices"

exit "$fail"
