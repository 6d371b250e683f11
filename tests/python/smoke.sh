#!/bin/bash
# The patched CPython (make python, docs/python.md) running real threads on
# kgil: tests/python/smoke.py under each GIL, checked against the domain's
# own counters (KGIL_PY_STATS), and issue 25's edge tests (edges.py,
# embed-reinit.c; in the VM also past the module's limits, set through
# /sys/module/kgil/parameters and restored).  make test runs --native (make
# test-python) and --kernel in each kernel's VM (tests/device.d/80-python.sh).
#   tests/python/smoke.sh            native runs, then the kernel backend in
#                                    a VM of each kernel with a module
#   tests/python/smoke.sh --native   stock CPython, user-newgil, user-legacy
#   tests/python/smoke.sh --kernel   the kernel backend under legacy, newgil,
#                                    fifo and ioprio (needs /dev/kgil: run
#                                    it in the VM)
# KGIL_SMOKE_RELEASES="R ..." chooses the VM kernels.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=$REPO/build/cpython/python
SMOKE=$REPO/tests/python/smoke.py
EDGES=$REPO/tests/python/edges.py
EMBED=$REPO/build/cpython/obj/kgil-embed-reinit
[ -x "$PY" ] || { echo "smoke: no $PY: run make python" >&2; exit 1; }
[ -x "$EMBED" ] || { echo "smoke: no $EMBED: run make python" >&2; exit 1; }
# Not /tmp for results a VM's host reads back: the repo's build/ is shared.
TMP=$(mktemp -d "$REPO/build/cpython/smoke.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0

# run NAME EXPECTED_POLICY [VAR=VALUE...]: one run of smoke.py and its checks.
# With KGIL_PY_IO=none among the variables the domain must see no io_begin.
run() {
	local name=$1 want=$2 out stats=$TMP/$1.stats rc=0
	shift 2
	rm -f "$stats"
	out=$(env -u KGIL_BACKEND -u KGIL_POLICY "$@" KGIL_PY_STATS="$stats" \
		timeout 600 "$PY" "$SMOKE") || rc=$?
	local io=yes
	case " $* " in *" KGIL_PY_IO=none "*) io=no ;; esac
	python3 - "$name" "$want" "$stats" "$rc" "$out" "$io" <<'PYCHECK' || fail=1
import json, os, sys
name, want, stats, rc, out, io = sys.argv[1:]
errs = []
try:
    res = json.loads(out.strip().splitlines()[-1])
except Exception:
    res = {}
    errs.append("no result from smoke.py (exit %s): %r" % (rc, out[-300:]))
if rc != "0":
    errs.append("smoke.py exited %s: %s" % (rc, res))
lines = []
if os.path.exists(stats):
    lines = [json.loads(l) for l in open(stats)]
if want == "stock":
    if lines:
        errs.append("a stock run wrote kgil statistics: %s" % lines)
    if res.get("kgil_fds"):
        errs.append("a stock run has /dev/kgil open")
    summary = "no kgil domain, no /dev/kgil"
else:
    me = [l for l in lines if l["pid"] == res.get("pid")]
    kids = [l for l in lines if l["pid"] != res.get("pid")]
    if len(me) != 1 or len(kids) != 1:
        errs.append("want one stats line from the process and one from its "
                    "forked child, got %d and %d" % (len(me), len(kids)))
    else:
        d, k = me[0], kids[0]
        for f in ("acquisitions", "handoffs"):
            if not d[f] > 0:
                errs.append("%s = %d" % (f, d[f]))
        if (d["io_begins"] > 0) != (io == "yes"):
            errs.append("io_begins = %d with KGIL_PY_IO %s" % (d["io_begins"],
                        "=none" if io == "no" else "all/nolock"))
        if d["policy"] != want:
            errs.append("policy %s, want %s" % (d["policy"], want))
        if d["switch_interval_ns"] != 1000000:
            errs.append("switch_interval_ns %d after sys.setswitchinterval(0.001)"
                        % d["switch_interval_ns"])
        if not (k["acquisitions"] > 0 and k["handoffs"] > 0 and k["policy"] == want):
            errs.append("forked child's own domain: %s" % k)
        kernel = res.get("kgil_backend") == "kernel"
        if res.get("kgil_fds") != (1 if kernel else 0):
            errs.append("%d /dev/kgil descriptors" % res.get("kgil_fds", -1))
        summary = ("acq %d handoffs %d failed %d drop_req %d forced %d checks %d "
                   "io_begins %d switch_interval_ns %d; child acq %d handoffs %d; "
                   "subinterpreter %s" % (d["acquisitions"], d["handoffs"],
                   d["failed_acquires"], d["drop_requests"], d["forced_switches"],
                   d["checks"], d["io_begins"], d["switch_interval_ns"],
                   k["acquisitions"], k["handoffs"], res.get("subinterpreter")))
if errs:
    print("smoke: FAIL %s: %s" % (name, "; ".join(errs)))
    sys.exit(1)
print("smoke: ok   %s: %s" % (name, summary))
PYCHECK
}

