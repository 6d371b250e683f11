#!/bin/bash
# `make run`'s work, done where the module is loaded (make run: in the VM when
# this host cannot load it): reproduce the published GIL experiments, print the
# table (within 100 columns; --wide for a column per lock), write
# results/reproduce.{json,md}, record two short traces and draw the
# pictures and results/index.html from the run.  Arguments go to
# `kgil reproduce` (e.g. --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
build/kgil info || echo "run-main: no module here: the kernel columns will not run" >&2
echo "run-main: $(nproc) CPUs, kernel $(uname -r)"
exec build/kgil reproduce "$@"
