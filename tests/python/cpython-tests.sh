#!/bin/bash
# CPython's own thread, signal, switch-interval, socket and embedding
# (repeated Py_Initialize, subinterpreters) tests (its Lib/test) on the
# patched interpreter, as peer tests of the integration (issue 14); and,
# with --all or --modules, any part of CPython's suite (issue 25).
#
#   tests/python/cpython-tests.sh [--kernel] [--subset FILE] [--backends LIST]
#       [--all | --modules FILE] [--jobs N] [--timeout SECS] [--out DIR]
#       [--retries N] [TEST...]
#
# Natively (make test: make test-python): the whole modules on
# user-newgil.  --kernel (in the VM, make test: tests/device.d/80-python.sh):
# the kernel backend under legacy, newgil, fifo and ioprio, there with
# --subset tests/python/vm-subset.txt, the part of the modules that fits
# the CI budget under TCG (the whole modules take ~12 minutes a policy).
# --backends chooses: e.g. "stock user-newgil user-legacy" natively, or
# "stock legacy newgil" with --kernel (stock: CPython's own GIL).
#
# A survey of the suite: --all runs every module regrtest knows (as
# `python -m test`), --modules FILE those named in FILE (one a line, #
# comments); --jobs N runs N modules at a time (regrtest -jN; default one
# worker, -j1), --timeout SECS kills a module's worker that runs longer
# (regrtest --timeout, default 900), --out DIR keeps the logs there.  Each
# run also writes NAME.modules (every module and its result: passed,
# failed, skipped, crashed, timed out, env changed, ran no tests, or not
# run) and prints the counts.  --retries N runs each test that failed only
# under kgil N more times under kgil and N times on stock, to tell a flaky
# test from a real difference.
#
# A kgil run that fails is not the verdict yet: its failed tests (from
# regrtest's JUnit XML) run again on CPython's own GIL, in the same place;
# a module that failed with no failed test case on record (a crash, a
# timeout, an altered environment) runs again whole.
# A test that fails only under kgil fails this script; one that fails on
# stock CPython too is reported and does not (it is not kgil's).
# Every process of a kgil run writes its domain's counters (KGIL_PY_STATS),
# so a run that did not really use kgil fails too.  Logs:
# build/cpython/tests/ (or --out).  test_socket's VSOCK tests are left out:
# on a host with a vsock device but no peer they hang in accept() on stock
# too.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=$REPO/build/cpython/python
[ -x "$PY" ] || { echo "cpython-tests: no $PY: run make python" >&2; exit 1; }
mode=native subset= backends= all=0 modules= jobs_n= timeout=900 OUT=$REPO/build/cpython/tests retries=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) mode=kernel ;;
	--subset) subset=$2; shift ;;
	--backends) backends=$2; shift ;;
	--all) all=1 ;;
	--modules) modules=$2; shift ;;
	--jobs) jobs_n=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--out) OUT=$(realpath -m "$2"); shift ;;
	--retries) retries=$2; shift ;;
	-*) echo "cpython-tests: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
