#!/bin/bash
# Userspace unit tests, run natively.  The library suite is parameterised
# by backend (KGIL_BACKEND); natively it runs on the userspace backends,
# the kernel backend runs in scripts/test-device.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
fail=0
run() {
	echo "== $*"
	"$@" || fail=1
}
for backend in ${KGIL_UNIT_BACKENDS:-user-legacy user-newgil}; do
	KGIL_BACKEND=$backend run $B/tests/unit-tests --jobs 2 ${KGIL_TEST_FILTER:+--filter "$KGIL_TEST_FILTER"}
done
# The harness (kgil bench, kgil reproduce --quick) on the same backends.
if [ -z "${KGIL_TEST_FILTER:-}" ]; then
	backends=${KGIL_UNIT_BACKENDS:-user-legacy user-newgil}
	KGIL_HARNESS_COLUMNS=${backends// /,} run scripts/test-harness.sh $backends
fi
# make install + docs/example.c built with pkg-config against the installed copy.
[ -n "${KGIL_TEST_FILTER:-}" ] || run tests/install/example.sh
exit $fail
