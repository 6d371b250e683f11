#!/bin/bash
# `make run`'s work, done where the module is loaded (make run: in the VM when
# this host cannot load it): reproduce the published GIL experiments, print the
# table (within 100 columns; --wide for a column per lock), write
# results/reproduce.{json,md}, record two short traces and draw the
# pictures and results/index.html from the run; then the real-Python table
# (scripts/run-python.sh).  Arguments go to `kgil reproduce` (e.g. --quick,
# which run-python.sh also takes).
set -euo pipefail
cd "$(dirname "$0")/.."
build/kgil info || echo "run-main: no module here: the kernel columns will not run" >&2
echo "run-main: $(nproc) CPUs, kernel $(uname -r)"
build/kgil reproduce "$@"
# The same experiments on real Python threads (issue 14), when make python
# built the interpreter (make run does): scripts/run-python.sh.
quick=
for a in "$@"; do [ "$a" = --quick ] && quick=--quick; done
if [ -x build/cpython/python ]; then
	echo
	scripts/run-python.sh $quick
else
	echo "run-main: build/cpython/python not built (make python): no real-Python table" >&2
fi
