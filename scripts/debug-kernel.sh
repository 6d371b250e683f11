#!/bin/bash
# debug-kernel.sh [kernel|module|test]: the debug kernel path.
#
#   kernel  build a debug kernel (KASAN, lockdep, kmemleak, UBSAN,
#           atomic-sleep checks, fault injection) from Debian's
#           linux-source package (make debug-kernel);
#   module  build kgil.ko against it, out of tree in build/debug-module/,
#           so kmod/kgil.ko (the Debian kernel's, used by everyone) is
#           left alone;
#   test    boot it with that module and run the device suite, whose
#           fuzz, stress and check parts run longer here (make test-debug).
#
# Results, cached under build/ (the kernel is rebuilt only when the config
# fragment changes):
#   build/debug-kernel/bzImage        the kernel to boot
#   build/debug-kernel/src            the built tree: KDIR for the module
#   build/debug-kernel/build-time     how long each kernel build took
#   build/debug-kernel/test-time      how long each test run took
#   build/debug-module/kmod/kgil.ko   the module for it
#
# The config is `allnoconfig` plus scripts/debug-kernel.config, everything
# built in (see that file for why each option is there).  The build runs
# under nice -n 19 with -j2 (override with KGIL_DEBUG_JOBS): the machine's
# two cores are shared.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
WHAT=${1:-kernel}
OUT=$REPO/build/debug-kernel
MOD=$REPO/build/debug-module
FRAG=$REPO/scripts/debug-kernel.config
SRC=$OUT/src
JOBS=${KGIL_DEBUG_JOBS:-2}
SERIES=6.1
TARBALL=/usr/src/linux-source-$SERIES.tar.xz

log() { echo "debug-kernel: $*" >&2; }
case $WHAT in kernel|module|test) ;; *) echo "usage: $0 [kernel|module|test]" >&2; exit 2 ;; esac

# One builder at a time: the tree and build/debug-module are shared.  The
# test run itself needs no lock.
mkdir -p "$OUT"
exec 9> "$OUT/.lock"
flock 9

build_kernel() {

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
}

# Cached: nothing to do while the inputs are older than the image.
if [ -s "$OUT/bzImage" ] && [ "$OUT/bzImage" -nt "$FRAG" ] &&
   [ -s "$SRC/Module.symvers" ]; then
	log "up to date: $OUT/bzImage ($(cat "$SRC/include/config/kernel.release"))"
else
	build_kernel
fi
[ "$WHAT" = kernel ] && exit 0

# The module, from a copy of the sources (scripts/build-module): building
# in kmod/ would replace the kgil.ko everybody else boots with the Debian
# kernel.
rm -rf "$MOD"
JOBS=$JOBS nice -n 19 "$REPO/scripts/build-module" "$SRC" "$MOD" -s
log "built $MOD/kmod/kgil.ko for $(modinfo -F vermagic "$MOD/kmod/kgil.ko" | cut -d' ' -f1)"
[ "$WHAT" = module ] && exit 0
flock -u 9

# The device suite on the debug kernel, fuzz, stress and check longer than in
# `make test` (override with the same variables); bpftrace reads this
# tree's headers (the kernel has no BTF).  The q35 machine: on
# qemu's default pc machine the ACPI _PRT method is an AML loop that the
# KASAN- and lockdep-instrumented interpreter runs for over 30 s twice per
# boot (and then gives up with AE_AML_LOOP_TIMEOUT); q35's is a table.
export KGIL_FUZZ_ITERATIONS=${KGIL_FUZZ_ITERATIONS:-100000}
export KGIL_STRESS_SECONDS=${KGIL_STRESS_SECONDS:-60}
# The io-wq loops of tests/kmod/test_uring.c (issue 24): 30 s each, not 2.
export KGIL_URING_LOOP_SECONDS=${KGIL_URING_LOOP_SECONDS:-30}
# kgil-check 10 minutes; the instrumented kernel wakes threads more slowly,
# so a call is taken to be blocked after a longer quiet time.
export KGIL_CHECK_SECONDS=${KGIL_CHECK_SECONDS:-600}
export KGIL_CHECK_SETTLE_MS=${KGIL_CHECK_SETTLE_MS:-40}
start=$(date +%s)
set +e
"$REPO/scripts/vm-run" --machine q35 --kernel "$OUT/bzImage" --module "$MOD/kmod/kgil.ko" \
	--mem 2G --timeout "${KGIL_VM_TIMEOUT:-5400}" -- \
	env KGIL_FUZZ_ITERATIONS="$KGIL_FUZZ_ITERATIONS" \
	KGIL_STRESS_SECONDS="$KGIL_STRESS_SECONDS" \
	KGIL_URING_LOOP_SECONDS="$KGIL_URING_LOOP_SECONDS" \
	KGIL_CHECK_SECONDS="$KGIL_CHECK_SECONDS" \
	KGIL_CHECK_SETTLE_MS="$KGIL_CHECK_SETTLE_MS" \
	BPFTRACE_KERNEL_SOURCE="$SRC" BPFTRACE_KERNEL_BUILD="$SRC" \
	scripts/test-device.sh
rc=$?
set -e
secs=$(( $(date +%s) - start ))
printf '%s: %d s (%dm%02ds), status %d, fuzz %s iterations, stress %s s, check %s s\n' \
	"$(date -u +%F)" "$secs" $((secs / 60)) $((secs % 60)) "$rc" \
	"$KGIL_FUZZ_ITERATIONS" "$KGIL_STRESS_SECONDS" "$KGIL_CHECK_SECONDS" >> "$OUT/test-time"
log "test run: ${secs}s, status $rc"
exit $rc
