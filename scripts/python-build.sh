#!/bin/bash
# make python: Debian 12's CPython 3.11 with its GIL routed to kgil
# (issue 14, docs/python.md).  Builds build/cpython/python.
#
#   build/cpython/src/          apt-get source: .dsc, orig and debian tarballs,
#                               and python3.11-3.11.2/, extracted by dpkg-source
#                               with Debian's own patches applied (pristine)
#   build/cpython/tree/         the source tree the build uses: the pristine
#                               tree hard-linked, plus kgil's patch
#   build/cpython/applied.patch the kgil patch as last applied to tree/
#   build/cpython/obj/          the out-of-tree build (configure + make)
#   build/cpython/python        a wrapper that runs obj/python
#
# Cached at every step: a rebuild after editing only the patch rewrites
# just the files whose patched text changed (the others keep their mtime)
# and runs an incremental make.  Run it under nice: the build is long.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
B=$REPO/build
C=$B/cpython
SRC=$C/src
PATCH=${KGIL_PY_PATCH:-$REPO/user/python/cpython-3.11-kgil.patch}
PKG=python3.11
JOBS=${JOBS:-$(nproc)}

log() { echo "python-build: $*" >&2; }
die() { log "$*"; exit 1; }

# Build dependencies (a minimal `apt-get build-dep`): only for this target.
"$REPO/scripts/deps.sh" dpkg-dev libssl-dev zlib1g-dev libffi-dev libbz2-dev \
	liblzma-dev libsqlite3-dev libreadline-dev uuid-dev libexpat1-dev

[ -f "$B/libkgil.a" ] || die "no $B/libkgil.a: run make first"
mkdir -p "$SRC"

# ---- 1. the source package -------------------------------------------
dsc() { ls "$SRC"/${PKG}_*.dsc 2>/dev/null | sort -V | tail -1; }
if [ -z "$(dsc)" ]; then
	"$REPO/scripts/apt-src.sh"
	# Newest first; a version whose files a mirror lacks (a security
	# update's pool can be missing) falls back to the next one.
	vers=${KGIL_PY_VERSION:-$(apt-cache showsrc "$PKG" | awk '/^Version:/ { print $2 }' | sort -rV | uniq)}
	[ -n "$vers" ] || die "no source package $PKG (deb-src entries?)"
	for v in $vers; do
		log "apt-get source $PKG=$v"
		(cd "$SRC" && apt-get source --download-only -qq "$PKG=$v") >&2 && break
		log "$PKG=$v could not be fetched"
		rm -f "$SRC/${PKG}_$v.dsc" "$SRC/${PKG}_$v".debian.*
	done
fi
DSC=$(dsc)
[ -n "$DSC" ] || die "apt-get source $PKG gave no .dsc"

# The tarballs against the .dsc's Checksums-Sha256, explicitly (apt
# checked the .dsc against the archive's signed index; dpkg-source checks
# again, but a corrupt or swapped tarball must stop us here, by name).
files=$(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 }
	on && NF == 3 { print $1, $3 }' "$DSC")
[ -n "$files" ] || die "no Checksums-Sha256 in $DSC"
orig_seen=0
while read -r sum name; do
	[ -f "$SRC/$name" ] || die "$name (listed in $(basename "$DSC")) is missing"
	got=$(sha256sum "$SRC/$name" | cut -d' ' -f1)
	[ "$got" = "$sum" ] || die "$name: sha256 $got, the .dsc says $sum"
	case $name in *.orig.tar.*) orig_seen=1 ;; esac
done <<<"$files"
[ $orig_seen = 1 ] || die "no orig tarball in $DSC"

# ---- 2. extract with Debian's patches (dpkg-source -x applies them) -----
VER=$(awk '/^Version:/ { print $2; exit }' "$DSC")
UP=${VER%-*}
PRISTINE=$SRC/$PKG-$UP
if [ ! -f "$C/extracted.stamp" ] || [ "$(cat "$C/extracted.stamp")" != "$VER" ]; then
	log "dpkg-source -x $(basename "$DSC") (Debian's patches applied)"
	rm -rf "$PRISTINE" "$C/tree" "$C/obj" "$C/applied.patch"
	(cd "$SRC" && dpkg-source --no-check -x "$(basename "$DSC")" "$PKG-$UP") >&2
	[ -f "$PRISTINE/Python/ceval_gil.h" ] || die "no Python/ceval_gil.h in $PRISTINE"
	echo "$VER" >"$C/extracted.stamp"
fi

