#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Manual pages render without a warning and have a NAME line whatis reads:
# the checks lintian makes of a package's pages (groff-message,
# manpage-has-bad-whatis-entry), so that a page is fixed here, not when a
# package is built. Usage: doc/lint-man.sh PAGE... (make check-man)
set -euo pipefail

fail=0
for page in "$@"; do
	# As lintian runs it: UTF-8, 80 columns, no preconv guessing.
	warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
		man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null) || {
		echo "lint-man: $page: man fails" >&2; fail=1; }
	if [ -n "$warnings" ]; then
		echo "lint-man: $page:" >&2
		printf '%s\n' "$warnings" | sed 's/^/    /' >&2
		fail=1
	fi
	if ! lexgrog "$page" >/dev/null 2>&1; then
		echo "lint-man: $page: lexgrog cannot read its NAME section" >&2
		fail=1
	fi
	section=${page##*.}
	th=$(sed -n 's/^\.TH [^ ]* \([0-9]\) .*/\1/p' "$page")
	if [ "$th" != "$section" ]; then
		echo "lint-man: $page: .TH section '$th', file section '$section'" >&2
		fail=1
	fi
done
[ "$fail" = 0 ] && echo "lint-man: $# pages render cleanly"
exit "$fail"
