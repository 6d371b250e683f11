#!/bin/sh
# The "Beyond CPython" figures of docs/results.md, in one go, where the
# module is loaded (scripts/vm-run -- scripts/beyond-bench.sh OUTDIR):
# convoy under newgil and ioprio (with and without --uring-acquire), cpu
# under fifo at 2/4/16/64 threads, handoff under newgil, fifo and ioprio.
# One JSON file per run in OUTDIR, and a summary of the ratios on stdout.
set -eu
out=${1:-build/beyond}
kgil=${KGIL:-build/kgil}
mkdir -p "$out"

run() {
	name=$1
	shift
	echo "== $name: kgil bench $*" >&2
	"$kgil" bench "$@" --json --quiet > "$out/$name.json"
}

run convoy-newgil convoy --policy newgil
run convoy-ioprio convoy --policy ioprio
run convoy-ioprio-uring convoy --policy ioprio --uring-acquire
for n in 2 4 16 64; do
	run cpu-fifo-$n cpu --policy fifo --threads $n --no-syscall-count
done
for p in newgil fifo ioprio; do
	run handoff-$p handoff --policy $p
done

python3 - "$out" <<'EOF'
import json, os, sys
out = sys.argv[1]
def get(name):
    with open(os.path.join(out, name + ".json")) as f:
        return json.load(f)
for n in ("convoy-newgil", "convoy-ioprio", "convoy-ioprio-uring"):
    r = get(n)
    print(f"{n:22} ratio_p50 {r['ratio_p50']:8.2f}  ratio_p99 {r['ratio_p99']:8.2f}"
          f"  cpu_throughput_ratio {r['cpu_throughput_ratio']:.3f}"
          f"  idle_p50_us {r['idle_p50_us']:.0f}  loaded_p50_us {r['loaded_p50_us']:.0f}")
for n in (2, 4, 16, 64):
    r = get(f"cpu-fifo-{n}")
    print(f"cpu-fifo-{n:<13} ratio {r['ratio']:.3f}  handoffs {r['handoffs']}"
          f"  failed {r['failed_acquires']}  sequential_s {r['sequential_s']:.2f}")
for p in ("newgil", "fifo", "ioprio"):
    r = get(f"handoff-{p}")
    print(f"handoff-{p:14} ratio {r['ratio']:.3f}  handoff_p50_us {r['handoff_p50_us']:.1f}"
          f"  futex_p50_us {r['futex_p50_us']:.1f}")
EOF
