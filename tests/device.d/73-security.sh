#!/bin/bash
# Device suite: the permission model and the per-user limits, as root with
# children under two unprivileged uids (kgil-security; docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec build/kgil-security
