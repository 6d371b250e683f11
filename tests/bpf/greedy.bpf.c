// SPDX-License-Identifier: GPL-2.0
/*
 * A policy with bad answers, which the core must overrule and count
 * (kgil_counters.policy_clamps): the holder should keep the lock for
 * ever, and each release goes to a waiter far past the end of the queue.
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/greedy_handoff_due")
__u64 BPF_PROG(greedy_handoff_due, struct kgil_domain *dom,
	       struct kgil_thread *holder, struct kgil_waiter *head)
{
	return KGIL_HANDOFF_NEVER;
}

SEC("struct_ops/greedy_on_release")
__u32 BPF_PROG(greedy_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	return 1000;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy greedy = {
	.handoff_due = (void *)greedy_handoff_due,
	.on_release = (void *)greedy_on_release,
	.name = "greedy",
};
