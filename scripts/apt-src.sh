#!/bin/bash
# Enable Debian's source packages (deb-src) for `apt-get source`, derived
# at run time from the machine's own apt sources: every binary ("deb")
# entry, in deb822 (/etc/apt/sources.list.d/*.sources) or one-line
# (/etc/apt/sources.list, sources.list.d/*.list) form, gets a deb-src
# twin with the same URIs, suites, components and keyring.  No archive
# host is named here.  Entries that already have a deb-src twin are left
# alone.  Writes one file, $out, and runs apt-get update only when that
# file changed.  Idempotent; root only (make python, issue 14).
set -euo pipefail

out=/etc/apt/sources.list.d/kgil-src.sources

# One "URI|SUITES|COMPONENTS|KEYRING|TYPES" line per entry, from both
# formats; TYPES is the entry's list of types ("deb", "deb deb-src").
entries() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		[ "$f" = "$out" ] && continue
		awk '
			BEGIN { RS = ""; FS = "\n" }
			{
				t = ""; u = ""; s = ""; c = ""; k = ""; on = 1
				for (i = 1; i <= NF; i++) {
					l = $i
					if (l ~ /^[ \t]*#/) continue
					v = l; sub(/^[^:]*:[ \t]*/, "", v); sub(/[ \t]+$/, "", v)
					if (l ~ /^Types:/) t = v
					else if (l ~ /^URIs:/) u = v
					else if (l ~ /^Suites:/) s = v
					else if (l ~ /^Components:/) c = v
					else if (l ~ /^Signed-By:/) k = v
					else if (l ~ /^Enabled:[ \t]*no/) on = 0
				}
				if (on && t != "" && u != "" && s != "")
					print u "|" s "|" c "|" k "|" t
			}' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		awk '
			/^[ \t]*(#|$)/ { next }
			{
				type = $1; k = ""; n = 2
				if ($2 ~ /^\[/) {
					opts = ""
					for (; n <= NF; n++) {
						opts = opts " " $n
						if ($n ~ /\]$/) { n++; break }
					}
					if (match(opts, /signed-by=[^] ]*/))
						k = substr(opts, RSTART + 10, RLENGTH - 10)
				}
				u = $n; s = $(n + 1); c = ""
				for (i = n + 2; i <= NF; i++) c = c (c == "" ? "" : " ") $i
				print u "|" s "|" c "|" k "|" type
			}' "$f"
	done
}

all=$(entries)
# URI+suite pairs that already have a deb-src entry somewhere.
have_src=$(printf '%s\n' "$all" | awk -F'|' '$5 ~ /(^| )deb-src( |$)/ {
	n = split($2, s, " "); for (i = 1; i <= n; i++) print $1 " " s[i] }')

new=$(printf '%s\n' "$all" | awk -F'|' -v have="$have_src" '
	BEGIN { n = split(have, h, "\n"); for (i = 1; i <= n; i++) seen[h[i]] = 1 }
	$5 ~ /(^| )deb( |$)/ {
		# Only the suites without a deb-src twin yet.
		m = split($2, s, " "); keep = ""
		for (i = 1; i <= m; i++)
			if (!((($1 " " s[i]) in seen))) keep = keep (keep == "" ? "" : " ") s[i]
		if (keep == "") next
		print ""
		print "Types: deb-src"
		print "URIs: " $1
		print "Suites: " keep
		print "Components: " ($3 == "" ? "main" : $3)
		if ($4 != "") print "Signed-By: " $4
	}')

if [ -z "$new" ]; then
	# Every deb entry has a deb-src twin without ours: ours would repeat them.
	[ -e "$out" ] || exit 0
	[ "$(id -u)" = 0 ] || { echo "apt-src: run as root to remove $out" >&2; exit 1; }
	rm -f "$out"
	apt-get update -qq >&2
	exit 0
fi
content="# Written by kgil's scripts/apt-src.sh from this machine's own apt
# sources (deb-src twins of its deb entries); remove to disable.$new"
if [ -e "$out" ] && [ "$(cat "$out")" = "$content" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "apt-src: run as root to enable deb-src entries" >&2
	exit 1
fi
printf '%s\n' "$content" >"$out"
echo "apt-src: wrote $out; apt-get update" >&2
apt-get update -qq >&2
