#!/bin/bash
# Device suite: the module refuses to unload while in use (an open
# descriptor, a stress run with threads waiting in it), unloads once idle
# without reporting leaked objects, and is loaded again ($KGIL_MODULE, set
# by vm-run, else kmod/kgil.ko) so that the suites after this one have it.
set -uo pipefail
cd "$(dirname "$0")/../.."
KO=${KGIL_MODULE:-kmod/kgil.ko}
if [ "$(id -u)" != 0 ] || ! grep -q '^kgil ' /proc/modules; then
	echo "72-unload: skipped (needs root and kgil loaded as a module)"
	exit 0
fi
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
refcount() { awk '$1 == "kgil" { print $3 }' /proc/modules; }
loaded() { grep -q '^kgil ' /proc/modules; }
try_rmmod() { rmmod kgil 2>&1; }

# An open descriptor pins the module.
exec 3<>/dev/kgil
out=$(try_rmmod) && bad "rmmod succeeded with /dev/kgil open" ||
	{ loaded && ok "rmmod refused with a descriptor open: ${out##*: }"; }
exec 3>&-

# So does a run of threads waiting in it, SIGKILLed holders and all: try
# over and over while it has domains open.  A try may still succeed, when
# the run closed its last domain in between: that is fine as long as no
# descriptor of the device is left (then load the module back).
build/kgil-stress --seconds 5 --threads 64 --domains 8 > build/unload-stress.log 2>&1 &
stress=$!
kgil_fds() { ls -l /proc/$stress/fd 2>/dev/null | grep -c /dev/kgil; }
refused=0 tries=0
deadline=$((SECONDS + 120))
while kill -0 $stress 2>/dev/null && [ $SECONDS -lt $deadline ]; do
	[ "$(kgil_fds)" -gt 0 ] || { sleep 0.1; continue; }
	tries=$((tries + 1))
	if try_rmmod >/dev/null; then
		n=$(kgil_fds)
		[ "$n" = 0 ] || bad "rmmod succeeded while kgil-stress had $n descriptors open"
		insmod "$KO" || { bad "insmod $KO failed"; exit 1; }
		break
	fi
	loaded && refused=$((refused + 1))
	sleep 0.1
done
wait $stress; src=$?
[ $refused -gt 0 ] && ok "rmmod refused $refused of $tries times while kgil-stress ran" ||
	bad "rmmod under load: $refused refusals out of $tries tries"
[ $src = 0 ] && ok "kgil-stress passed ($(grep -o 'faults:.*' build/unload-stress.log))" ||
	{ bad "kgil-stress failed (status $src)"; cat build/unload-stress.log; }

# Idle: it goes, and says nothing about leaked domains or threads.
for _ in $(seq 1 50); do [ "$(refcount)" = 0 ] && break; sleep 0.1; done
mark=$(dmesg | wc -l)
if out=$(try_rmmod) && ! loaded; then
	ok "rmmod succeeded once idle"
else
	bad "rmmod once idle: $out (refcount $(refcount))"
fi
if dmesg | tail -n +$((mark + 1)) | grep 'kgil: leak' > /dev/null; then
	bad "the module reported leaked objects at unload:"
	dmesg | tail -n +$((mark + 1)) | grep 'kgil'
else
	ok "no leaked domains or threads reported at unload"
fi
[ -e /dev/kgil ] && bad "/dev/kgil still there after unload" || ok "/dev/kgil gone"

# Back, for the suites that follow.
loaded || insmod "$KO" || { bad "insmod $KO failed"; exit 1; }
for _ in $(seq 1 50); do [ -c /dev/kgil ] && break; sleep 0.1; done
[ -c /dev/kgil ] && ok "reloaded $KO" || bad "/dev/kgil did not come back"
exit $fail
