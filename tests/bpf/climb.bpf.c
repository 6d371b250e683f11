// SPDX-License-Identifier: GPL-2.0
/*
 * Every arrival gets a higher class than all before it, so it queues at
 * the head, and the holder keeps the lock as long as the core allows.
 * The bound on a tenure used to count from the head's arrival, which
 * moved with each one, and the first waiter was never reached: the core
 * must bound the wait of the oldest waiter (issue 24, finding 6).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/climb_wait_class")
__u32 BPF_PROG(climb_wait_class, struct kgil_domain *dom,
	       struct kgil_waiter *w)
{
	return (__u32)++dom->ps.bpf.data[0];
}

SEC("struct_ops/climb_handoff_due")
__u64 BPF_PROG(climb_handoff_due, struct kgil_domain *dom,
	       struct kgil_thread *holder, struct kgil_waiter *head)
{
	return KGIL_HANDOFF_NEVER;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy climb = {
	.wait_class = (void *)climb_wait_class,
	.handoff_due = (void *)climb_handoff_due,
	.name = "climb",
};
