#!/bin/bash
# Device suite: kgil-check, the differential checker (docs/reliability.md).
# First the replays of tests/stress/check-replays/, one short sequence for
# each rule of issue 12; then random steps against the module and against
# the model of the UAPI, bounded for `make test` to KGIL_CHECK_SECONDS (45
# by default) plus, on a divergence, KGIL_CHECK_SHRINK_SECONDS (30) to
# shrink each of at most two kinds of divergence to a short replayable
# sequence.  KGIL_CHECK_SEED replays a run, KGIL_CHECK_OPS narrows the
# operations (--ops; by default all of them),
# KGIL_CHECK_SETTLE_MS waits longer for a call that
# should block (make test-debug runs it 10 minutes on the debug kernel).
set -uo pipefail
cd "$(dirname "$0")/../.."
fail=0
for f in tests/stress/check-replays/*.replay; do
	out=$(build/kgil-check --replay "$f" --shrink-seconds 0 2>&1)
	rc=$?
	echo "75-check: $(basename "$f"): $(tail -1 <<< "$out")"
	[ $rc = 0 ] || { echo "$out"; fail=1; }
done
seed=${KGIL_CHECK_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
build/kgil-check --seconds "${KGIL_CHECK_SECONDS:-45}" --seed "$seed" \
	--shrink-seconds "${KGIL_CHECK_SHRINK_SECONDS:-30}" --max-divergences 2 \
	--settle-ms "${KGIL_CHECK_SETTLE_MS:-15}" \
	--ops "${KGIL_CHECK_OPS:-all}" || fail=1
exit $fail
