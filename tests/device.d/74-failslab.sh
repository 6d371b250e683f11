#!/bin/bash
# Device suite: kgil's allocation-failure paths.  On a kernel with failslab
# (the debug kernel, scripts/debug-kernel.config) the fuzzer runs with its
# workers' slab allocations failing at random (kgil's domains and threads,
# files, VMAs, tasks...): every failure must come back as an errno, with
# no splat, no leak (kmemleak, the dmesg gate) and balanced domains.
# Elsewhere it is skipped.
set -uo pipefail
cd "$(dirname "$0")/../.."
F=/sys/kernel/debug/failslab
if [ ! -w $F/probability ] || [ ! -e /proc/self/make-it-fail ]; then
	echo "74-failslab: skipped (no failslab: not a fault-injection kernel)"
	exit 0
fi
attrs=(probability interval times verbose task-filter ignore-gfp-wait)
declare -A saved
for a in "${attrs[@]}"; do saved[$a]=$(cat $F/$a); done
restore() { for a in "${attrs[@]}"; do echo "${saved[$a]}" > $F/$a; done; }
trap restore EXIT
# Only tasks that ask (make-it-fail: the fuzzer's workers), sleeping
# allocations too, 5% of them, without a log line per failure.
echo Y > $F/task-filter
echo N > $F/ignore-gfp-wait
echo 5 > $F/probability
echo 1 > $F/interval
echo -1 > $F/times
echo 0 > $F/verbose
seed=${KGIL_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
build/kgil-fuzz --iterations "${KGIL_FAILSLAB_ITERATIONS:-5000}" --threads 4 \
	--seed "$seed" --fail-slab 1 --max-seconds 600
rc=$?
restore
trap - EXIT
exit $rc
