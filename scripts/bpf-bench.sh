#!/bin/bash
# bpf-bench.sh: the BPF policies against the built-in ones, side by side
# in one run where the module is loaded (the 6.12 VM here; natively on a
# 6.12 host that can load modules).  For each of fifo, bpf:bpf_fifo,
# ioprio, bpf:bpf_ioprio it runs `kgil bench handoff` (lock ping-pong:
# the cost of a handoff) and `kgil bench convoy` (an echo server beside a
# CPU-bound thread: the convoy and its removal), REPEAT times each, with
# the kernel's BPF run-time statistics on (kernel.bpf_stats_enabled), and
# prints a table: the medians, and what each BPF hook cost per call and
# per handoff (bpftool prog show: run_time_ns / run_cnt).
#
#   scripts/bpf-bench.sh              # measure (in the 6.12 VM) and print
#   scripts/bpf-bench.sh --summary-only
set -euo pipefail
cd "$(dirname "$0")/.."
K=build/kgil
T=build/bpf-bench
REPEAT=${REPEAT:-3}
POLICIES="fifo bpf:bpf_fifo ioprio bpf:bpf_ioprio"
if [ "${1:-}" = --measure-in ]; then
	rm -rf "$T"
	mkdir -p "$T"
	for n in bpf_fifo bpf_ioprio; do $K policy unload $n > /dev/null 2>&1 || true; done
	$K policy load build/bpf/fifo.bpf.o
	$K policy load build/bpf/ioprio.bpf.o
	sysctl -qw kernel.bpf_stats_enabled=1
	# Interleaved repetitions, so that a slow spell of the host hits
	# every policy alike; the statistics are read after the handoff runs
	# (the cost per handoff) and again at the end.
	for r in $(seq 1 "$REPEAT"); do
		for p in $POLICIES; do
			$K bench handoff --policy "$p" --quiet --json > "$T/handoff-${p#bpf:}-$r.json"
		done
	done
	bpftool -j prog show > "$T/progs-handoff.json"
	for r in $(seq 1 "$REPEAT"); do
		for p in $POLICIES; do
			$K bench convoy --policy "$p" --quiet --json > "$T/convoy-${p#bpf:}-$r.json"
		done
	done
	bpftool -j prog show > "$T/progs.json"
	sysctl -qw kernel.bpf_stats_enabled=0
	$K policy unload bpf_fifo
	$K policy unload bpf_ioprio
	uname -r > "$T/kernel"
	exit 0
fi
if [ "${1:-}" != --summary-only ]; then
	KGIL_KERNEL_RELEASE=${KGIL_KERNEL_RELEASE:-$(ls -d build/kmod/6.12* 2>/dev/null |
		sort -V | tail -1 | xargs -r basename)}
	[ -n "$KGIL_KERNEL_RELEASE" ] || { echo "bpf-bench: no module built for 6.12" >&2; exit 1; }
	export KGIL_KERNEL_RELEASE
	scripts/with-module --timeout 2400 -- scripts/bpf-bench.sh --measure-in
fi
python3 - "$T" "$REPEAT" $POLICIES <<'PY'
import glob, json, statistics, sys
T, repeat, policies = sys.argv[1], int(sys.argv[2]), sys.argv[3:]

def runs(kind, p):
    f = p.split(":", 1)[-1]
    return [json.load(open(x)) for x in sorted(glob.glob(f"{T}/{kind}-{f}-*.json"))]

def med(rs, k):
    v = [r[k] for r in rs if r.get(k) is not None]
    return statistics.median(v) if v else float("nan")

kernel = open(f"{T}/kernel").read().strip()
print(f"bpf-bench: {kernel}, medians of {repeat} runs each, one VM run")
print(f"{'policy':16s} {'handoff p50 us':>14s} {'p99 us':>8s} {'vs futex':>8s}"
      f" {'convoy p50 ratio':>16s} {'p99 ratio':>9s} {'cpu thr':>7s} {'loaded p50 us':>13s}")
h, c = {}, {}
for p in policies:
    h[p], c[p] = runs("handoff", p), runs("convoy", p)
    print(f"{p:16s} {med(h[p], 'handoff_p50_us'):14.1f} {med(h[p], 'handoff_p99_us'):8.1f}"
          f" {med(h[p], 'ratio'):8.2f} {med(c[p], 'ratio_p50'):16.2f}"
          f" {med(c[p], 'ratio_p99'):9.2f} {med(c[p], 'cpu_throughput_ratio'):7.2f}"
          f" {med(c[p], 'loaded_p50_us'):13.1f}")
for base in ("fifo", "ioprio"):
    b = f"bpf:bpf_{base}"
    print(f"{b} / {base}: handoff p50 x{med(h[b], 'handoff_p50_us') / med(h[base], 'handoff_p50_us'):.2f},"
          f" convoy p50 ratio x{med(c[b], 'ratio_p50') / med(c[base], 'ratio_p50'):.2f}")

def hooks(path):
    return {p.get("name", "?"): (p.get("run_cnt", 0), p.get("run_time_ns", 0))
            for p in json.load(open(path)) if p.get("type") == "struct_ops"}

# The hooks' own cost, from the kernel's BPF statistics: per call over
# every run, and per handoff over the handoff runs (each a real handoff).
after_h, after_all = hooks(f"{T}/progs-handoff.json"), hooks(f"{T}/progs.json")
print("BPF hooks, all runs: program, calls, ns per call")
for name, (cnt, ns) in sorted(after_all.items()):
    print(f"  {name:24s} {cnt:10d} {ns / cnt if cnt else 0:8.0f}")
for base in ("fifo", "ioprio"):
    b = f"bpf:bpf_{base}"
    # handoff runs `rounds` lock ping-pongs: one handoff each
    n = sum(r.get("rounds") or 0 for r in h[b])
    ns = sum(v[1] for k, v in after_h.items() if k.startswith(base))
    calls = sum(v[0] for k, v in after_h.items() if k.startswith(base))
    if n:
        print(f"{b}: {calls / n:.1f} hook calls and {ns / n:.0f} ns of BPF per handoff"
              f" ({n} handoffs in the handoff runs), {ns / n / 1e3 / med(h[b], 'handoff_p50_us') * 100:.1f}%"
              f" of the handoff's p50")
PY