# edge NAME VAR=VALUE... -- PROGRAM ARGS...: one of issue 25's edge tests
# (tests/python/edges.py, tests/python/embed-reinit.c) under the GIL the
# variables choose; it must exit 0 within 600 s.
edge() {
	local name=$1 vars=() out rc=0
	shift
	while [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	out=$(env -u KGIL_BACKEND -u KGIL_POLICY "${vars[@]}" timeout 600 "$@" 2>&1) || rc=$?
	if [ $rc = 0 ]; then
		echo "smoke: ok   $name: $(echo "$out" | tail -1)"
	else
		echo "smoke: FAIL $name (exit $rc): $(echo "$out" | tail -5)"
		fail=1
	fi
}

# edges NAME VAR=VALUE...: every edge test that runs on any GIL.
edges() {
	local name=$1
	shift
	edge "$name interval" "$@" -- "$PY" "$EDGES" interval
	edge "$name 1100 threads" "$@" -- "$PY" "$EDGES" threads 1100
	# Under legacy, N counting threads battle the main thread for every
	# retake (docs/python.md): with 8 of them under TCG the main thread
	# starved for minutes between two rounds.  2 keep the test's point.
	local nd=8
	case " $* " in *" KGIL_BACKEND=user-legacy "*|*" KGIL_POLICY=legacy "*) nd=2 ;; esac
	edge "$name embed daemons ($nd)" "$@" -- "$EMBED" daemons $nd
	edge "$name embed other" "$@" -- "$EMBED" other
	# A periodic signal must not starve a thread waiting for the GIL.
	edge "$name itimer wait" "$@" -- "$PY" "$REPO/tests/python/itimer_wait.py"
}

# modparam NAME VALUE: set a module parameter (in the VM, as root).
modparam() {
	echo "$2" >"/sys/module/kgil/parameters/$1"
}

# Past the module's limits: a thread that cannot attach, a fork whose
# child cannot have a domain, are Python exceptions in the parent.
limits() {
	local old_threads old_domains
	old_threads=$(cat /sys/module/kgil/parameters/max_threads)
	old_domains=$(cat /sys/module/kgil/parameters/max_domains_per_user)
	modparam max_threads 64
	edge "kernel over max_threads 64" KGIL_BACKEND=kernel -- "$PY" "$EDGES" over-limit 100
	modparam max_threads "$old_threads"
	modparam max_domains_per_user 1
	edge "kernel fork over max_domains_per_user 1" KGIL_BACKEND=kernel -- \
		"$PY" "$EDGES" fork-fails EMFILE
	modparam max_domains_per_user "$old_domains"
}

