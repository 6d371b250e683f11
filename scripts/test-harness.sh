#!/bin/bash
# The harness's own tests: argument errors give usage and exit 2, every
# `kgil bench` scenario runs in a short mode on each backend given and its
# JSON carries the documented keys (docs/bench.md), and `kgil reproduce
# --quick` writes its table.  Natively (from scripts/test-unit.sh) on the
# user backends; in the VM (tests/device.d/50-harness.sh) on the kernel.
#
# usage: scripts/test-harness.sh BACKEND[:POLICY][/SCENARIO,...]...
#   (all six scenarios unless a list is given; KGIL_HARNESS_SKIP_ARGS=1
#   skips the argument checks, which need no lock and are slow under TCG;
#   KGIL_HARNESS_COLUMNS=LIST adds reproduce --quick --columns LIST)
set -uo pipefail
cd "$(dirname "$0")/.."
KGIL=build/kgil
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
pass=0

ok() { pass=$((pass + 1)); }
# A step's title, with the time the previous step took.
t_step=$(date +%s.%N)
step() {
	local now
	now=$(date +%s.%N)
	printf '== harness: %s (previous step %.1fs)\n' "$*" "$(awk -v a="$now" -v b="$t_step" "BEGIN { print a - b }")"
	t_step=$now
}
bad() { echo "test-harness: FAIL: $*"; fail=1; }

# expect_usage ARGS...: exit status 2 and a usage line on stderr.
expect_usage() {
	"$KGIL" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ $rc -eq 2 ] && grep -q '^usage: ' "$TMP/err"; then ok; else
		bad "kgil $* exited $rc (want 2 with usage)"; fi
}

# Every key a scenario's JSON must have (docs/bench.md).
COMMON="scenario backend policy check_interval switch_interval_ns tick_ns tick_ns_measured cpus ncpus repeat idle_spinners"
declare -A KEYS=(
	[cpu]="threads ticks_per_thread sequential_s sequential_slowdown threaded_s ratio capped handoffs failed_acquires drop_requests forced_switches checks voluntary_ctxt_switches involuntary_ctxt_switches syscalls syscalls_source sequential_syscalls mean_switch_interval_us processes_s processes_speedup"
	[cext]="threads ticks_per_call points max_speedup work_ns_at_1_8x points.0.work_ns points.0.speedup points.0.sequential_s points.0.threaded_s"
	[io]="tasks latency_us sequential_s threaded_s speedup tcp.sequential_s tcp.threaded_s tcp.speedup timeout.sequential_s timeout.threaded_s timeout.speedup"
	[convoy]="cpu_threads rounds gap_us idle_p50_us idle_p99_us loaded_p50_us loaded_p99_us ratio_p50 ratio_p99 cpu_throughput_ratio loaded_handoffs"
	[handoff]="rounds hold_us handoff_p50_us handoff_p99_us futex_p50_us futex_p99_us ratio"
	[overhead]="ticks locked_s unlocked_s ratio syscalls checks"
	[py-cpu]="threads count_per_thread sequential_s threaded_s ratio processes_s processes_speedup"
	[py-convoy]="cpu_threads rounds gap_us idle_p50_us loaded_p50_us ratio_p50 ratio_p99 idle_round_trips_per_s loaded_round_trips_per_s cpu_alone_iters_per_s cpu_throughput_ratio"
	[py-cext]="threads points max_speedup buffer_bytes_at_1_8x points.0.buffer_bytes points.0.speedup points.5.speedup"
)
# The py-* scenarios on --backend stock have no lock settings to show.
PYCOMMON="scenario backend policy tick_ns cpus ncpus repeat"
# Short modes: a fraction of a second each on hardware.
declare -A SHORT=(
	[cpu]="--duration 50ms --processes"
	[cext]="--duration 20ms --work-ns 0,2000"
	[io]="--latency 5ms"
	[convoy]="--rounds 10"
	[handoff]="--rounds 50 --hold 50us"
	[overhead]="--duration 20ms"
	[py-cpu]="--duration 200ms --processes"
	[py-convoy]="--rounds 20"
	[py-cext]="--work 1000000"
)
# The keys that must hold a number (not null) whatever the backend.
declare -A NUMBERS=(
	[cpu]="sequential_s threaded_s ratio handoffs processes_speedup"
	[cext]="max_speedup points.0.speedup"
	[io]="speedup tcp.speedup timeout.speedup"
	[convoy]="idle_p50_us loaded_p50_us ratio_p50 cpu_throughput_ratio"
	[handoff]="handoff_p50_us futex_p50_us ratio"
	[overhead]="ratio locked_s unlocked_s"
	[py-cpu]="sequential_s threaded_s ratio processes_speedup"
	[py-convoy]="idle_p50_us loaded_p50_us ratio_p50 cpu_throughput_ratio"
	[py-cext]="max_speedup points.0.speedup points.5.speedup"
)

