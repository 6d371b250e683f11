#!/bin/bash
# What `make run` shows a person, on the kernel lock: `kgil reproduce
# --quick` on the kernel legacy and newgil columns prints a table that
# fits in 100 columns, records the two short traces, and draws all six
# pictures (the four charts and the two timelines) into a self-contained
# index.html; `kgil report` draws them again from reproduce.json.  The
# page is opened in a browser natively (tests/unit/report-page.sh):
# chromium under TCG takes minutes.  About a minute under TCG.
set -uo pipefail
cd "$(dirname "$0")/../.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "55-report: FAIL: $*"; fail=1; }
PICTURES="cext-speedup cpu-threads syscalls convoy-rtt timeline-legacy timeline-newgil"

check_pictures() {	# WHAT
	local p
	for p in $PICTURES; do
		[ "$(head -c 8 "$T/out/$p.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = \
			89504e470d0a1a0a ] || bad "$1: $p.png is not a PNG"
	done
	[ "$(grep -o '<img ' "$T/out/index.html" | wc -l)" = 6 ] ||
		bad "$1: index.html does not show the 6 pictures: $(grep -o 'Not drawn: [^<]*' "$T/out/index.html")"
	[ "$(grep -o 'src="data:image/png;base64,iVBORw0KGgo' "$T/out/index.html" | wc -l)" = 6 ] ||
		bad "$1: the pictures are not embedded as PNG data"
}

if ! timeout 900 build/kgil reproduce --quick --columns kernel:legacy,kernel:newgil \
	--out "$T/out" >"$T/stdout" 2>"$T/stderr"; then
	bad "kgil reproduce failed: $(tail -5 "$T/stderr")"
fi
wide=$(awk 'length > 100' "$T/stdout" "$T/stderr")
[ -z "$wide" ] || bad "lines over 100 columns: $wide"
grep -q '^8 ' "$T/stdout" || bad "no block for row 8"
grep -q 'about .* left)$' "$T/stderr" || bad "no time left on the progress lines"
for p in legacy newgil; do
	[ -s "$T/out/trace-$p.dat" ] || bad "no trace of $p: $(tail -2 "$T/out/trace-$p.log")"
done
check_pictures "kgil reproduce"

rm -f "$T"/out/*.png "$T/out/index.html"
build/kgil report "$T/out" >"$T/report.out" 2>&1 || bad "kgil report failed: $(tail -3 "$T/report.out")"
check_pictures "kgil report"
build/kgil report --table "$T/out" >"$T/table" || bad "kgil report --table failed"
[ -z "$(awk 'length > 100' "$T/table")" ] || bad "kgil report --table is over 100 columns"
[ "$(build/kgil report --wide "$T/out" | awk 'length > 100' | wc -l)" -gt 0 ] ||
	bad "kgil report --wide is not the wide table"
echo "55-report: $([ $fail -eq 0 ] && echo ok || echo FAILED)"
exit $fail
