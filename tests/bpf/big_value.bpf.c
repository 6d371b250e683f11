// SPDX-License-Identifier: GPL-2.0
/*
 * Must be refused at load: a map whose values are 64 KiB.  A map update
 * copies the whole value and counts as one instruction to the verifier:
 * a loop of them multiplies the bound on a hook's call.
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct big {
	__u64 words[8192];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct big);
} bigs SEC(".maps");

SEC("struct_ops/big_on_release")
__u32 BPF_PROG(big_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	__u32 zero = 0, one = 1;
	struct big *b = bpf_map_lookup_elem(&bigs, &zero);

	if (b)
		bpf_map_update_elem(&bigs, &one, b, BPF_ANY);
	return 0;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy big_value = {
	.on_release = (void *)big_on_release,
	.name = "big_value",
};