# ---- 3. the working tree and kgil's patch --------------------------------
TREE=$C/tree
if [ ! -d "$TREE" ]; then
	# Hard links: cheap; every write below replaces a file, never edits it.
	cp -al "$PRISTINE" "$TREE"
	rm -rf "$TREE/debian"
fi
patched_files() { [ -f "$1" ] && grep -E '^\+\+\+ ' "$1" | awk '{ print $2 }' | sed 's#^[^/]*/##' || true; }
if ! cmp -s "$PATCH" "$C/applied.patch"; then
	log "applying $(basename "$PATCH")"
	stage=$(mktemp -d "$C/stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	all=$( { patched_files "$PATCH"; patched_files "$C/applied.patch"; } | sort -u)
	for f in $all; do
		mkdir -p "$stage/$(dirname "$f")"
		[ -f "$PRISTINE/$f" ] && cp "$PRISTINE/$f" "$stage/$f"
	done
	[ ! -s "$PATCH" ] || patch -s -d "$stage" -p1 --no-backup-if-mismatch -r - <"$PATCH" ||
		die "$(basename "$PATCH") does not apply to $PKG $VER"
	for f in $all; do
		if [ -f "$stage/$f" ]; then
			cmp -s "$stage/$f" "$TREE/$f" || { cp --remove-destination "$stage/$f" "$TREE/$f"; log "  $f"; }
		else
			rm -f "$TREE/$f"
		fi
	done
	cp "$PATCH" "$C/applied.patch"
fi

# ---- 4. configure out of tree, make -------------------------------------
OBJ=$C/obj
mkdir -p "$OBJ"
KGIL_CPPFLAGS="-I$REPO/user/include -I$REPO/include/uapi -I$B/include"
KGIL_LIBS="$B/libkgil.a -luring $(pkg-config --libs libbpf 2>/dev/null || true) -pthread"
CONF_ARGS=(--without-ensurepip --with-system-expat --enable-ipv6
	"CPPFLAGS=$KGIL_CPPFLAGS" "LIBS=$KGIL_LIBS")
if [ ! -f "$OBJ/Makefile" ] || [ "$(cat "$OBJ/kgil-configure" 2>/dev/null)" != "${CONF_ARGS[*]}" ]; then
	log "configure (out of tree, $OBJ)"
	(cd "$OBJ" && "$TREE/configure" -q "${CONF_ARGS[@]}") >&2
	printf '%s' "${CONF_ARGS[*]}" >"$OBJ/kgil-configure"
fi
# Debian's security backports made Modules/pyexpat.c include an internal
# header (pycore_ceval.h) that needs Py_BUILD_CORE_MODULE, which Debian's
# own build defines by building it into the binary; do that here too.
setup_local='*static*
pyexpat pyexpat.c -lexpat'
[ "$(cat "$OBJ/Modules/Setup.local" 2>/dev/null)" = "$setup_local" ] ||
	printf '%s\n' "$setup_local" >"$OBJ/Modules/Setup.local"
# libkgil is linked in statically: a newer one means a relink.
[ ! -f "$OBJ/python" ] || [ "$B/libkgil.a" -ot "$OBJ/python" ] || rm -f "$OBJ/python"
log "make -j$JOBS"
make -s -C "$OBJ" -j"$JOBS" >"$C/make.log" 2>&1 || { tail -40 "$C/make.log" >&2; die "make failed (build/cpython/make.log)"; }

# Embedding tests (tests/python/embed-*.c, run by tests/python/smoke.sh):
# linked as CPython links Programs/_testembed, into obj/ where they find
# the build tree's Lib/ as _testembed does.
for src in "$REPO"/tests/python/embed-*.c; do
	out=$OBJ/kgil-$(basename "$src" .c)
	make -s -C "$OBJ" -f Makefile -f "$REPO/tests/python/embed.mk" \
		KGIL_EMBED_SRC="$src" KGIL_EMBED_OUT="$out" "$out" >>"$C/make.log" 2>&1 ||
		{ tail -20 "$C/make.log" >&2; die "building $out failed (build/cpython/make.log)"; }
done

# The wrapper: obj/python finds its Lib/ through the build tree
# (pybuilddir.txt), wherever it is started from; the VM mounts the repo
# at the same path, so the same wrapper works there.
cat >"$C/python.tmp" <<EOF
#!/bin/sh
# Written by scripts/python-build.sh: CPython $VER + kgil's patch.
exec "$OBJ/python" "\$@"
EOF
chmod +x "$C/python.tmp"
mv "$C/python.tmp" "$C/python"
"$C/python" -c 'import sys; print("python-build:", sys.version.split()[0], "at", sys.executable)' >&2
