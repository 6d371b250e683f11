#!/bin/bash
# `make run`'s "real Python" section (issue 14), where the module is loaded:
# the seeds' experiments on real Python threads, CPython 3.11 with its GIL
# routed to kgil (build/cpython/python, docs/python.md), against the same
# binary on CPython's own GIL (stock).  Each cell is the median of
# --repeat runs (3), measured side by side in this one run; the table is
# printed and written to results/python.{json,md}.
#
# usage: scripts/run-python.sh [--repeat N] [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=build/cpython/python
[ -x $PY ] || { echo "run-python: $PY not built: make python" >&2; exit 1; }
repeat=3 quick=0
while [ $# -gt 0 ]; do
	case $1 in
	--repeat) repeat=${2:?}; shift 2 ;;
	--quick) quick=1 repeat=1; shift ;;
	*) echo "usage: scripts/run-python.sh [--repeat N] [--quick]" >&2; exit 2 ;;
	esac
done
OUT=results/python
rm -rf "$OUT"
mkdir -p "$OUT"
# Under TCG Python hashes ~30 MB/s: 4 MiB a size keeps py-cext near a minute.
cpu_args=(--duration 1s --processes) convoy_args=(--rounds 100) cext_args=(--work 4000000)
cpu1_args=(--duration 1s --threads 1)
if [ $quick = 1 ]; then
	cpu_args=(--duration 200ms --processes) convoy_args=(--rounds 30) cext_args=(--work 1000000)
	cpu1_args=(--duration 200ms --threads 1)
fi
# Under legacy the echo server battles for every round trip (the prototype
# saw 26 a second on hardware; under TCG a woken waiter almost never wins
# the retake): 30 of them within LEGACY_LIMIT seconds, or the cell says the
# server starved.  No other cell may take more than LIMIT seconds.
LIMIT=${KGIL_PY_LIMIT:-600} LEGACY_LIMIT=${KGIL_PY_LEGACY_LIMIT:-180}
# A kernel column per policy; stock is the reference.
columns="stock kernel:legacy kernel:newgil kernel:fifo kernel:ioprio"
[ -c /dev/kgil ] || columns="stock user-legacy user-newgil"
# py-cpu1: py-cpu with one thread, against stock beside it (the patch's
# uncontended cost); not on stock itself.
n=0 total=$(( $(wc -w <<<"$columns") * 4 - 1 ))
for col in $columns; do
	backend=${col%%:*} policy=
	[ "$col" != "$backend" ] && policy="--policy ${col#*:}"
	for s in py-cpu py-cpu1 py-convoy py-cext; do
		[ "$col:$s" != stock:py-cpu1 ] || continue
		n=$((n + 1))
		echo "run-python: [$n/$total] $s on $col" >&2
		scenario=$s
		case $s in
		py-cpu) args=("${cpu_args[@]}") ;;
		py-cpu1) scenario=py-cpu args=("${cpu1_args[@]}") ;;
		py-convoy) args=("${convoy_args[@]}")
			case $col in *legacy) args=(--rounds 30) ;; esac ;;
		py-cext) args=("${cext_args[@]}") ;;
		esac
		# shellcheck disable=SC2086
		limit=$LIMIT
		case $col:$s in *legacy:py-convoy) limit=$LEGACY_LIMIT ;; esac
		rc=0
		timeout "$limit" build/kgil bench $scenario --backend "$backend" $policy "${args[@]}" \
			--repeat "$repeat" --json --quiet > "$OUT/$col.$s.json" 2> "$OUT/$col.$s.err" ||
			rc=$?
		if [ $rc != 0 ]; then
			[ $rc != 124 ] || echo "$limit" > "$OUT/$col.$s.timeout"
			echo "run-python: $s on $col failed (status $rc): $(tail -3 "$OUT/$col.$s.err")" >&2
			rm -f "$OUT/$col.$s.json"
		fi
	done
done
# The table, by the same interpreter on its own GIL (no KGIL_ variable).
env -u KGIL_BACKEND $PY user/python/table.py "$OUT" $columns
# What counts as an I/O return for ioprio (docs/python.md): py-convoy
# under ioprio with each KGIL_PY_IO mode.
if [ -c /dev/kgil ]; then
	echo
	echo "py-convoy under ioprio by KGIL_PY_IO (medians of $repeat):"
	for io in fd all nolock none; do
		timeout "$LIMIT" build/kgil bench py-convoy --backend kernel --policy ioprio \
			--py-io $io "${convoy_args[@]}" --repeat "$repeat" --json --quiet \
			> "$OUT/ioprio-$io.py-convoy.json" 2>/dev/null || { echo "  $io: failed"; continue; }
		env -u KGIL_BACKEND $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("  %-6s ratio_p50 %6.2f  ratio_p99 %6.2f  cpu_throughput_ratio %.2f  io_begins %s" % (
    sys.argv[2], d["ratio_p50"], d["ratio_p99"], d["cpu_throughput_ratio"],
    d.get("loaded_io_begins")))' "$OUT/ioprio-$io.py-convoy.json" $io
	done
fi
