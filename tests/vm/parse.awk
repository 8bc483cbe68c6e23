# SPDX-License-Identifier: GPL-2.0
#
# Parse a guest's ttyS1 log (tests.log) written by tests/vm/init.sh.
#
# awk -v results=FILE -v blocks=FILE [-v timeout=SECS] -f parse.awk tests.log
#   timeout: non-zero when the host killed the guest after SECS seconds.
#
# results: one line per test, "PASS|FAIL|SKIP<TAB>name<TAB>detail".
# blocks:  the output of every failed test, each under "----- name -----".
#
# Per program (between @@DMAADD-BEGIN p and @@DMAADD-END p rc=N), the
# top-level kselftest TAP lines count: "ok N name" (pass, also "# XFAIL"),
# "not ok N name" (fail), "... # SKIP reason" (skip); indented or "#" lines
# are diagnostics. Then: rc != 0 without any "not ok" -> one extra failure
# (rc 4 = KSFT_SKIP is a skip); no TAP line and rc 0 -> one pass; BEGIN
# without END -> one failure. @@DMAADD-RESULT ok|fail|skip NAME -> one result.
# A missing @@DMAADD-DONE (or a timeout) -> one failure.

function emit(st, name, detail) {
	printf "%s\t%s\t%s\n", st, name, detail > results
	if (st == "PASS") npass++
	else if (st == "FAIL") nfail++
	else nskip++
}

function block(name, text) {
	printf "----- %s -----\n%s", name, text > blocks
}

# Output is kept as the last RING lines of three streams - "p" (the
# program), "t" (the current test), "l" (outside programs) - in ring
# buffers, so a log of any size parses in linear time.
function ring_add(w, line) {
	ring[w, nring[w] % RING] = line
	nring[w]++
}

function ring_reset(w) {
	nring[w] = 0
}

# the last n lines of stream w
function lastlines(w, n,    first, i, s) {
	first = nring[w] > n ? nring[w] - n : 0
	s = first ? "[... " first " earlier lines not shown, see tests.log]\n" : ""
	for (i = first; i < nring[w]; i++)
		s = s ring[w, i % RING] "\n"
	return s
}

function unfinished(why) {
	emit("FAIL", prog " (" why ")", "")
	block(prog " (" why ")", lastlines("p", 60))
	inprog = 0
}

function tap(line,    notok, rest, name, dir, ldir, i, full) {
	ptap++
	notok = (line ~ /^not ok/)
	rest = line
	sub(/^(not )?ok[ \t]+[0-9]+[ \t]*/, "", rest)
	sub(/^-[ \t]+/, "", rest)
	dir = ""
	if (rest ~ /^#/) {
		name = ""
		dir = substr(rest, 2)
	} else if ((i = index(rest, " # ")) > 0) {
		name = substr(rest, 1, i - 1)
		dir = substr(rest, i + 3)
	} else {
		name = rest
	}
	sub(/^[ \t]+/, "", dir)
	# The 6.1 harness prints "ok N # SKIP reason" without the name: use
	# the name of the preceding "#  RUN name ..." line.
	if (name == "")
		name = lastrun
	full = prog ": " (name != "" ? name : "test " ptap)
	lastrun = ""
	ldir = tolower(dir)
	if (ldir ~ /^skip/ || (notok && ldir ~ /^todo/)) {
		sub(/^[A-Za-z]+[ \t:]*/, "", dir)
		emit("SKIP", full, dir)
	} else if (!notok) {
		emit("PASS", full, "")
	} else {
		emit("FAIL", full, "")
		pfail++
		block(full, lastlines("t", 80))
	}
	ring_reset("t")
}

function marker(m,    f, n, rc, name, i) {
	n = split(m, f, " ")
	if (f[1] == "@@DMAADD-BEGIN") {
		if (inprog)
			unfinished("no END marker")
		prog = f[2]; inprog = 1; pfail = 0; ptap = 0; lastrun = ""
		ring_reset("p"); ring_reset("t")
	} else if (f[1] == "@@DMAADD-END") {
		rc = f[3]; sub(/^rc=/, "", rc); rc = rc + 0
		if (!inprog || f[2] != prog) {
			prog = f[2]; ring_reset("p")
		}
		if (rc != 0 && pfail == 0) {
			if (rc == 4) {
				if (ptap == 0)
					emit("SKIP", prog, "exit status 4 (KSFT_SKIP)")
			} else {
				emit("FAIL", prog " (exit status " rc ")", "")
				block(prog " (exit status " rc (rc == 137 ? ", killed: timeout?" : "") ")", lastlines("p", 60))
			}
		} else if (rc == 0 && ptap == 0) {
			emit("PASS", prog, "")
		}
		inprog = 0; ring_reset("l")
	} else if (f[1] == "@@DMAADD-RESULT") {
		name = ""
		for (i = 3; i <= n; i++)
			name = name (i > 3 ? " " : "") f[i]
		if (f[2] == "ok") {
			emit("PASS", name, "")
		} else if (f[2] == "skip") {
			emit("SKIP", name, "")
		} else {
			emit("FAIL", name, "")
			block(name, lastlines("l", 60))
		}
		ring_reset("l")
	} else if (f[1] == "@@DMAADD-DONE") {
		done = 1
	}
}

function text(line) {
	if (inprog) {
		ring_add("p", line)
		ring_add("t", line)
		if (line ~ /^(not )?ok[ \t]+[0-9]+/) {
			tap(line)
		} else if (line ~ /^#[ \t]+RUN[ \t]/) {
			lastrun = line
			sub(/^#[ \t]+RUN[ \t]+/, "", lastrun)
			sub(/[ \t]*\.\.\.[ \t]*$/, "", lastrun)
		}
	} else {
		ring_add("l", line)
	}
}

BEGIN {
	npass = nfail = nskip = 0; inprog = 0; done = 0; RING = 200
	ring_reset("p"); ring_reset("t"); ring_reset("l")
}

{
	sub(/\r+$/, "")
	gsub(/\r/, "")
	line = $0
	# A marker may follow output that did not end with a newline.
	if ((i = index(line, "@@DMAADD-")) > 0) {
		if (i > 1)
			text(substr(line, 1, i - 1))
		marker(substr(line, i))
	} else {
		text(line)
	}
}

END {
	if (inprog)
		unfinished(timeout ? "no END marker, guest timed out" : "no END marker, guest crashed or hung")
	if (timeout)
		emit("FAIL", "guest completed (timed out after " timeout " s)", "")
	else if (!done)
		emit("FAIL", "guest completed (no @@DMAADD-DONE: guest crashed or powered off early)", "")
	close(results)
	close(blocks)
}
