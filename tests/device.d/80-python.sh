#!/bin/bash
# Device suite: real Python on the live module (issue 14), with the
# patched CPython make test builds (make python):
#  - its smoke test on the kernel backend under legacy, newgil, fifo and
#    ioprio, checked against the domain's own counters
#    (tests/python/smoke.sh --kernel);
#  - CPython's own thread, signal, switch-interval, socket and embedding
#    tests under the same four policies, the part of them in
#    tests/python/vm-subset.txt (the whole modules take ~12 minutes a
#    policy under TCG): tests/python/cpython-tests.sh --kernel.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x build/cpython/python ]; then
	echo "80-python: FAILED: build/cpython/python not built (make python; make test builds it)"
	exit 1
fi
fail=0
tests/python/smoke.sh --kernel || fail=1
tests/python/cpython-tests.sh --kernel --subset tests/python/vm-subset.txt || fail=1
exit $fail
