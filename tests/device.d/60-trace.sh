#!/bin/bash
# In-kernel aggregation of the kgil tracepoints (docs/tracing.md): a tracefs
# hist trigger on kgil_handoff and a bpftrace one-liner must each count
# exactly the handoffs that the module's own KGIL_IOC_STATS reports for the
# same run, and sum the same latencies into one table.  Runs as root where
# the module is loaded (the VM).
set -euo pipefail
cd "$(dirname "$0")/../.."
T=/sys/kernel/tracing
W=build/tests/helpers/trace-workload
RUN=(--policy legacy --threads 2 --ticks 10000 --io 10)
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

[ -d $T/events/kgil ] || { echo "60-trace: no kgil events in $T" >&2; exit 1; }
tmp=$(mktemp -d)
inst=$T/instances/kgil-hist-$$
trig=$inst/events/kgil/kgil_handoff/trigger
cleanup() {
	[ -d "$inst" ] && { echo '!hist:keys=to:vals=latency_ns' > "$trig" 2>/dev/null || true; rmdir "$inst"; }
	rm -rf "$tmp"
}
trap cleanup EXIT

# 1. hist trigger, in a private instance so nothing else is disturbed; the
#    trigger runs even though the event is not enabled for recording.
mkdir "$inst"
echo 'hist:keys=to:vals=latency_ns' > "$trig"
$W "${RUN[@]}" --stats "$tmp/stats"
hist=$inst/events/kgil/kgil_handoff/hist
cat "$hist" > "$tmp/hist"
hits=$(sed -n 's/^ *Hits: *//p' "$tmp/hist")
rows=$(awk '{ for (i = 1; i < NF; i++) if ($i == "hitcount:") s += $(i + 1) } END { print s + 0 }' "$tmp/hist")
want=$(stat_of handoffs "$tmp/stats")
if [ "$hits" = "$want" ] && [ "$rows" = "$want" ] && [ "$want" -gt 0 ]; then
	ok "hist trigger: $hits handoffs, as KGIL_IOC_STATS says"
else
	bad "hist trigger: Hits $hits, rows sum $rows, STATS $want"; cat "$tmp/hist"
fi
echo '!hist:keys=to:vals=latency_ns' > "$trig"
rmdir "$inst"

# 2. bpftrace, when installed (scripts/deps.sh installs it).
if command -v bpftrace > /dev/null; then
	bpftrace -q -e 'tracepoint:kgil:kgil_handoff { @handoffs = count(); @latency_ns = hist(args->latency_ns); }' \
		-c "$W ${RUN[*]} --stats $tmp/stats2" > "$tmp/bt" 2>&1 || true
	got=$(sed -n 's/^@handoffs: *//p' "$tmp/bt")
	want=$(stat_of handoffs "$tmp/stats2" || true)
	if [ -n "$got" ] && [ "$got" = "$want" ] && grep -q '^@latency_ns:' "$tmp/bt"; then
		ok "bpftrace: $got handoffs, as KGIL_IOC_STATS says"
	else
		bad "bpftrace: counted '$got', STATS '$want'"; cat "$tmp/bt"
	fi
else
	echo "skip: bpftrace not installed"
fi
echo "60-trace: $pass passed, $fail failed"
[ "$fail" = 0 ]
