// SPDX-License-Identifier: GPL-2.0
/*
 * Must be refused at load: an open-coded iterator (bpf_for) runs up to
 * 2^23 times whatever the verifier saw, nested 2^46 (issue 24,
 * finding 3).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The kernel's layout; bpf_helpers.h declares the kfuncs, not the type. */
struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));

SEC("struct_ops/iter_on_release")
__u32 BPF_PROG(iter_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	struct bpf_iter_num it;
	__u32 n = 0;
	int *v;

	bpf_iter_num_new(&it, 0, 1 << 23);
	while ((v = bpf_iter_num_next(&it)))
		n += *v & 1;
	bpf_iter_num_destroy(&it);
	return n & 0;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy loop_iter = {
	.on_release = (void *)iter_on_release,
	.name = "loop_iter",
};