# io_kinds NAME VAR=VALUE...: which GIL releases the domain counts as I/O
# (tests/python/io_kinds.py): each phase's io_begins over the base run's.
# KGIL_PY_IO=fd (the default): the waits on a descriptor (recv, a pipe's
# read, select) count, n or more; a lock, an Event, a SimpleQueue and
# time.sleep do not (at most n/20 of noise).  KGIL_PY_IO=all: all count.
io_kinds() {
	local name=$1 n=200 ph rc errs="" io_all=no line=""
	shift
	case " $* " in *" KGIL_PY_IO=all "*) io_all=yes ;; esac
	declare -A io
	for ph in base lock event queue sleep recv pipe select; do
		rm -f "$TMP/io.stats"
		rc=0
		env -u KGIL_BACKEND -u KGIL_POLICY -u KGIL_PY_IO "$@" \
			KGIL_PY_STATS="$TMP/io.stats" timeout 300 "$PY" \
			"$REPO/tests/python/io_kinds.py" "$ph" $n || rc=$?
		if [ $rc != 0 ] || [ ! -s "$TMP/io.stats" ]; then
			errs+=" $ph exited $rc;"
			continue
		fi
		io[$ph]=$(python3 -c 'import json, sys
print(json.loads(open(sys.argv[1]).readline())["io_begins"])' "$TMP/io.stats")
	done
	for ph in lock event queue sleep recv pipe select; do
		[ -n "${io[$ph]:-}" ] && [ -n "${io[base]:-}" ] || continue
		local d=$(( ${io[$ph]} - ${io[base]} ))
		line+=" $ph $d"
		case $io_all/$ph in
		yes/*|*/recv|*/pipe|*/select)
			[ $d -ge $n ] || errs+=" $ph: $d io_begins, want >= $n;" ;;
		*)	[ $d -le $((n / 20)) ] || errs+=" $ph: $d io_begins, want none;" ;;
		esac
	done
	if [ -n "$errs" ]; then
		echo "smoke: FAIL io-kinds $name:$errs (base ${io[base]:-?};$line)"
		fail=1
	else
		echo "smoke: ok   io-kinds $name: io_begins over base ${io[base]}:$line"
	fi
}

# threads_mem NAME VAR=VALUE...: 100,000 short threads (KGIL_SMOKE_THREADS)
# grow the resident set by no more than stock CPython's growth + 2 MB.
threads_mem() {
	local name=$1 n=${KGIL_SMOKE_THREADS:-100000} stock kb
	shift
	stock=$(env -u KGIL_BACKEND timeout 900 "$PY" "$REPO/tests/python/threads_mem.py" $n) || stock=fail
	kb=$(env -u KGIL_BACKEND -u KGIL_POLICY "$@" timeout 900 "$PY" \
		"$REPO/tests/python/threads_mem.py" $n) || kb=fail
	if [ "$stock" != fail ] && [ "$kb" != fail ] && [ "$kb" -le $((stock + 2048)) ]; then
		echo "smoke: ok   threads-mem $name: $n threads grew it by $kb kB (stock: $stock kB)"
	else
		echo "smoke: FAIL threads-mem $name: $n threads grew it by $kb kB (stock: $stock kB)"
		fail=1
	fi
}