TESTS=("$@")
[ -z "$modules" ] || mapfile -t -O ${#TESTS[@]} TESTS < <(grep -Ev '^[[:space:]]*(#|$)' "$modules")
# --all: no module named, regrtest runs them all.
if [ ${#TESTS[@]} = 0 ] && [ $all = 0 ]; then
	# The thread-pool, queue and asyncio modules first: a subset runs in
	# one process, and test_threading's test_frame_tstate_tracing leaves
	# threading.settrace() set, so every later thread starts with
	# sys.settrace(), whose re-entry guard is one static flag of the
	# process (docs/python.md, Results: test_import).
	TESTS=(test_queue)
	# The subset's thread-pool and asyncio parts (whole, each module is
	# minutes of process pools and event loops; test_asyncio's package
	# alone costs ~55 s of imports under TCG: only its two modules).
	[ -z "$subset" ] || TESTS+=(test_concurrent_futures
		test_asyncio.test_threads test_asyncio.test_tasks)
	TESTS+=(test_threading test_thread test_threading_local test_sys test_signal
		test_socket test_embed)
fi
if [ -z "$backends" ]; then
	if [ $mode = native ]; then backends=user-newgil; else backends="legacy newgil fifo ioprio"; fi
fi
mkdir -p "$OUT"
fail=0
# Each module in a worker process of its own (-j1), but a subset in one
# process: a worker's start costs ~8 s under TCG, a subset's module ~10.
jobs=-j${jobs_n:-1}
if [ -n "$subset" ]; then
	jobs=${jobs_n:+-j$jobs_n}
	# regrtest's --matchfile takes every line as a pattern: no comments.
	grep -Ev '^[[:space:]]*(#|$)' "$subset" >"$OUT/subset.match"
	subset=$OUT/subset.match
fi
[ $mode = native ] || [ -e /dev/kgil ] || { echo "cpython-tests: no /dev/kgil" >&2; exit 1; }

# regrtest NAME MATCHFILE [VAR=VALUE...]: one regrtest run of the modules
# in RUN_TESTS (default: TESTS); exit status in rc.
regrtest() {
	local name=$1 match=$2 tmp
	local -a run=("${TESTS[@]}")
	[ -z "${RUN_TESTS+x}" ] || run=("${RUN_TESTS[@]}")
	shift 2
	rm -f "$OUT/$name.stats" "$OUT/$name.xml"
	# The tests' working directory in /tmp: in the VM the repository is a
	# 9p mount, where test_socket cannot bind its AF_UNIX sockets.
	tmp=$(mktemp -d)
	rc=0
	(cd "$OUT" && env -u KGIL_BACKEND -u KGIL_POLICY "$@" KGIL_PY_STATS="$OUT/$name.stats" \
		"$PY" -m test $jobs --timeout "$timeout" --tempdir "$tmp" --ignore '*VSOCK*' \
		${match:+--matchfile "$match"} --junit-xml "$OUT/$name.xml" \
		"${run[@]}") >"$OUT/$name.log" 2>&1 || rc=$?
	rm -rf "$tmp"
	modules "$OUT/$name.log" >"$OUT/$name.modules"
}

# modules LOG: every module of a regrtest log with its result, from the
# progress lines of its workers ("[ 51/405/1] test_tcl passed") and the
# summary's lists ("omitted", for the modules a killed run never ran).
modules() {
	python3 - "$1" <<'PY'
import re, sys
res = {}
prog = re.compile(r"\[ *\d+/\d+(?:/\d+)?\] (test[\w.]*) (passed|failed|crashed|"
                  r"timed out|skipped|ran no tests|interrupted)(?: \(([^)]*)\))?")
start = re.compile(r"\[ *\d+/\d+(?:/\d+)?\] (test[\w.]*)")
lines = open(sys.argv[1], errors="replace").read().splitlines()
started = []
for l in lines:
    m = start.search(l)
    if m:
        started.append(m.group(1))
    m = prog.search(l)
    if m:
        r = m.group(2)
        if r == "failed" and m.group(3) == "env changed":
            r = "env changed"
        elif r == "skipped" and m.group(3) == "resource denied":
            r = "skipped"
        res[m.group(1)] = r
# Sequential runs (a subset: no workers) show no result a module: the
# summary's lists have them.
head = re.compile(r"^(?:All )?\d+ tests? (OK|failed|skipped|omitted|"
                  r"altered the execution environment|run no tests)[.:]")
what = None
for l in lines:
    m = head.match(l)
    if m:
        what = {"OK": "passed", "altered the execution environment": "env changed",
                "run no tests": "ran no tests", "omitted": "not run"}.get(m.group(1), m.group(1))
        continue
    if what and l.startswith("    "):
        for t in l.split():
            if t not in res or what in ("not run", "env changed"):
                res[t] = what
    elif l.strip() == "" or not l.startswith("    "):
        what = None if l.strip() else what
# A sequential run names a module's result only in the next one's line;
# the summary lists every result but "OK": a module started and in no
# list passed, if the run got to its summary.
done = any(l.startswith("== Tests result") for l in lines)
for t in started:
    res.setdefault(t, "passed" if done else "not finished")
for t in sorted(res):
    print(t, res[t].replace(" ", "-"))
PY
}

# counts FILE.modules: the modules by result, one line.
counts() {
	awk '{n[$2]++} END {printf "%d modules:", NR; for (r in n) printf " %d %s", n[r], r; print ""}' "$1"
}

# junit failed|all|count FILE: from regrtest's JUnit file, the ids of the
# failed or erroring test cases, or of every case that ran, one a line;
# or "N test cases run, S skipped".
junit() {
	python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
what, path = sys.argv[1:]
try:
    tc = list(ET.parse(path).getroot().iter("testcase"))
except Exception:
    tc = []
if what == "count":
    print("%d test cases run, %d skipped" % (len(tc),
          sum(1 for t in tc if t.find("skipped") is not None)))
else:
    for t in tc:
        if what == "all" or t.find("failure") is not None or t.find("error") is not None:
            print(t.get("name"))
PY
}

# One line of what the counters say: proof the run was on kgil.
stats_line() {
	[ -f "$1" ] || { echo "no kgil domain"; return; }
	python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
print("%d processes on kgil (%s), %d acquisitions, %d handoffs" % (len(L),
      ",".join(sorted(set(l["policy"] for l in L))),
      sum(l["acquisitions"] for l in L), sum(l["handoffs"] for l in L)))' "$1"
}

# failing FILE.modules: the modules that failed, crashed or timed out,
# one a line.  Not those that only altered the environment: regrtest
# itself passes them (without --fail-env-changed), and so does this
# script; NAME.modules and the counts show them.
failing() {
	awk '$2 ~ /^(failed|crashed|timed-out)$/ {print $1}' "$1"
}

# owner ID: the regrtest module a test case id belongs to (the packages
# whose tests live outside Lib/test have a module of their own).
owner() {
	case $1 in
	test.*) local m=${1#test.}; echo "${m%%.*}" ;;
	lib2to3.*) echo test_lib2to3 ;;
	idlelib.*) echo test_idle ;;
	unittest.*) echo test_unittest ;;
	ctypes.*) echo test_ctypes ;;
	distutils.*) echo test_distutils ;;
	tkinter.*) echo test_tkinter ;;
	*) echo "?" ;;
	esac
}

