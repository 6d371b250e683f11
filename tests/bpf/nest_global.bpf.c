// SPDX-License-Identifier: GPL-2.0
/*
 * Must be refused at load: global functions, which the verifier walks
 * once whatever calls them, nested in loops.  Each level is a loop of
 * 2200 rounds calling the next: the verifier saw a few thousand steps,
 * one call ran 10^10 and held a domain's lock for 45 s (the outside
 * tester's finding, issue 24).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define ROUNDS	2200

__attribute__((noinline)) int inner(__u64 x)
{
	for (int i = 0; i < ROUNDS; i++)
		x = x * 3 + 1;
	return (int)x;
}

__attribute__((noinline)) int middle(__u64 x)
{
	int s = 0;

	for (int i = 0; i < ROUNDS; i++)
		s += inner(x + i);
	return s;
}

SEC("struct_ops/nest_init")
void BPF_PROG(nest_init, struct kgil_domain *dom)
{
	int s = 0;

	for (int i = 0; i < ROUNDS; i++)
		s += middle(i);
	dom->ps.bpf.data[0] = s;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy nest_global = {
	.init = (void *)nest_init,
	.name = "nest_global",
};
