#!/bin/bash
# Device suite: the ioctl fuzzer, bounded for `make test` (about 10 s under
# TCG).  KGIL_FUZZ_ITERATIONS / KGIL_FUZZ_THREADS / KGIL_FUZZ_SEED make it
# longer or replay a run (make test-debug and docs/reliability.md use a
# longer one); the VM's dmesg gate judges the kernel side.
set -euo pipefail
cd "$(dirname "$0")/../.."
iters=${KGIL_FUZZ_ITERATIONS:-20000}
threads=${KGIL_FUZZ_THREADS:-8}
seed=${KGIL_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
exec build/kgil-fuzz --iterations "$iters" --seed "$seed" --threads "$threads" \
	--max-seconds "${KGIL_FUZZ_MAX_SECONDS:-300}"
