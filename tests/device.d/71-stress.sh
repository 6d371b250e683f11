#!/bin/bash
# Device suite: kgil-stress, bounded for `make test`: 256 threads on 16
# domains for KGIL_STRESS_SECONDS (10 by default; it runs on, up to three
# times that, until every kind of fault was injected a few times), with
# signals, SIGKILLed holders, forks, closes under waiters and policy
# changes, then the invariants (docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec build/kgil-stress --seconds "${KGIL_STRESS_SECONDS:-10}" \
	${KGIL_STRESS_SEED:+--seed "$KGIL_STRESS_SEED"}
