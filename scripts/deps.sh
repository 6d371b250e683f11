#!/bin/bash
# Install, with apt-get and only when missing, every Debian package kgil
# needs to build, test and run (module, VM, userspace, tracing, plots).
# Both kernels kgil supports come from Debian 12's default archives: 6.1
# (linux-*-amd64) and 6.12 LTS (linux-*-6.12-amd64, from the security
# suite): make builds a module for each and make test boots each.
# Idempotent: prints nothing when everything is already there.
set -euo pipefail

PKGS=(
	build-essential make gcc pkg-config sparse kmod cpio busybox-static
	linux-headers-amd64 linux-image-amd64
	linux-headers-6.12-amd64 linux-image-6.12-amd64 dkms dwarves bpftool
	qemu-system-x86
	liburing-dev libcriterion-dev
	trace-cmd libtracefs-dev libtraceevent-dev libtracecmd-dev
	gnuplot-nox python3 file xz-utils zstd procps util-linux bpftrace
	chromium  # tests: results/index.html opened in a real (headless) browser
)
# Extra packages a caller asks for (make debug-kernel adds its own).
PKGS+=("$@")

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: run as root (or: sudo scripts/deps.sh)" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# qemu without recommends: the recommends pull in a desktop's worth of
# packages and the VM needs none of them.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
