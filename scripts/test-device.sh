#!/bin/bash
# Device tests: run where the module is loaded (in the VM, or natively on a
# host that can load it; see scripts/with-module).  Each suite's Criterion
# summary is printed; any failure fails the whole run.
set -uo pipefail
cd "$(dirname "$0")/.."
B=build
[ -c /dev/kgil ] || { echo "test-device: /dev/kgil missing: module not loaded" >&2; exit 1; }
echo "test-device: running on $(uname -r), $(nproc) CPUs, module $(cat /sys/module/kgil/version 2>/dev/null)"
fail=0
run() {
	echo "== $*"
	"$@" || { echo "test-device: FAILED: $*"; fail=1; }
}
run $B/tests/kmod-tests --jobs 1 ${KGIL_TEST_FILTER:+--filter "$KGIL_TEST_FILTER"}
# The library's contract suite on the kernel backend.
if [ -x $B/tests/unit-tests ]; then
	KGIL_BACKEND=kernel run $B/tests/unit-tests --jobs 1 ${KGIL_TEST_FILTER:+--filter "$KGIL_TEST_FILTER"}
fi
# Later suites (stress, fuzz, harness) register in tests/device.d/*.sh.
for s in tests/device.d/*.sh; do
	[ -e "$s" ] || continue
	run bash "$s"
done
exit $fail
