#!/bin/bash
# Device suite: real Python on the live module (issue 14), with the
# patched CPython make test builds (make python):
#  - its smoke test on the kernel backend under legacy, newgil, fifo and
#    ioprio, checked against the domain's own counters
#    (tests/python/smoke.sh --kernel);
#  - CPython's own thread, signal, switch-interval, socket and embedding
#    tests, the part of them in tests/python/vm-subset.txt (the whole
#    modules take ~12 minutes a policy under TCG):
#    tests/python/cpython-tests.sh --kernel.  Under the same four policies
#    on the newest kernel; on the others under newgil (CPython's own
#    rules) and ioprio (the most paths: I/O returns, priority, demotion).
#    What differs between kernels is the core's compat layer (exit and
#    exec hooks, io_uring), which any policy goes through; the policies'
#    code is the same.  That saves about 3 minutes of make test.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x build/cpython/python ]; then
	echo "80-python: FAILED: build/cpython/python not built (make python; make test builds it)"
	exit 1
fi
fail=0
tests/python/smoke.sh --kernel || fail=1
newest=$(ls /lib/modules | sort -V | tail -1)
if [ "$(uname -r)" = "$newest" ]; then
	backends="legacy newgil fifo ioprio"
else
	backends="newgil ioprio"
fi
tests/python/cpython-tests.sh --kernel --backends "$backends" \
	--subset tests/python/vm-subset.txt || fail=1
exit $fail
