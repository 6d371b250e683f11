// SPDX-License-Identifier: GPL-2.0
/*
 * Every release goes to the last waiter in the queue.  With three
 * CPU-bound threads the head is never picked: the core must bound the
 * wait of the oldest waiter whatever the program answers (issue 24,
 * finding 6).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/tail_on_release")
__u32 BPF_PROG(tail_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	return dom->nr_waiting ? dom->nr_waiting - 1 : 0;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy tail_pick = {
	.on_release = (void *)tail_on_release,
	.name = "tail_pick",
};
