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

# So does a run of threads waiting in it, SIGKILLed holders and all.
# The stress run opens its domains at the start and closes them all at the
# end; only the middle of the run is "in use" for sure, so rmmod is tried
# from 0.5 s to 2.5 s of a 4 s run (a try at the very end could find the
# module rightly idle).
build/kgil-stress --seconds 4 --threads 64 --domains 8 > build/unload-stress.log 2>&1 &
stress=$!
refused=0 tries=0
sleep 0.5
for _ in $(seq 1 10); do
	kill -0 $stress 2>/dev/null || break
	if [ "$(refcount)" -gt 0 ] 2>/dev/null; then
		tries=$((tries + 1))
		try_rmmod >/dev/null && { bad "rmmod succeeded under load"; break; }
		loaded && refused=$((refused + 1))
	fi
	sleep 0.2
done
wait $stress; src=$?
[ $tries -gt 0 ] && [ $refused = $tries ] &&
	ok "rmmod refused $refused times while kgil-stress ran" ||
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
if dmesg | tail -n +$((mark + 1)) | grep -q 'kgil: leak'; then
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
