// SPDX-License-Identifier: GPL-2.0
/*
 * Must be refused at load: a write through a pointer the program walked
 * to (dom->holder), not one the hook was given.  holder is NULL in
 * on_release, and the verifier cannot know it: run, this wrote to
 * address 0x10 and oopsed the kernel (issue 24, finding 1).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/walk_on_release")
__u32 BPF_PROG(walk_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	dom->holder->ps.bpf.data[0] = 1;
	return 0;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy walk_write = {
	.on_release = (void *)walk_on_release,
	.name = "walk_write",
};
