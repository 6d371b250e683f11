#!/bin/bash
# Device suite: real Python on the live module (issue 14).  When `make
# python` has built the patched CPython (make run builds it; a fresh
# clone's make test does not, as it takes ~10 minutes), its smoke test
# runs on the kernel backend under legacy, newgil, fifo and ioprio:
# tests/python/smoke.sh --kernel, checked against the domain's own
# counters.  Without the interpreter this says so and passes nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x build/cpython/python ]; then
	echo "80-python: build/cpython/python not built (make python): 0 passed, 0 failed"
	exit 0
fi
exec tests/python/smoke.sh --kernel
