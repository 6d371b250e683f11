#!/bin/bash
# The main job, run where the module is loaded (make run: in the VM when
# this host cannot load it): reproduce the seeds' experiments, print the
# table, write results/reproduce.{json,md}.  Arguments go to
# `kgil reproduce` (e.g. --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
build/kgil info || echo "run-main: no module here: the kernel columns will not run" >&2
echo "run-main: $(nproc) CPUs, kernel $(uname -r)"
exec build/kgil reproduce "$@"
