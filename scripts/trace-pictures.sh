#!/bin/bash
# trace-pictures.sh [--draw-only] [OUTDIR]: regenerate the pictures of docs/tracing.md
# (default docs/img) from real runs.  Records `kgil bench cpu` under legacy
# and newgil (two CPU-bound threads) and `kgil bench convoy` with
# `kgil trace record`, where the module is loaded (scripts/with-module: the
# VM here), then draws the threaded phase of each with `kgil trace timeline`
# and keeps the text reports beside the pictures.
set -euo pipefail
cd "$(dirname "$0")/.."
K=build/kgil
T=build/trace-pictures
[ -x $K ] || { echo "trace-pictures: build first (make)" >&2; exit 1; }
# Inside (root, module loaded): record the three runs.
if [ "${1:-}" = --record-in ]; then
	T=$2
	for p in legacy newgil; do
		$K trace record -o "$T/cpu-$p.dat" -- \
			$K bench cpu --policy $p --threads 2 --duration 100ms \
			--quiet --no-syscall-count > "$T/cpu-$p.txt"
	done
	$K trace record -o "$T/convoy.dat" -- \
		$K bench convoy --policy newgil --rounds 20 --quiet > "$T/convoy.txt"
	exit 0
fi
# --draw-only: redraw from the last recordings.
if [ "${1:-}" = --draw-only ]; then
	shift
else
	mkdir -p "$T"
	scripts/with-module --timeout 1800 -- scripts/trace-pictures.sh --record-in "$T"
fi
OUT=${1:-docs/img}
mkdir -p "$OUT"

# The phase to draw: the domain with the most threads, then the most
# acquisitions (a bench opens one domain per phase).
busiest() {
	$K trace report "$1" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
d = max(r["domains"], key=lambda d: (len(d["threads"]), d["acquisitions"]))
print(d["id"])'
}

draw() {	# name title [timeline options...]
	local name=$1 title=$2 dat=$T/${1%%-zoom*}.dat
	shift 2
	$K trace timeline "$dat" -o "$OUT/$name.png" --domain "$(busiest "$dat")" \
		--title "$title" "$@"
	echo "trace-pictures: $OUT/$name.png"
}

draw cpu-legacy "legacy policy, two CPU-bound threads (kgil bench cpu): the GIL battle"
draw cpu-legacy-zoom "legacy, 0.3 ms around a failed acquisition: release, signal, retake" \
	--at failed --span 0.3
draw cpu-newgil "newgil policy, two CPU-bound threads: drop request, forced switch every 5 ms"
draw cpu-newgil-zoom "newgil, 20 ms around a drop request" --at drop --span 20
draw convoy "convoy: an I/O thread beside one CPU-bound thread (newgil)"
draw convoy-zoom "convoy, 40 ms: each I/O completion waits for a drop request" \
	--at drop --span 40
for s in cpu-legacy cpu-newgil convoy; do
	$K trace report "$T/$s.dat" > "$OUT/$s.report.txt"
done