# Python starts in seconds under TCG, its pyenv shim in tens: take the
# system one, and start it once for all the JSON checks (see check_all).
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
MANIFEST=$TMP/manifest

# expect_json FILE "KEYS" "NUMBERS" WHAT: checked later by check_all.
expect_json() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$MANIFEST"
}

# bench_json SCENARIO TARGET "COMMON KEYS" [BENCH OPTIONS...]: run the
# scenario in its short mode with --json and queue its keys for check_all.
bench_json() {
	local s=$1 target=$2 common=$3
	shift 3
	step "bench $s on $target"
	# shellcheck disable=SC2086
	if ! timeout 120 "$KGIL" bench "$s" "$@" ${SHORT[$s]} \
		--json --quiet >"$TMP/$target.$s.json" 2>"$TMP/$s.err"; then
		bad "bench $s on $target failed: $(tail -3 "$TMP/$s.err")"
		return
	fi
	expect_json "$TMP/$target.$s.json" "$common ${KEYS[$s]}" "${NUMBERS[$s]}" \
		"bench $s on $target"
}

# Every key present, numbers are numbers; one line per failure.
check_all() {
	[ -s "$MANIFEST" ] || return 0
	$PY - "$MANIFEST" <<'PY'
import json, sys
bad = 0
def check_reproduce(d, columns):
    """Every column ran every experiment; every row has a cell per column."""
    out = []
    if d["quick"] is not True or len(d["columns"]) != len(columns):
        out.append("columns")
    for c in d["columns"]:
        if c["status"] != "ok":
            out.append("%s: %s" % (c["label"], c["status"]))
        for e in ("cpu_all", "cpu_1cpu", "cext", "io", "convoy"):
            if not isinstance(c["experiments"].get(e), dict):
                out.append("%s: %s" % (c["label"], e))
    ids = [r["id"] for r in d["rows"]]
    if ids != ["1", "2a", "2b", "2c", "3a", "3b", "4", "5", "6", "7", "8"]:
        out.append("rows %s" % ids)
    for r in d["rows"]:
        for cell in r["cells"]:
            if cell["verdict"] not in ("reproduced", "not", "n/a", "no data") \
                    or not cell["figure"]:
                out.append("row %s cell %s" % (r["id"], cell))
        if len(r["cells"]) != len(columns):
            out.append("row %s has %d cells" % (r["id"], len(r["cells"])))
    return out
def get(d, path):
    for p in path.split('.'):
        d = d[int(p)] if isinstance(d, list) else d[p]
    return d
for line in open(sys.argv[1]):
    path, keys, numbers, what = line.rstrip('\n').split('\t')
    try:
        d = json.load(open(path))
    except Exception as e:
        print("FAIL %s: not JSON: %s" % (what, e)); bad += 1; continue
    missing = []
    for k in keys.split():
        try:
            get(d, k)
        except (KeyError, IndexError, TypeError):
            missing.append(k)
    for k in numbers.split():
        try:
            v = get(d, k)
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            missing.append("%s (not a number: %r)" % (k, v))
    if what.startswith("reproduce ") and not missing:
        missing = check_reproduce(d, what.split()[1].split(","))
    if missing:
        print("FAIL %s: missing or wrong: %s" % (what, ", ".join(missing))); bad += 1
    else:
        print("ok %s" % what)
sys.exit(1 if bad else 0)
PY
}

