#!/bin/sh
# /init of the kgil test VM (runs under busybox in the initramfs).
#
# It loads the virtio/9p modules, mounts the host's root read-only and the
# repository read-write at its host path, builds a usable root in a tmpfs
# overlay of mount points, and chroots there to run the job script that
# scripts/vm-run left in the run directory.  The job's exit status goes back
# through the shared run directory *and* as a console marker, so the host can
# tell "the command failed" from "the guest never got that far".
export PATH=/bin:/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev

arg() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
RUNDIR=$(arg kgil.rundir)
REPO=$(arg kgil.repo)
say() { echo "kgil-vm: $*" > /dev/console; }
die() { say "$*"; echo "KGIL-VM-EXIT=125" > /dev/console; poweroff -f; }

for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
	 virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
	# Absent from the initramfs: built into this kernel (vm-run checks
	# that a modular kernel's initramfs has them all).
	[ -e /modules/$m.ko ] || continue
	insmod /modules/$m.ko 2>/dev/null || grep -q "^$m " /proc/modules ||
		die "cannot load $m"
done

R=/newroot
mkdir -p $R
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot $R ||
	die "cannot mount the host root over 9p"
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
# What udev would add to a devtmpfs: bash's process substitution and
# tools like dkms need /dev/fd.
ln -sf /proc/self/fd $R/dev/fd
ln -sf /proc/self/fd/0 $R/dev/stdin
ln -sf /proc/self/fd/1 $R/dev/stdout
ln -sf /proc/self/fd/2 $R/dev/stderr
mount -t devpts devpts $R/dev/pts 2>/dev/null
mount -t tmpfs -o size=256m tmp $R/tmp
mount -t tmpfs run $R/run
mount -t tmpfs -o size=64m shm $R/dev/shm 2>/dev/null
mount -t tracefs tracefs $R/sys/kernel/tracing ||
	die "cannot mount tracefs"
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
# bpffs, for pinned BPF links: `kgil policy load` keeps a policy
# registered by pinning it at /sys/fs/bpf/kgil/NAME (issue 15).
mount -t bpf bpf $R/sys/fs/bpf 2>/dev/null
# The repository may live under a directory that is a tmpfs in here
# (/tmp, /run): create its mount point in that tmpfs.
mkdir -p $R$REPO 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none repo $R$REPO ||
	die "cannot mount the repository share at $REPO"
# /root and /var/tmp are read-only through the host share; tools that
# want a writable home (trace-cmd, python) get one in the tmpfs.
mkdir -p $R/tmp/home
hostname kgil-vm
# The VM has no NIC (-nic none), but loopback sockets must work (I/O tests).
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null
echo 1 > /proc/sys/kernel/panic_on_oops 2>/dev/null
KMEMLEAK=$R/sys/kernel/debug/kmemleak
# Text the guest patches while its other vCPU runs it can leave a stale
# int3 behind under TCG (docs/reliability.md), so what the tests turn on
# and off in core kernel text is turned on here, once, before any job.
# vm-perf-pin holds perf_sched_events (__schedule()) and perf's probe on
# raw_syscalls:sys_enter (`kgil bench`'s syscall count) enabled for the
# VM's life; tests/helpers/vm-perf-pin.c says why.
PIN=$REPO/build/tests/helpers/vm-perf-pin
[ -x $R$PIN ] && chroot $R $PIN < /dev/null > /dev/null 2>&1
# The sched tracepoints `kgil trace record` and the trace tests enable:
# once a tracepoint has two probes, adding and removing more only swaps
# an RCU-protected array; the first probe patches its static key and the
# second its static call.  This idle instance holds two on each (its
# event's, and ftrace's comm-recording probe that enabling any event
# registers), with its own ring buffer off.
PINI=$R/sys/kernel/tracing/instances/kgil-vm-pin
if mkdir $PINI 2>/dev/null; then
	echo 0 > $PINI/tracing_on
	for e in sched_switch sched_wakeup sched_wakeup_new; do
		echo 1 > $PINI/events/sched/$e/enable
	done
fi
say "guest up, running job"
chroot $R /bin/sh -c "HOME=/tmp/home; export HOME; . $RUNDIR/job.sh" \
	< /dev/console > /dev/console 2>&1
rc=$?
# kmemleak (debug kernels) reports an object that a scan finds
# unreferenced once it is 5 s old.  A scan takes about 15 s under TCG, so
# there is one, and a second only when the first reported something: it
# drops objects that were just transiently unreferenced (a pointer in
# flight in a register), as syzkaller does.  The boot of the debug kernel
# leaks nothing that kmemleak sees, so no scan is needed before the job.
if [ -w $KMEMLEAK ]; then
	sleep 5
	echo scan > $KMEMLEAK
	grep -q unreferenced $KMEMLEAK && echo scan > $KMEMLEAK
	cat $KMEMLEAK > $R$RUNDIR/kmemleak 2>/dev/null
fi
# Bit 9 (W) set: a WARN fired; vm-run fails the run on it.
cat /proc/sys/kernel/tainted > $R$RUNDIR/tainted 2>/dev/null
# The sync matters: 9p with cache=none writes through, but be explicit.
echo $rc > $R$RUNDIR/rc 2>/dev/null
dmesg > $R$RUNDIR/dmesg 2>/dev/null
sync
echo "KGIL-VM-EXIT=$rc" > /dev/console
poweroff -f
