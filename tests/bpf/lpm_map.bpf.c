// SPDX-License-Identifier: GPL-2.0
/*
 * Must be refused at load: lookups in an LPM trie, which walk up to 2048
 * levels each while the verifier counts one instruction.  An outside
 * tester's policy unrolled 48,000 of them in on_release and held a
 * domain's lock for 29 s (soft lockups on both CPUs).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct lpm_key {
	__u32 prefixlen;
	__u8 data[256];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2048);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u32);
} trie SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lpm_key);
} scratch SEC(".maps");

SEC("struct_ops/lpm_on_release")
__u32 BPF_PROG(lpm_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	__u32 zero = 0;
	struct lpm_key *k = bpf_map_lookup_elem(&scratch, &zero);

	if (k)
		bpf_map_lookup_elem(&trie, k);
	return 0;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy lpm_map = {
	.on_release = (void *)lpm_on_release,
	.name = "lpm_map",
};
