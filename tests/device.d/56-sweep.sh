#!/bin/bash
# `kgil sweep` on the kernel lock: a tiny convoy sweep, 2 switch
# intervals x 2 policies, one short run a point.  sweep.csv and
# sweep.json have every point, each point's runs ran with the switch
# interval and the policy it was swept at (the bench result's own
# switch_interval_ns and policy), the plots and tradeoff.png are PNGs,
# and a bad grid is refused with status 2 before anything runs.  Without
# the syscall count, whose tracepoint toggling under TCG once oopsed a
# longer sweep (user/tools/sweep/sweep.c, the presets).  About a minute under TCG.
set -uo pipefail
cd "$(dirname "$0")/../.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "56-sweep: FAIL: $*"; fail=1; }
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

if ! timeout 600 build/kgil sweep convoy --backend kernel --policy newgil,ioprio \
	--switch-interval 1ms,5ms --rounds 10 --repeat 1 --no-syscall-count -o "$T/out" \
	>"$T/stdout" 2>"$T/stderr"; then
	bad "kgil sweep failed: $(tail -5 "$T/stderr")"
fi
[ -z "$(awk 'length > 100' "$T/stdout")" ] || bad "the table is over 100 columns"
grep -q 'point 4/4' "$T/stderr" || bad "no progress line for point 4/4"
[ "$(wc -l <"$T/out/sweep.csv" 2>/dev/null)" = 5 ] ||
	bad "sweep.csv has not a header and 4 rows: $(cat "$T/out/sweep.csv" 2>&1 | cut -c1-80)"
$PY - "$T/out" <<'PY' || bad "sweep.json or sweep.csv is wrong (above)"
import csv, json, sys
d = json.load(open(sys.argv[1] + "/sweep.json"))
rows = list(csv.DictReader(open(sys.argv[1] + "/sweep.csv")))
bad = []
pts = d["points"]
want = {(p, s) for p in ("newgil", "ioprio") for s in (1000000, 5000000)}
got = {(p["policy"], p["params"]["switch_interval_ns"]) for p in pts}
if len(pts) != 4 or got != want:
    bad.append("points %s, not %s" % (sorted(got), sorted(want)))
for p in pts:
    if p["runs_ok"] != 1 or len(p["runs"]) != 1:
        bad.append("point %s: %d runs" % (p["params"], len(p["runs"])))
    for r in p["runs"]:
        if r["switch_interval_ns"] != p["params"]["switch_interval_ns"] \
                or r["policy"] != p["policy"] or r["backend"] != "kernel":
            bad.append("point %s ran with %s %s %s" % (p["params"], r["backend"],
                       r["policy"], r["switch_interval_ns"]))
    f = p["figures"].get("loaded_p50_us", {})
    if not (f.get("min", -1) <= f.get("median", -2) <= f.get("max", -3)):
        bad.append("point %s: loaded_p50_us %s" % (p["params"], f))
csvgot = {(r["policy"], int(r["switch_interval_ns"])) for r in rows}
if csvgot != want or any(not r["loaded_p50_us"] for r in rows):
    bad.append("csv rows %s" % sorted(csvgot))
for b in bad:
    print("56-sweep:", b)
sys.exit(1 if bad else 0)
PY
for p in loaded_p50_us cpu_throughput_ratio tradeoff; do
	[ "$(head -c 8 "$T/out/$p.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = \
		89504e470d0a1a0a ] || bad "$p.png is not a PNG"
done

# Refused before any run: a reversed range, a third swept option.
build/kgil sweep convoy --backend kernel --switch-interval 5ms..1ms*10 \
	-o "$T/bad" >"$T/bad.out" 2>&1
[ $? = 2 ] || bad "a reversed range did not exit 2"
grep -q "5ms..1ms\*10" "$T/bad.out" || bad "the error does not name the item: $(cat "$T/bad.out")"
[ ! -e "$T/bad" ] || bad "a refused sweep created its directory"
build/kgil sweep convoy --switch-interval 1ms,2ms --gap 1ms,2ms --rounds 5,6 \
	>"$T/bad.out" 2>&1
[ $? = 2 ] || bad "three swept options did not exit 2"
echo "56-sweep: $([ $fail -eq 0 ] && echo ok || echo FAILED)"
exit $fail
