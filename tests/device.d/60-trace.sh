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
# Two instances: one hist trigger per event and instance (a second one on
# the same event would not show in its hist file).
inst=$T/instances/kgil-hist-$$
inst2=$T/instances/kgil-hist2-$$
# TRIGGERS: "instance|event|trigger"
set_triggers() {	# "" to set them, "!" to remove them
	for t in "${TRIGGERS[@]}"; do
		IFS='|' read -r i e h <<< "$t"
		[ -d "$i" ] && echo "$1$h" > "$i/events/kgil/$e/trigger"
	done
}
cleanup() {
	set_triggers '!' 2>/dev/null || true
	for i in "$inst" "$inst2"; do [ -d "$i" ] && rmdir "$i"; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# 1. hist triggers (those of docs/tracing.md), in a private instance so
#    nothing else is disturbed; triggers run though the events are not
#    enabled for recording.
TRIGGERS=(
	"$inst|kgil_handoff|hist:keys=to:vals=latency_ns"
	"$inst2|kgil_handoff|hist:keys=latency_ns.log2:sort=latency_ns"
	"$inst|kgil_acquire_end|hist:keys=tid:vals=wait_ns,failed if ret == 0"
	"$inst|kgil_release|hist:keys=domain,reason:sort=domain"
)
mkdir "$inst" "$inst2"
set_triggers ''
$W "${RUN[@]}" --stats "$tmp/stats"
# hits FILE: the Totals line; sum FILE FIELD: a column summed over the rows.
hits() { sed -n 's/^ *Hits: *//p' "$1"; }
sum() { awk -v f="$2:" '{ for (i = 1; i < NF; i++) if ($i == f) s += $(i + 1) } END { print s + 0 }' "$1"; }
for e in kgil_handoff kgil_acquire_end kgil_release; do
	cat "$inst/events/kgil/$e/hist" > "$tmp/$e"
done
cat "$inst2/events/kgil/kgil_handoff/hist" > "$tmp/log2"
check() {	# what got want
	if [ "$2" = "$3" ] && [ "$3" -gt 0 ]; then ok "hist trigger: $1 $2, as KGIL_IOC_STATS says"
	else bad "hist trigger: $1 $2, KGIL_IOC_STATS $3"; fi
}
handoffs=$(stat_of handoffs "$tmp/stats")
check "handoffs" "$(hits "$tmp/kgil_handoff")" "$handoffs"
check "handoffs summed over receivers" "$(sum "$tmp/kgil_handoff" hitcount)" "$handoffs"
check "handoffs summed over log2 latency buckets" "$(sum "$tmp/log2" hitcount)" "$handoffs"
check "granted acquisitions" "$(hits "$tmp/kgil_acquire_end")" "$(stat_of acquisitions "$tmp/stats")"
check "releases" "$(hits "$tmp/kgil_release")" "$(stat_of releases "$tmp/stats")"
[ "$fail" = 0 ] || cat "$tmp"/kgil_* "$tmp/log2"
set_triggers '!'
rmdir "$inst" "$inst2"

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
