#!/bin/bash
# CPython's own thread, signal, switch-interval, socket and embedding
# (repeated Py_Initialize, subinterpreters) tests (its Lib/test) on the
# patched interpreter, as peer tests of the integration (issue 14).
#
#   tests/python/cpython-tests.sh [--kernel] [--subset FILE] [--backends LIST] [TEST...]
#
# Natively (make test: make test-python): the whole modules on
# user-newgil.  --kernel (in the VM, make test: tests/device.d/80-python.sh):
# the kernel backend under legacy, newgil, fifo and ioprio, there with
# --subset tests/python/vm-subset.txt, the part of the modules that fits
# the CI budget under TCG (the whole modules take ~12 minutes a policy).
# --backends chooses: e.g. "stock user-newgil user-legacy" natively, or
# "stock legacy newgil" with --kernel (stock: CPython's own GIL).
#
# A kgil run that fails is not the verdict yet: its failed tests (from
# regrtest's JUnit XML) run again on CPython's own GIL, in the same place.
# A test that fails only under kgil fails this script; one that fails on
# stock CPython too is reported and does not (it is not kgil's).
# Every process of a kgil run writes its domain's counters (KGIL_PY_STATS),
# so a run that did not really use kgil fails too.  Logs:
# build/cpython/tests/.  test_socket's VSOCK tests are left out: on a host
# with a vsock device but no peer they hang in accept() on stock too.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=$REPO/build/cpython/python
[ -x "$PY" ] || { echo "cpython-tests: no $PY: run make python" >&2; exit 1; }
mode=native subset= backends=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) mode=kernel ;;
	--subset) subset=$2; shift ;;
	--backends) backends=$2; shift ;;
	-*) echo "cpython-tests: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
TESTS=("$@")
[ ${#TESTS[@]} -gt 0 ] || TESTS=(test_threading test_thread test_threading_local
	test_sys test_signal test_socket test_embed)
if [ -z "$backends" ]; then
	if [ $mode = native ]; then backends=user-newgil; else backends="legacy newgil fifo ioprio"; fi
fi
OUT=$REPO/build/cpython/tests
mkdir -p "$OUT"
fail=0
# Each module in a worker process of its own (-j1), but a subset in one
# process: a worker's start costs ~8 s under TCG, a subset's module ~10.
jobs=-j1
if [ -n "$subset" ]; then
	jobs=
	# regrtest's --matchfile takes every line as a pattern: no comments.
	grep -Ev '^[[:space:]]*(#|$)' "$subset" >"$OUT/subset.match"
	subset=$OUT/subset.match
fi
[ $mode = native ] || [ -e /dev/kgil ] || { echo "cpython-tests: no /dev/kgil" >&2; exit 1; }

# regrtest NAME MATCHFILE [VAR=VALUE...]: one regrtest run; exit status in rc.
regrtest() {
	local name=$1 match=$2 tmp
	shift 2
	rm -f "$OUT/$name.stats" "$OUT/$name.xml"
	# The tests' working directory in /tmp: in the VM the repository is a
	# 9p mount, where test_socket cannot bind its AF_UNIX sockets.
	tmp=$(mktemp -d)
	rc=0
	(cd "$OUT" && env -u KGIL_BACKEND -u KGIL_POLICY "$@" KGIL_PY_STATS="$OUT/$name.stats" \
		"$PY" -m test $jobs --timeout 900 --tempdir "$tmp" --ignore '*VSOCK*' \
		${match:+--matchfile "$match"} --junit-xml "$OUT/$name.xml" \
		"${TESTS[@]}") >"$OUT/$name.log" 2>&1 || rc=$?
	rm -rf "$tmp"
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

# one NAME [VAR=VALUE...]
one() {
	local name=$1 t0=$SECONDS result ids
	shift
	regrtest "$name" "$subset" "$@"
	# No summary when regrtest was killed (its exit timeout): say so.
	result=$(grep -E '^(Tests result|[0-9]+ tests? (failed|OK)|All [0-9]+ tests OK)' \
		"$OUT/$name.log" | tr '\n' ' ') || result="no summary (regrtest died: $(grep -m1 -E '^(Timeout|Fatal Python error)' "$OUT/$name.log" || echo "see $OUT/$name.log"))"
	echo "cpython-tests: $name: exit $rc in $((SECONDS - t0)) s: $result; $(junit count "$OUT/$name.xml"); $(stats_line "$OUT/$name.stats")"
	case $name in
	stock | vm-stock)
		[ ! -f "$OUT/$name.stats" ] || { echo "    a stock run used kgil"; fail=1; }
		[ $rc = 0 ] || { junit failed "$OUT/$name.xml" | sed 's/^/    failed: /'; fail=1; }
		return ;;
	esac
	[ -f "$OUT/$name.stats" ] || { echo "    no kgil statistics: the run did not use kgil"; fail=1; }
	[ $rc != 0 ] || return 0
	ids=$(junit failed "$OUT/$name.xml")
	if [ -z "$ids" ]; then
		echo "    failed with no failed test case on record (a crash or a timeout?):"
		grep -E '^(test_[a-z_]+ (failed|crashed)|Timeout|Fatal Python error)' \
			"$OUT/$name.log" | sed 's/^/    /' | head -10 || true
		fail=1
		return
	fi
	# The same tests on CPython's own GIL: kgil's failures are those that pass there.
	echo "$ids" >"$OUT/$name.failed"
	regrtest "$name-stock" "$OUT/$name.failed"
	local stock_failed stock_ran
	stock_failed=$(junit failed "$OUT/$name-stock.xml")
	stock_ran=$(junit all "$OUT/$name-stock.xml")
	while read -r id; do
		if grep -qxF "$id" <<<"$stock_failed"; then
			echo "    fails on stock CPython too (not kgil's): $id"
		elif ! grep -qxF "$id" <<<"$stock_ran"; then
			echo "    FAILED under kgil, and did not run on stock: $id"
			fail=1
		else
			echo "    FAILED only under kgil: $id"
			fail=1
		fi
	done <<<"$ids"
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
