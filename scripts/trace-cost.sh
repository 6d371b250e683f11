#!/bin/bash
# trace-cost.sh: what recording costs.  Runs the same `kgil bench cpu`
# (two CPU-bound threads) with tracing off and under `kgil trace record`
# (kgil + sched events, trace-cmd streaming), in one run where the module is
# loaded (the VM here), and prints the threaded time of each and the ratio.
# Legacy is the worst case: it emits three events at every check.
set -euo pipefail
cd "$(dirname "$0")/.."
K=build/kgil
T=build/trace-cost
mkdir -p "$T"
REPEAT=${REPEAT:-3}
if [ "${1:-}" = --measure-in ]; then
	for p in legacy newgil; do
		$K bench cpu --policy $p --threads 2 --duration 200ms --repeat "$REPEAT" \
			--quiet --no-syscall-count --json > "$T/off-$p.json"
		$K trace record -o "$T/on-$p.dat" -- $K bench cpu --policy $p --threads 2 \
			--duration 200ms --repeat "$REPEAT" --quiet --no-syscall-count --json \
			> "$T/on-$p.json"
	done
	exit 0
fi
# --summary-only: summarise the last measurement again.
[ "${1:-}" = --summary-only ] ||
	scripts/with-module --timeout 1800 -- scripts/trace-cost.sh --measure-in
for p in legacy newgil; do
	python3 - "$T/off-$p.json" "$T/on-$p.json" "$p" <<'PY'
import json, sys
off, on = (json.load(open(f)) for f in sys.argv[1:3])
k = "threaded_s"
print(f"{sys.argv[3]:7s} tracing off {off[k]:.3f} s, on {on[k]:.3f} s, "
      f"ratio {on[k] / off[k]:.2f} (acquisitions {off['acquisitions']} / {on['acquisitions']})")
PY
	$K trace report "$T/on-$p.dat" > "$T/on-$p.report"
	sed -n 1p "$T/on-$p.report"
done