# closerange NAME VAR=VALUE...: tests/python/closerange.py's phases must
# all end well.  On the kernel backend the bypassing and the threaded ones
# run under strace: no kgil ioctl (type 0xb8) may reach a descriptor that
# is not /dev/kgil (a closed number's EBADF is fine: it reached nothing).
# Not the bypass under legacy: its battle (thousands of ioctls a second,
# each stopped by strace) keeps it past 10 minutes under TCG; it runs
# without strace there (the same code path is traced under the others).
closerange() {
	local name=$1 ph rc out trace bad kernel=no
	shift
	case " $* " in *" KGIL_BACKEND=kernel "*) kernel=yes ;; esac
	case " $* " in *" KGIL_POLICY=legacy "*) [ $kernel = no ] || kernel=legacy ;; esac
	for ph in single256 singlemax multi256 multimax oscalls bypass; do
		trace=$TMP/closerange-$ph.strace
		local pre=()
		if { [ $kernel = yes ] && [ "$ph" = bypass -o "$ph" = multimax ]; } ||
		   { [ $kernel = legacy ] && [ "$ph" = multimax ]; }; then
			pre=(strace -f -qq -y -e trace=ioctl -o "$trace")
		fi
		rc=0
		out=$(env -u KGIL_BACKEND -u KGIL_POLICY "$@" timeout 600 \
			"${pre[@]}" "$PY" "$REPO/tests/python/closerange.py" "$ph" 2>&1) || rc=$?
		bad=""
		if [ ${#pre[@]} != 0 ]; then
			bad=$(grep -iE 'ioctl\([0-9]+<[^>]*>, [^)]*0xb8' "$trace" |
				grep -v '<char 10:[0-9]*>\|</dev/kgil>' | head -3 || true)
		fi
		if [ $rc = 0 ] && [ -z "$bad" ] && [ "${out#*\"ok\": true}" != "$out" ]; then
			echo "smoke: ok   closerange $name $ph${pre:+ (strace: no kgil ioctl on another file)}: $(echo "$out" | tail -1)"
		else
			echo "smoke: FAIL closerange $name $ph (exit $rc): $(echo "$out" | tail -3)${bad:+; kgil ioctls on other files: $bad}"
			fail=1
		fi
	done
}

native() {
	# KGIL_PY_STATS alone (no KGIL_BACKEND) must not bring kgil in.
	run stock stock
	run user-newgil newgil KGIL_BACKEND=user-newgil
	run user-legacy legacy KGIL_BACKEND=user-legacy
	run user-legacy-ci10 legacy KGIL_BACKEND=user-legacy KGIL_CHECK_INTERVAL=10
	run user-newgil-io-nolock newgil KGIL_BACKEND=user-newgil KGIL_PY_IO=nolock
	run user-newgil-io-none newgil KGIL_BACKEND=user-newgil KGIL_PY_IO=none
	run user-newgil-io-all newgil KGIL_BACKEND=user-newgil KGIL_PY_IO=all
	io_kinds user-newgil KGIL_BACKEND=user-newgil
	io_kinds user-legacy KGIL_BACKEND=user-legacy
	io_kinds user-newgil-io-all KGIL_BACKEND=user-newgil KGIL_PY_IO=all
	threads_mem user-newgil KGIL_BACKEND=user-newgil
	closerange stock
	closerange user-newgil KGIL_BACKEND=user-newgil
	threads_mem user-legacy KGIL_BACKEND=user-legacy
	# A lock the environment asks for and cannot have stops the start-up.
	bad KGIL_BACKEND=bogus
	bad KGIL_BACKEND=user-newgil KGIL_POLICY=fifo
	bad KGIL_BACKEND=user-newgil KGIL_SWITCH_INTERVAL_NS=5ms
	bad KGIL_BACKEND=user-newgil KGIL_PY_IO=some
	edges stock
	edges user-newgil KGIL_BACKEND=user-newgil
	edges user-legacy KGIL_BACKEND=user-legacy
}

# bad VAR=VALUE...: the interpreter must refuse to start, with a message.
bad() {
	local err rc=0
	err=$(env "$@" "$PY" -c 'print("ran")' 2>&1) || rc=$?
	if [ $rc = 1 ] && [ "${err#*kgil: }" != "$err" ] && [ "${err#*ran}" = "$err" ]; then
		echo "smoke: ok   refused $*: $(echo "$err" | head -1)"
	else
		echo "smoke: FAIL $* started (exit $rc): $err"
		fail=1
	fi
}

kernel() {
	[ -e /dev/kgil ] || { echo "smoke: no /dev/kgil (run it in the VM)" >&2; exit 1; }
	echo "smoke: kernel $(uname -r)"
	for p in legacy newgil fifo ioprio; do
		run "kernel-$p" "$p" KGIL_BACKEND=kernel KGIL_POLICY=$p
		edges "kernel-$p" KGIL_BACKEND=kernel KGIL_POLICY=$p
	done
	# What counts as I/O and the closed descriptor do not depend on the
	# policy: make test's VM runs them under ioprio (where I/O matters)
	# only, to stay in CI's time; KGIL_SMOKE_FULL=1 runs every policy,
	# and the kernel backend's memory over 20,000 threads.
	local io_policies=ioprio
	[ -z "${KGIL_SMOKE_FULL:-}" ] || io_policies="legacy newgil fifo ioprio"
	for p in $io_policies; do
		io_kinds "kernel-$p" KGIL_BACKEND=kernel KGIL_POLICY=$p
		closerange "kernel-$p" KGIL_BACKEND=kernel KGIL_POLICY=$p
	done
	limits
	[ -z "${KGIL_SMOKE_FULL:-}" ] || KGIL_SMOKE_THREADS=${KGIL_SMOKE_THREADS:-20000} \
		threads_mem kernel-newgil KGIL_BACKEND=kernel KGIL_POLICY=newgil
	run kernel-stock stock
	edges kernel-stock
}

case ${1:-all} in
--native) native ;;
--kernel) kernel ;;
all)
	native
	releases=${KGIL_SMOKE_RELEASES:-$(ls "$REPO/build/kmod" 2>/dev/null)}
	for r in $releases; do
		nice -n 10 "$REPO/scripts/vm-run" --kernel-release "$r" --timeout 900 \
			-- tests/python/smoke.sh --kernel || fail=1
	done
	;;
*) echo "usage: $0 [--native|--kernel]" >&2; exit 2 ;;
esac
[ $fail = 0 ] && echo "smoke: all passed" || echo "smoke: FAILED"
exit $fail
