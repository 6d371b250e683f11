#!/bin/sh
# The "Beyond CPython" figures of docs/results.md, in one go, where the
# module is loaded (scripts/vm-run --timeout 1800 -- scripts/beyond-bench.sh
# OUTDIR): convoy under newgil and ioprio (with and without
# --uring-acquire), also with the peer's gap scaled like TCG scales
# everything else; cpu under fifo at 2/4/16/64 threads (and newgil at 64
# for contrast, and fifo again on one vCPU); handoff under newgil, fifo
# and ioprio.  fifo and ioprio spin for a due handoff by default
# (--handoff-spin 1ms); the -nospin runs are the same policies sleeping
# instead, side by side.  One JSON file per
# run in OUTDIR, and a summary of the ratios on stdout.  REPEAT (default 3)
# runs each latency figure that many times (medians).
set -eu
out=${1:-build/beyond}
kgil=${KGIL:-build/kgil}
rep=${REPEAT:-3}
mkdir -p "$out"

run() {
	name=$1
	shift
	echo "== $name: kgil bench $*" >&2
	"$kgil" bench "$@" --json --quiet > "$out/$name.json"
}

run convoy-newgil convoy --policy newgil --repeat "$rep"
run convoy-ioprio convoy --policy ioprio --repeat "$rep"
run convoy-ioprio-uring convoy --policy ioprio --uring-acquire --repeat "$rep"
run convoy-ioprio-nospin convoy --policy ioprio --handoff-spin 0 --repeat "$rep"
# TCG runs the guest about 15x slower, but the peer's 1 ms pause is wall
# time: 15 ms keeps the native proportion of pause to handoff cost.
run convoy-newgil-gap15 convoy --policy newgil --gap 15ms
run convoy-ioprio-gap15 convoy --policy ioprio --gap 15ms
# 4 s of work: at 64 threads each thread gets a dozen turns, so the first
# acquisitions and the last releases do not dominate.
for n in 2 4 16 64; do
	run cpu-fifo-$n cpu --policy fifo --threads $n --duration 4s --no-syscall-count
done
# The same on one vCPU: no wake-up or timer of another vCPU in the way
# (docs/results.md: TCG charges the running vCPU for those).
for n in 2 4 16 64; do
	run cpu-fifo-$n-cpu0 cpu --policy fifo --threads $n --duration 4s --no-syscall-count --cpus 0
done
for n in 2 64; do
	run cpu-fifo-$n-nospin cpu --policy fifo --threads $n --duration 4s --no-syscall-count --handoff-spin 0
done
run cpu-newgil-64 cpu --policy newgil --threads 64 --duration 4s --no-syscall-count
for p in newgil fifo ioprio; do
	run handoff-$p handoff --policy $p --repeat "$rep"
done

python3 - "$out" <<'EOF'
import json, os, sys
out = sys.argv[1]
def get(name):
    with open(os.path.join(out, name + ".json")) as f:
        return json.load(f)
for n in ("convoy-newgil", "convoy-ioprio", "convoy-ioprio-uring",
          "convoy-ioprio-nospin", "convoy-newgil-gap15", "convoy-ioprio-gap15"):
    r = get(n)
    print(f"{n:22} ratio_p50 {r['ratio_p50']:7.2f}  ratio_p99 {r['ratio_p99']:7.2f}"
          f"  cpu_throughput_ratio {r['cpu_throughput_ratio']:.3f}"
          f"  idle_p50_us {r['idle_p50_us']:.0f}  loaded_p50_us {r['loaded_p50_us']:.0f}"
          f"  loaded_handoffs {r['loaded_handoffs']}"
          f"  loaded_spin_grants {r.get('loaded_spin_grants')}")
for n in ("fifo-2", "fifo-4", "fifo-16", "fifo-64", "fifo-2-cpu0",
          "fifo-4-cpu0", "fifo-16-cpu0", "fifo-64-cpu0", "fifo-2-nospin",
          "fifo-64-nospin", "newgil-64"):
    r = get(f"cpu-{n}")
    print(f"cpu-{n:18} ratio {r['ratio']:.3f}  handoffs {r['handoffs']}"
          f"  failed {r['failed_acquires']}  voluntary_ctxt_switches {r['voluntary_ctxt_switches']}"
          f"  sequential_s {r['sequential_s']:.2f}  spin_grants {r.get('spin_grants')}")
for p in ("newgil", "fifo", "ioprio"):
    r = get(f"handoff-{p}")
    print(f"handoff-{p:14} ratio {r['ratio']:.3f}  handoff_p50_us {r['handoff_p50_us']:.1f}"
          f"  futex_p50_us {r['futex_p50_us']:.1f}")
EOF
