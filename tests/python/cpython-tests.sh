#!/bin/bash
# CPython's own thread, signal, switch-interval, socket and embedding
# (repeated Py_Initialize, subinterpreters) tests (its Lib/test) on
# the patched interpreter, as peer tests of the integration (issue 14).
# Not part of make test (it needs make python).
#   tests/python/cpython-tests.sh [--kernel] [TEST...]
# Natively: CPython's own GIL (the reference), user-newgil, user-legacy.
# --kernel (in the VM: scripts/vm-run -- tests/python/cpython-tests.sh
# --kernel): CPython's own GIL, then the kernel backend under legacy,
# newgil, fifo and ioprio.
# Every process of a run writes its domain's counters (KGIL_PY_STATS), so a
# run that did not really use kgil is caught.  Logs: build/cpython/tests/.
# test_socket's VSOCK tests are left out: on a host with a vsock device
# but no peer (a firecracker guest) they hang in accept() on stock CPython
# too.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=$REPO/build/cpython/python
[ -x "$PY" ] || { echo "cpython-tests: no $PY: run make python" >&2; exit 1; }
mode=native
[ "${1:-}" != --kernel ] || { mode=kernel; shift; }
TESTS=("$@")
[ ${#TESTS[@]} -gt 0 ] || TESTS=(test_threading test_thread test_threading_local
	test_sys test_signal test_socket test_embed)
OUT=$REPO/build/cpython/tests
mkdir -p "$OUT"
fail=0

# one NAME [VAR=VALUE...]
one() {
	local name=$1 log=$OUT/$1.log stats=$OUT/$1.stats rc=0 t0=$SECONDS
	shift
	rm -f "$stats"
	# The tests' working directory in /tmp: in the VM the repository is a
	# 9p mount, where test_socket cannot bind its AF_UNIX sockets.
	local tmp
	tmp=$(mktemp -d)
	(cd "$OUT" && env -u KGIL_BACKEND -u KGIL_POLICY "$@" KGIL_PY_STATS="$stats" \
		"$PY" -m test -j1 --timeout 900 --tempdir "$tmp" --ignore '*VSOCK*' \
		"${TESTS[@]}") >"$log" 2>&1 || rc=$?
	rm -rf "$tmp"
	local result procs
	result=$(grep -E '^(Tests result|[0-9]+ tests? (failed|OK))' "$log" | tr '\n' ' ')
	procs=$( [ -f "$stats" ] && python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
print("%d processes on kgil (%s), %d acquisitions, %d handoffs" % (len(L),
      ",".join(sorted(set(l["policy"] for l in L))),
      sum(l["acquisitions"] for l in L), sum(l["handoffs"] for l in L)))' "$stats" ||
		echo "no kgil domain")
	echo "cpython-tests: $name: exit $rc in $((SECONDS - t0)) s: $result; $procs"
	if [ $rc != 0 ]; then
		grep -E '^(test_[a-z_]+ failed|FAIL:|ERROR:)' "$log" | sed 's/^/    /' | head -20 || true
		fail=1
	fi
	case $name in
	stock | vm-stock) [ ! -f "$stats" ] || { echo "    a stock run used kgil"; fail=1; } ;;
	*) [ -f "$stats" ] || { echo "    no kgil statistics"; fail=1; } ;;
	esac
}

if [ $mode = native ]; then
	one stock
	one user-newgil KGIL_BACKEND=user-newgil
	one user-legacy KGIL_BACKEND=user-legacy
else
	[ -e /dev/kgil ] || { echo "cpython-tests: no /dev/kgil" >&2; exit 1; }
	one vm-stock	# the reference, in the same VM
	for p in legacy newgil fifo ioprio; do
		one "kernel-$p" KGIL_BACKEND=kernel KGIL_POLICY=$p
	done
fi
exit $fail
