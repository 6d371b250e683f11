// SPDX-License-Identifier: GPL-2.0
/*
 * handoff_due answers "now" (0) and "never" on alternate calls.  A past
 * due time must mean "due now": before, the waiter that timed the holder
 * woke at once on 0, asked again, heard "never" and looped without
 * sleeping until the core's bound (issue 24, finding 5).  calls[0]
 * counts the calls.
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

SEC("struct_ops/flap_handoff_due")
__u64 BPF_PROG(flap_handoff_due, struct kgil_domain *dom,
	       struct kgil_thread *holder, struct kgil_waiter *head)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&calls, &key);

	if (!n)
		return 0;
	__sync_fetch_and_add(n, 1);
	return (*n & 1) ? 0 : KGIL_HANDOFF_NEVER;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy flap_due = {
	.handoff_due = (void *)flap_handoff_due,
	.name = "flap_due",
};
