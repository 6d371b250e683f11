// SPDX-License-Identifier: GPL-2.0
/*
 * Must be refused by the verifier: a policy that writes the core's state
 * (here it would hand itself a fresh tenure by moving grant_ns).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/bad_handoff_due")
__u64 BPF_PROG(bad_handoff_due, struct kgil_domain *dom,
	       struct kgil_thread *holder, struct kgil_waiter *head)
{
	dom->grant_ns = bpf_ktime_get_ns();
	return KGIL_HANDOFF_NEVER;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy bad_write = {
	.handoff_due = (void *)bad_handoff_due,
	.name = "bad_write",
};
