// SPDX-License-Identifier: GPL-2.0
/*
 * Must be refused at load: bpf_loop() runs its callback up to 2^23
 * times, and a callback may call it again (2^46).  One such call held a
 * domain's spinlock for 55 s (issue 24, finding 3).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

static long spin(__u64 i, void *ctx)
{
	return 0;
}

SEC("struct_ops/loop_on_release")
__u32 BPF_PROG(loop_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	bpf_loop(1 << 23, spin, NULL, 0);
	return 0;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy loop_helper = {
	.on_release = (void *)loop_on_release,
	.name = "loop_helper",
};