# rerun NAME IDS MODULES [VAR=VALUE...]: run the test cases IDS (a
# matchfile's lines) in their modules, and the MODULES whole; the cases
# and modules that failed again go to NAME.refailed (one a line).
rerun() {
	local name=$1 ids=$2 mods=$3 m
	shift 3
	: >"$OUT/$name.refailed"
	: >"$OUT/$name.reran"
	if [ -n "$ids" ]; then
		echo "$ids" >"$OUT/$name.match"
		local -a RUN_TESTS=()
		mapfile -t RUN_TESTS < <(while read -r id; do owner "$id"; done <<<"$ids" | sort -u)
		# An id no module is known for: run every module with the matchfile.
		if [[ " ${RUN_TESTS[*]} " == *" ? "* ]]; then
			RUN_TESTS=("${TESTS[@]}")
		fi
		regrtest "$name" "$OUT/$name.match" "$@"
		junit failed "$OUT/$name.xml" >>"$OUT/$name.refailed"
		junit all "$OUT/$name.xml" >>"$OUT/$name.reran"
	fi
	if [ -n "$mods" ]; then
		local -a RUN_TESTS=()
		mapfile -t RUN_TESTS <<<"$mods"
		regrtest "$name-whole" "" "$@"
		failing "$OUT/$name-whole.modules" >>"$OUT/$name.refailed"
		awk '$2 != "not-run" {print $1}' "$OUT/$name-whole.modules" >>"$OUT/$name.reran"
	fi
}

