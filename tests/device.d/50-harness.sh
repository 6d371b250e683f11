#!/bin/bash
# The harness (kgil bench, kgil reproduce) on the kernel backend, in the VM
# (scripts/test-harness.sh): every scenario in its short mode under newgil,
# cpu under legacy, and reproduce --quick on the kernel legacy column (its
# cpu, cext, io and convoy experiments).  The argument checks need no
# module and run natively.  About a minute under TCG.
set -uo pipefail
cd "$(dirname "$0")/../.."
KGIL_HARNESS_SKIP_ARGS=1 KGIL_HARNESS_COLUMNS=kernel:legacy \
	exec scripts/test-harness.sh kernel:newgil kernel:legacy/cpu
