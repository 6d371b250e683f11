// SPDX-License-Identifier: GPL-2.0
/*
 * Must be refused by the verifier: a loop that nothing bounds (it waits
 * for the queue to empty, which cannot happen while it holds the
 * domain's spinlock), so the hook would never return.
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/bad_on_release")
__u32 BPF_PROG(bad_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	while (kgil_bpf_waiter_tid(dom, 0))
		;
	return 0;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy bad_loop = {
	.on_release = (void *)bad_on_release,
	.name = "bad_loop",
};
