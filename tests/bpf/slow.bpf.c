// SPDX-License-Identifier: GPL-2.0
/*
 * A policy the verifier accepts whose on_release is slow: a bounded loop
 * of SLOW_ITERS rounds (well under a millisecond natively, a few under
 * TCG).  With kgil.bpf_budget_ns below that, the core must eject it:
 * its domains go to fifo (issue 24, finding 3).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define SLOW_ITERS	50000

SEC("struct_ops/slow_on_release")
__u32 BPF_PROG(slow_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	__u64 x = dom->tenure;

	for (int i = 0; i < SLOW_ITERS; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	dom->ps.bpf.data[0] = x;	/* or the compiler drops the loop */
	return 0;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy slow = {
	.on_release = (void *)slow_on_release,
	.name = "slow",
};