if [ -z "${KGIL_HARNESS_SKIP_ARGS:-}" ]; then
	step "argument errors"
	expect_usage
	expect_usage nosuchcommand
	expect_usage bench
	expect_usage bench nosuchscenario
	expect_usage bench cpu --nosuchoption
	expect_usage bench cpu --threads
	expect_usage bench cpu --threads 0
	expect_usage bench cpu --duration 5parsecs
	expect_usage bench cpu --cpus 3-1
	expect_usage bench cpu --backend nosuchbackend
	expect_usage bench cpu --backend user-legacy --policy newgil
	expect_usage bench cpu extra
	expect_usage reproduce --nosuchoption
	expect_usage reproduce --columns user-legacy:newgil
	expect_usage bench cpu --idle-spinners sometimes
	expect_usage bench cpu --backend stock
	expect_usage bench py-cpu --backend stock --policy newgil
	expect_usage bench py-cpu --backend stock --switch-interval 1ms
	expect_usage bench py-cpu --backend stock --py-io none
	expect_usage bench py-convoy --py-io sometimes
	"$KGIL" bench --help >/dev/null && ok || bad "bench --help"
fi

# The py-* scenarios' plumbing (scripts, convoy's peer, the figures) on
# CPython's own GIL, with the system python3 (the same 3.11) when the
# patched interpreter is not built: natively only, as Python starts in
# seconds under TCG.  Missing interpreter: an error naming make python.
if [ -z "${KGIL_IN_VM:-}" ] && [ -z "${KGIL_HARNESS_SKIP_ARGS:-}" ]; then
	pyexe=build/cpython/python
	[ -x "$pyexe" ] || pyexe=$PY
	for s in py-cpu py-convoy py-cext; do
		KGIL_PYTHON=$pyexe bench_json "$s" stock "$PYCOMMON" --backend stock
	done
	# On a kgil backend py-cpu runs the same count on stock beside it.
	if [ -x build/cpython/python ]; then
		KGIL_PYTHON=build/cpython/python bench_json py-cpu user-newgil \
			"$COMMON py_io stock_sequential_s stock_threaded_s stock_ratio ratio_vs_stock sequential_vs_stock threaded_vs_stock stock_processes_speedup" \
			--backend user-newgil
	fi
	if KGIL_PYTHON=/nonexistent "$KGIL" bench py-cpu --backend stock --quiet \
		2>"$TMP/nopy.err" >/dev/null; then
		bad "py-cpu ran without an interpreter"
	else
		grep -q 'make python' "$TMP/nopy.err" && ok ||
			bad "no interpreter: $(cat "$TMP/nopy.err")"
	fi
fi

for arg in "$@"; do
	target=${arg%%/*}
	scenarios="cpu cext io convoy handoff overhead"
	[ "$arg" != "$target" ] && scenarios=${arg#*/} && scenarios=${scenarios//,/ }
	backend=${target%%:*}
	policy=
	[ "$target" != "$backend" ] && policy="--policy ${target#*:}"
	for s in $scenarios; do
		# shellcheck disable=SC2086
		bench_json "$s" "$target" "$COMMON" --backend "$backend" $policy
	done
	# The human table too, once per target.
	if "$KGIL" bench overhead --backend "$backend" $policy --duration 10ms --quiet \
		| grep -q '^ratio '; then ok; else bad "bench overhead table on $target"; fi
done

# reproduce --quick on the columns given by $KGIL_HARNESS_COLUMNS.
if [ -n "${KGIL_HARNESS_COLUMNS:-}" ]; then
	step "reproduce --quick --columns $KGIL_HARNESS_COLUMNS"
	if timeout 300 "$KGIL" reproduce --quick --columns "$KGIL_HARNESS_COLUMNS" \
		--out "$TMP/results" >"$TMP/repro.out" 2>"$TMP/repro.err"; then
		expect_json "$TMP/results/reproduce.json" "rows.10.cells columns.0.experiments.cpu_all.ratio" \
			"" "reproduce $KGIL_HARNESS_COLUMNS"
		grep -q '^| 8 ' "$TMP/results/reproduce.md" && ok || bad "reproduce.md has no row 8"
		grep -q '^8 ' "$TMP/repro.out" && ok || bad "reproduce printed no table"
	else
		bad "reproduce --quick failed: $(tail -5 "$TMP/repro.err")"
	fi
fi

step "checking the JSON"
out=$(check_all) || bad "$(grep '^FAIL' <<<"$out")"
pass=$((pass + $(grep -c '^ok ' <<<"$out")))
step "done"
echo "test-harness: $pass passed$([ $fail -ne 0 ] && echo ", FAILURES above")"
exit $fail
