#!/bin/bash
# DKMS, as a user installs kgil: in the VM of one kernel (make test-dkms:
# scripts/vm-run --no-module --kernel-release R), `make dkms-install`
# with Debian's dkms puts the sources under /usr/src, builds the module
# for the running kernel and installs it in /lib/modules/R/updates/dkms;
# then `modprobe kgil` must load that module, /dev/kgil must appear, the
# device suite must pass against it, and `modprobe -r` must unload it
# (its exit reports leaks).  The guest's root is the host's, read-only:
# all of this happens in a chroot on a writable overlay of it.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
R=$(uname -r)
say() { echo "test-dkms: $*"; }
[ "${KGIL_IN_VM:-0}" = 1 ] || { say "run me in the VM: make test-dkms"; exit 2; }
command -v dkms >/dev/null || { say "dkms missing: run scripts/deps.sh"; exit 2; }
grep -q '^kgil ' /proc/modules && { say "kgil is already loaded"; exit 2; }

# Upper layer on a tmpfs of its own: the root's /tmp is rebound below.
O=/run/kgil-dkms
mkdir -p $O
mount -t tmpfs -o size=512m dkms $O
mkdir -p $O/upper $O/work $O/root
grep -qw overlay /proc/filesystems || modprobe overlay
mount -t overlay overlay -o lowerdir=/,upperdir=$O/upper,workdir=$O/work $O/root
for m in /proc /sys /dev /dev/pts /dev/shm /sys/kernel/tracing "$REPO"; do
	mount --bind "$m" "$O/root$m"
done
mount -t tmpfs -o size=256m tmp "$O/root/tmp"

inroot() { chroot "$O/root" /bin/bash -c "cd '$REPO' && $*"; }
t0=$(date +%s)
inroot "make -s dkms-install"
say "dkms install took $(( $(date +%s) - t0 )) s"
inroot "dkms status -m kgil"
ko=$(inroot "modinfo -n kgil")
say "modinfo -n kgil: $ko"
case $ko in
"/lib/modules/$R/updates/dkms/kgil.ko"*) ;;
*) say "FAIL: modprobe would not load the DKMS module"; exit 1 ;;
esac
inroot "modprobe kgil"
grep -q '^kgil ' /proc/modules || { say "FAIL: modprobe kgil loaded nothing"; exit 1; }
for _ in $(seq 50); do [ -c /dev/kgil ] && break; sleep 0.1; done
[ -c /dev/kgil ] || { say "FAIL: /dev/kgil did not appear"; exit 1; }
say "modprobe kgil: loaded $(cat /sys/module/kgil/version), /dev/kgil is there"
rc=0
inroot "build/tests/kmod-tests --jobs 1 ${KGIL_TEST_FILTER:+--filter '$KGIL_TEST_FILTER'}" || rc=1
inroot "modprobe -r kgil" || { say "FAIL: modprobe -r kgil"; rc=1; }
[ $rc = 0 ] && say "PASS on $R" || say "FAIL on $R"
exit $rc
