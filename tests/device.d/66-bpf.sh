#!/bin/bash
# Device suite: BPF policies (docs/bpf.md), on a module that registered
# the struct_ops type kgil_bpf_policy (Linux 6.12; on 6.1 the bpf/ suite
# of kmod-tests checks the -EOPNOTSUPP answers and this one has nothing
# to run).  With build/bpf/fifo.bpf.o and ioprio.bpf.o loaded by
# `kgil policy load`:
#  - the policy_fifo and policy_ioprio suites again, each built-in policy
#    replaced by its BPF twin (KGIL_TEST_BPF_FIFO/IOPRIO, tests/kmod/dt.c);
#  - the kgil_policy_change tracepoint names the BPF policy;
#  - kgil-stress with the BPF fifo among its policy changes, while that
#    policy is unloaded and loaded again under it (every unload moves
#    its domains to fifo with waiters asleep).
# vm-run's dmesg gate then fails the run on any splat.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=build
KGIL=$B/kgil
if ! bpftool btf dump file /sys/kernel/btf/kgil 2>/dev/null |
	grep "STRUCT 'kgil_bpf_policy'" > /dev/null; then
	echo "66-bpf: this module has no BPF policies (Linux 6.12 has them): 0 passed, 0 failed"
	exit 0
fi
pass=0 fail=0
run() {
	echo "== $*"
	if "$@"; then pass=$((pass + 1)); else echo "66-bpf: FAILED: $*"; fail=$((fail + 1)); fi
}
unload_all() {
	for n in bpf_fifo bpf_ioprio; do $KGIL policy unload "$n" > /dev/null 2>&1; done
}
trap unload_all EXIT
unload_all
$KGIL policy load $B/bpf/fifo.bpf.o || { echo "66-bpf: FAILED: cannot load fifo.bpf.o"; exit 1; }
$KGIL policy load $B/bpf/ioprio.bpf.o || { echo "66-bpf: FAILED: cannot load ioprio.bpf.o"; exit 1; }
$KGIL policy list

export KGIL_TEST_BPF_FIFO=bpf_fifo KGIL_TEST_BPF_IOPRIO=bpf_ioprio
run $B/tests/kmod-tests --jobs 1 --filter 'policy_fifo/*'
run $B/tests/kmod-tests --jobs 1 --filter 'policy_ioprio/*'
unset KGIL_TEST_BPF_FIFO KGIL_TEST_BPF_IOPRIO

# The tracepoint carries the BPF policy's name.
T=/sys/kernel/tracing
echo > $T/trace
echo 1 > $T/events/kgil/kgil_policy_change/enable
$KGIL bench handoff --policy bpf:bpf_ioprio --threads 2 --duration 100ms > /dev/null
echo 0 > $T/events/kgil/kgil_policy_change/enable
run grep -q "new=bpf name=bpf_ioprio" $T/trace

# Unload and load again under kgil-stress, every 2 s or so: registered
# most of the time, so that domains switch to it between the unloads.
secs=${KGIL_STRESS_SECONDS:-10}
(
	n=0
	for _ in $(seq 1 $((secs / 2))); do
		sleep 1.5
		$KGIL policy unload bpf_fifo > /dev/null || echo "66-bpf: unload failed"
		$KGIL policy load $B/bpf/fifo.bpf.o > /dev/null || echo "66-bpf: reload failed"
		n=$((n + 1))
	done
	echo "66-bpf: bpf_fifo unloaded and loaded again $n times under kgil-stress"
) &
cycler=$!
KGIL_STRESS_BPF=bpf_fifo run $B/kgil-stress --seconds "$secs" \
	${KGIL_STRESS_SEED:+--seed "$KGIL_STRESS_SEED"}
wait $cycler
run $KGIL policy unload bpf_fifo
run $KGIL policy unload bpf_ioprio
echo "66-bpf: $pass passed, $fail failed"
[ "$fail" = 0 ]
