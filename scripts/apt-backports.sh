#!/bin/bash
# Enable the backports suite of this Debian release, derived from the
# machine's own apt sources (the same archive and keyring as the release's
# main suite; no archive host is named here), for the few packages kgil
# takes from it: libbpf >= 1.4, which struct_ops types defined by a
# module need (issue 15).  Backports stay at apt's default priority 100,
# so nothing is upgraded from them unless asked for by name
# (PKG/CODENAME-backports).  Idempotent; prints the suite's name.
set -euo pipefail

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || { echo "apt-backports: no VERSION_CODENAME in /etc/os-release" >&2; exit 1; }
suite="$codename-backports"
out=/etc/apt/sources.list.d/kgil-backports.sources

if apt-cache policy 2>/dev/null | grep -q " $suite/"; then
	echo "$suite"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "apt-backports: run as root to enable $suite" >&2
	exit 1
fi

# The first entry (deb822 or one-line) whose suite is the release itself.
uri= keyring=
for f in /etc/apt/sources.list.d/*.sources; do
	[ -e "$f" ] || continue
	[ "$f" = "$out" ] && continue
	read -r uri keyring < <(awk -v c="$codename" '
		BEGIN { RS = ""; FS = "\n" }
		{
			u = ""; s = ""; k = ""; t = ""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^Types:/) t = $i
				if ($i ~ /^URIs:/) { u = $i; sub(/^URIs:[ \t]*/, "", u); sub(/[ \t].*/, "", u) }
				if ($i ~ /^Suites:/) s = " " $i " "
				if ($i ~ /^Signed-By:/) { k = $i; sub(/^Signed-By:[ \t]*/, "", k) }
			}
			if (t ~ /[ \t]deb([ \t]|$)/ && s ~ (" " c " ")) { print u, k; exit }
		}' "$f") || true
	[ -n "$uri" ] && break
done
if [ -z "$uri" ] && [ -e /etc/apt/sources.list ]; then
	uri=$(sed -e 's/\[[^]]*\]//' /etc/apt/sources.list |
		awk -v c="$codename" '$1 == "deb" && $3 == c { print $2; exit }')
fi
[ -n "$uri" ] || { echo "apt-backports: no apt source for $codename to derive $suite from" >&2; exit 1; }

{
	echo "# Written by kgil's scripts/apt-backports.sh, from this machine's own"
	echo "# $codename source; remove to disable."
	echo "Types: deb"
	echo "URIs: $uri"
	echo "Suites: $suite"
	echo "Components: main"
	[ -n "$keyring" ] && echo "Signed-By: $keyring"
} >"$out"
apt-get update -qq >&2
echo "$suite"
