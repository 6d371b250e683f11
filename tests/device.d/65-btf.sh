#!/bin/bash
# Device suite: module BTF.  A kgil.ko built against headers that ship a
# (BTF-only) vmlinux carries a .BTF section (Debian's 6.12 headers do,
# 6.1's do not); loaded, the kernel must then publish it as
# /sys/kernel/btf/kgil, where bpftool (and bpftrace) read kgil's own
# types.  A module without the section is reported, not failed: the
# kernel it was built against gives none (docs/design.md, Kernel versions).
set -euo pipefail
cd "$(dirname "$0")/../.."
ko=${KGIL_MODULE:-kmod/kgil.ko}
# grep reads all of readelf's output (no -q): with pipefail, a grep that
# quits at the first match can kill readelf with SIGPIPE and make the
# test report "no BTF" for a module that has it.
if ! readelf -S "$ko" | grep '\.BTF\b' > /dev/null; then
	echo "65-btf: $ko has no BTF (its kernel's headers have no vmlinux): 0 passed, 0 failed"
	exit 0
fi
pass=0 fail=0
check() {
	if eval "$2"; then pass=$((pass + 1)); echo "ok   - $1"
	else fail=$((fail + 1)); echo "FAIL - $1"; fi
}
check "/sys/kernel/btf/kgil exists" "[ -r /sys/kernel/btf/kgil ]"
dump=$(bpftool btf dump file /sys/kernel/btf/kgil 2>&1 || true)
for t in kgil_domain kgil_thread kgil_waiter kgil_policy_ops; do
	check "bpftool sees struct $t" "grep -q \"STRUCT '$t'\" <<< \"\$dump\""
done
check "the UAPI's struct kgil_shared too" "grep -q \"STRUCT 'kgil_shared'\" <<< \"\$dump\""
echo "65-btf: $pass passed, $fail failed"
[ "$fail" = 0 ]
