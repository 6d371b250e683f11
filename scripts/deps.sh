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
	clang llvm  # BPF policies: user/bpf/*.bpf.c (Debian 12's clang)
)
# Extra packages a caller asks for (make debug-kernel adds its own).
PKGS+=("$@")

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done

# libbpf >= 1.4 (struct_ops types defined by a module: BPF policies,
# issue 15): Debian 12 has 1.1, so libbpf-dev and libbpf1 come from
# backports, by name (scripts/apt-backports.sh enables the suite).
LIBBPF_MIN=1:1.4
libbpf_ok() {
	local p v
	for p in libbpf-dev libbpf1; do
		v=$(dpkg-query -W -f='${Status} ${Version}\n' "$p" 2>/dev/null |
			sed -n 's/^install ok installed //p')
		[ -n "$v" ] && dpkg --compare-versions "$v" ge "$LIBBPF_MIN" || return 1
	done
}
need_libbpf=0
libbpf_ok || need_libbpf=1

[ ${#missing[@]} -eq 0 ] && [ $need_libbpf = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	[ $need_libbpf = 0 ] || missing+=("libbpf-dev>=1.4 libbpf1>=1.4 (backports)")
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: run as root (or: sudo scripts/deps.sh)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps.sh: installing ${missing[*]}" >&2
	apt-get update -qq
	# qemu without recommends: the recommends pull in a desktop's worth of
	# packages and the VM needs none of them.
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ $need_libbpf = 1 ]; then
	suite=$("$(dirname "$0")/apt-backports.sh")
	echo "deps.sh: installing libbpf-dev and libbpf1 from $suite" >&2
	apt-get install -y -qq --no-install-recommends \
		"libbpf-dev/$suite" "libbpf1/$suite" >/dev/null
	libbpf_ok || { echo "deps.sh: libbpf is still older than 1.4" >&2; exit 1; }
fi
