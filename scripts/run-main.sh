#!/bin/bash
# The main job, run where the module is loaded: reproduce the seeds'
# experiments and print the table.
set -euo pipefail
cd "$(dirname "$0")/.."
build/kgil info
if build/kgil --help 2>&1 | grep -q reproduce; then
	exec build/kgil reproduce "$@"
fi
