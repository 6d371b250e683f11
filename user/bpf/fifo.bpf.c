// SPDX-License-Identifier: GPL-2.0
/*
 * fifo in BPF: strict handoff to the longest waiter, as the built-in
 * KGIL_POLICY_FIFO.  The core already queues in arrival order, hands a
 * release to the head and lets only the head take a free lock; all a
 * fifo policy decides is when the holder has had the lock long enough:
 * one switch interval after the lock became contended (the holder's
 * grant, or the head's arrival if later).
 *
 *   make                                   # builds build/bpf/fifo.bpf.o
 *   kgil policy load build/bpf/fifo.bpf.o  # registers "bpf_fifo"
 *   kgil bench handoff --policy bpf:bpf_fifo
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/fifo_handoff_due")
__u64 BPF_PROG(fifo_handoff_due, struct kgil_domain *dom,
	       struct kgil_thread *holder, struct kgil_waiter *head)
{
	return kgil_max(dom->grant_ns, head->start_ns) +
	       dom->params.switch_interval_ns;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy bpf_fifo = {
	.handoff_due = (void *)fifo_handoff_due,
	.name = "bpf_fifo",
};