# one NAME [VAR=VALUE...]
one() {
	local name=$1 t0=$SECONDS result ids mods m id
	shift
	regrtest "$name" "$subset" "$@"
	# No summary when regrtest was killed (its exit timeout): say so.
	result=$(grep -E '^(Tests result|[0-9]+ tests? (failed|OK)|All [0-9]+ tests OK)' \
		"$OUT/$name.log" | tr '\n' ' ') || result="no summary (regrtest died: $(grep -m1 -E '^(Timeout|Fatal Python error)' "$OUT/$name.log" || echo "see $OUT/$name.log"))"
	echo "cpython-tests: $name: exit $rc in $((SECONDS - t0)) s: $result; $(junit count "$OUT/$name.xml"); $(stats_line "$OUT/$name.stats")"
	[ ! -s "$OUT/$name.modules" ] || echo "    $(counts "$OUT/$name.modules") ($OUT/$name.modules)"
	case $name in
	stock | vm-stock)
		[ ! -f "$OUT/$name.stats" ] || { echo "    a stock run used kgil"; fail=1; }
		[ $rc = 0 ] || { junit failed "$OUT/$name.xml" | sed 's/^/    failed: /'; fail=1; }
		return ;;
	esac
	[ -f "$OUT/$name.stats" ] || { echo "    no kgil statistics: the run did not use kgil"; fail=1; }
	ids=$(junit failed "$OUT/$name.xml")
	# The failing modules none of whose cases is on record as failed (a
	# crash, a timeout, an altered environment): they run again whole.
	# (Not grep -q in a pipe: under pipefail its early exit fails the pipe.)
	mods=$(failing "$OUT/$name.modules" | grep -vxF -f <(while read -r id; do
		[ -z "$id" ] || owner "$id"; done <<<"$ids") || true)
	[ $rc != 0 ] || [ -n "$ids$mods" ] || return 0
	if [ -z "$ids$mods" ]; then
		echo "    failed with no failed test case on record (a crash or a timeout?):"
		grep -E '^(test_[a-z_]+ (failed|crashed)|Timeout|Fatal Python error)' \
			"$OUT/$name.log" | sed 's/^/    /' | head -10 || true
		fail=1
		return
	fi
	# The same tests on CPython's own GIL: kgil's failures are those that pass there.
	[ -z "$ids" ] || echo "$ids" >"$OUT/$name.failed"
	[ -z "$mods" ] || echo "$mods" >"$OUT/$name.failed-modules"
	rerun "$name-stock" "$ids" "$mods"
	local only_ids= only_mods=
	while read -r id; do
		[ -n "$id" ] || continue
		if grep -qxF "$id" "$OUT/$name-stock.refailed"; then
			echo "    fails on stock CPython too (not kgil's): $id"
		elif ! grep -qxF "$id" "$OUT/$name-stock.reran"; then
			echo "    FAILED under kgil, and did not run on stock: $id"
			fail=1
		else
			echo "    FAILED only under kgil: $id"
			only_ids+=$id$'\n'
			fail=1
		fi
	done <<<"$ids"$'\n'"$mods"
	while read -r m; do
		[ -n "$m" ] || continue
		grep -qxF "$m" <<<"$only_ids" || continue
		echo "      (module $m: $(awk -v m="$m" '$1 == m {print $2}' "$OUT/$name.modules") under kgil, whole)"
		only_ids=$(grep -vxF "$m" <<<"$only_ids")$'\n'
		only_mods+=$m$'\n'
	done <<<"$mods"
	only_ids=$(sed '/^$/d' <<<"$only_ids")
	only_mods=$(sed '/^$/d' <<<"$only_mods")
	[ -n "$only_ids$only_mods" ] || return 0
	printf '%s\n' $only_ids $only_mods | sed '/^$/d' >"$OUT/$name.kgil-only"
	[ "$retries" -gt 0 ] || return 0
	# Flaky or real: the kgil-only failures again, under kgil and on stock.
	local i k tally
	for i in $(seq "$retries"); do
		rerun "$name-retry$i" "$only_ids" "$only_mods" "$@"
		rerun "$name-stock-retry$i" "$only_ids" "$only_mods"
	done
	while read -r id; do
		k=0 tally=0
		for i in $(seq "$retries"); do
			grep -qxF "$id" "$OUT/$name-retry$i.refailed" && k=$((k + 1))
			grep -qxF "$id" "$OUT/$name-stock-retry$i.refailed" && tally=$((tally + 1))
		done
		echo "    again: $id: failed $k/$retries under kgil, $tally/$retries on stock"
	done <"$OUT/$name.kgil-only" | tee "$OUT/$name.retries"
}

for b in $backends; do
	case $mode:$b in
	*:stock) one "$([ $mode = kernel ] && echo vm-)stock" ;;
	native:user-*) one "$b" KGIL_BACKEND="$b" ;;
	kernel:*) one "kernel-$b" KGIL_BACKEND=kernel KGIL_POLICY="$b" ;;
	*) echo "cpython-tests: no backend $b natively" >&2; exit 2 ;;
	esac
done
echo "cpython-tests: $([ $fail = 0 ] && echo PASS || echo FAIL) ($mode: $backends${subset:+; subset $(basename "$subset")})"
exit $fail
