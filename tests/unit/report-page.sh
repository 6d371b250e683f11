#!/bin/bash
# report-page.sh [DIR [SCREENSHOT]]: open a reproduce run's index.html in
# a real browser (Debian's chromium, headless) and check that the page
# loaded and that every picture in it is there and decodes; then take a
# screenshot and check it is a PNG with something drawn on it.
#
# Without DIR it makes a page first: `kgil reproduce --quick` on the user
# backends (native, no module: the two timelines are then listed as not
# drawn).  With SCREENSHOT the screenshot is kept there
# (docs/img/report.png is made so, from a real `make run`).
#
# chromium runs as root here, so without its sandbox, and with everything
# that would reach for the network turned off (the page must need none).
set -euo pipefail
cd "$(dirname "$0")/../.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "report-page: FAIL: $*"; fail=1; }

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "report-page: chromium is missing (scripts/deps.sh installs it)" >&2; exit 1; }
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

DIR=${1:-}
SHOT=${2:-$T/shot.png}
if [ -z "$DIR" ]; then
	DIR=$T/results
	build/kgil reproduce --quick --columns user-legacy,user-newgil --out "$DIR" \
		>"$T/repro.out" 2>"$T/repro.err" || bad "kgil reproduce failed: $(tail -3 "$T/repro.err")"
	# The terminal table fits in 100 columns (reproduce.md keeps the wide one).
	wide=$(awk 'length > 100' "$T/repro.out" "$T/repro.err")
	[ -z "$wide" ] || bad "lines over 100 columns: $wide"
	grep -q '^8 ' "$T/repro.out" || bad "no block for row 8 in the table"
	[ "$(awk 'length > 100' "$DIR/reproduce.md" | wc -l)" -gt 0 ] ||
		bad "reproduce.md lost the wide table"
fi
PAGE=$DIR/index.html
[ -s "$PAGE" ] || { echo "report-page: FAIL: no $PAGE"; exit 1; }

# Self-contained: nothing on the page is fetched from anywhere.
if grep -Eq '(src|href)="(https?:|//)' "$PAGE"; then bad "the page refers to the network"; fi
nimg=$(grep -o '<img ' "$PAGE" | wc -l)
[ "$nimg" -ge 3 ] || bad "only $nimg pictures on the page"

# A copy of the page with a probe that, once loaded, counts the pictures
# the browser decoded; --dump-dom prints the DOM after the load event.
sed 's|</body>|<script>window.addEventListener("load", function () {\
var n = 0, im = document.images;\
for (var i = 0; i < im.length; i++) if (im[i].complete \&\& im[i].naturalWidth > 0) n++;\
var m = document.createElement("meta"); m.name = "kgil-probe";\
m.content = "images " + im.length + " decoded " + n + " cells " +\
document.querySelectorAll("td.reproduced, td.not, td.na, td.nodata").length;\
document.head.appendChild(m);});</script></body>|' "$PAGE" >"$T/probe.html"

chromium() {
	local profile
	profile=$(mktemp -d "$T/profile.XXXXXX")
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$profile" --hide-scrollbars "$@" 2>>"$T/chromium.err"
}

chromium --virtual-time-budget=10000 --dump-dom "file://$T/probe.html" >"$T/dom.html" ||
	bad "chromium --dump-dom failed: $(grep -v -i dbus "$T/chromium.err" | tail -3)"
probe=$(sed -n 's/.*<meta name="kgil-probe" content="\([^"]*\)".*/\1/p' "$T/dom.html")
echo "report-page: $probe"
read -r _ images _ decoded _ cells <<<"${probe:-images 0 decoded 0 cells 0}"
[ "$images" = "$nimg" ] || bad "the browser saw $images pictures, the page has $nimg"
[ "$decoded" = "$nimg" ] || bad "only $decoded of $nimg pictures decoded"
[ "$cells" -ge 11 ] || bad "the table has $cells verdict cells"

rm -f "$SHOT"
chromium --window-size=1280,2400 --screenshot="$SHOT" "file://$(realpath "$PAGE")" >/dev/null ||
	bad "chromium --screenshot failed: $(grep -v -i dbus "$T/chromium.err" | tail -3)"
# A valid PNG (every chunk's CRC, the image data inflates) that is not one
# colour all over.
$PY - "$SHOT" <<'PY' || bad "the screenshot is not a PNG with something on it"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height = 8, b"", 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
    assert zlib.crc32(kind + body) & 0xffffffff == crc, "bad CRC"
    if kind == b"IHDR":
        width, height, depth, colour = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
assert width >= 800 and height >= 600, "tiny screenshot %dx%d" % (width, height)
stride = len(raw) // height
rows = set(raw[y * stride + 1:(y + 1) * stride] for y in range(0, height, 7))
assert len(rows) > 10, "the screenshot is blank"
print("report-page: screenshot %dx%d, %d distinct sampled rows" % (width, height, len(rows)))
PY
echo "report-page: $([ $fail -eq 0 ] && echo ok || echo FAILED) ($PAGE)"
exit $fail
