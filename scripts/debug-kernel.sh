#!/bin/bash
# debug-kernel.sh: build a debug kernel (KASAN, lockdep, kmemleak, UBSAN,
# atomic-sleep checks, fault injection) from Debian's linux-source package,
# for scripts/vm-run --kernel and for building kgil.ko against it.
#
# Result, cached under build/debug-kernel/ (a second run is a no-op while
# the config fragment and this script are unchanged):
#   build/debug-kernel/bzImage        the kernel to boot
#   build/debug-kernel/src            the built tree: KDIR for the module
#   build/debug-kernel/build-time     how long the last build took
#
# The config is `allnoconfig` plus scripts/debug-kernel.config, everything
# built in (see that file for why each option is there).  The build runs
# under nice -n 19 with -j2 (override with KGIL_DEBUG_JOBS): the machine's
# two cores are shared.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/build/debug-kernel
FRAG=$REPO/scripts/debug-kernel.config
SRC=$OUT/src
JOBS=${KGIL_DEBUG_JOBS:-2}
SERIES=6.1
TARBALL=/usr/src/linux-source-$SERIES.tar.xz

log() { echo "debug-kernel: $*" >&2; }

# Cached: nothing to do while the inputs are older than the image.
if [ -s "$OUT/bzImage" ] && [ "$OUT/bzImage" -nt "$FRAG" ] &&
   [ "$OUT/bzImage" -nt "$0" ] && [ -s "$SRC/Module.symvers" ]; then
	log "up to date: $OUT/bzImage ($(cat "$SRC/include/config/kernel.release"))"
	exit 0
fi

"$REPO/scripts/deps.sh" "linux-source-$SERIES" bc bison flex libelf-dev libssl-dev
[ -r "$TARBALL" ] || { log "$TARBALL missing after installing linux-source-$SERIES"; exit 1; }

mkdir -p "$OUT"
start=$(date +%s)

# Unpack once; the tarball's top folder is renamed to src so KDIR is stable.
if [ ! -f "$SRC/.kgil-unpacked" ] || [ "$TARBALL" -nt "$SRC/.kgil-unpacked" ]; then
	log "unpacking $TARBALL"
	rm -rf "$SRC" "$OUT/linux-source-$SERIES"
	tar -xf "$TARBALL" -C "$OUT"
	mv "$OUT/linux-source-$SERIES" "$SRC"
	touch "$SRC/.kgil-unpacked"
fi

K=(nice -n 19 make -C "$SRC" -s ARCH=x86_64 -j"$JOBS")

if [ ! -f "$SRC/.config" ] || [ "$FRAG" -nt "$SRC/.config" ]; then
	log "configuring: allnoconfig + $(basename "$FRAG")"
	"${K[@]}" KCONFIG_ALLCONFIG="$FRAG" allnoconfig
	"${K[@]}" olddefconfig
	# Kconfig drops a symbol whose dependencies are unmet without a word:
	# check that every line of the fragment made it into .config.
	bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$SRC/.config" ||
				{ log "config: wanted $line, got: $(grep -E "^(# )?${line%%=*}[= ]" "$SRC/.config" || echo absent)"; bad=1; } ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			! grep -qE "^$sym=[ym]" "$SRC/.config" ||
				{ log "config: wanted $sym off, got it on"; bad=1; } ;;
		esac
	done < "$FRAG"
	if [ "$bad" = 1 ]; then
		rm -f "$SRC/.config"
		log "the fragment does not apply cleanly (see above)"
		exit 1
	fi
fi

log "building $(make -s -C "$SRC" kernelversion)-kgil-debug with -j$JOBS (nice 19)"
# `all` builds vmlinux, bzImage and Module.symvers, which out-of-tree
# modules (M=...) need.
"${K[@]}" all
cp "$SRC/arch/x86/boot/bzImage" "$OUT/bzImage.tmp"
mv "$OUT/bzImage.tmp" "$OUT/bzImage"

secs=$(( $(date +%s) - start ))
printf '%s: %d s (%dm%02ds) with -j%s on %s CPUs\n' "$(date -u +%F)" \
	"$secs" $((secs / 60)) $((secs % 60)) "$JOBS" "$(nproc)" >> "$OUT/build-time"
log "built $OUT/bzImage ($(cat "$SRC/include/config/kernel.release")) in ${secs}s"
