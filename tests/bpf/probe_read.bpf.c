// SPDX-License-Identifier: GPL-2.0
/*
 * Must be refused at load: a helper outside kgil's list, whose cost grows
 * with its size argument (bpf_probe_read_kernel copies as much as its
 * destination holds).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/probe_on_release")
__u32 BPF_PROG(probe_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	__u64 grant = 0;

	bpf_probe_read_kernel(&grant, sizeof(grant), &dom->grant_ns);
	return grant & 1;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy probe_read = {
	.on_release = (void *)probe_on_release,
	.name = "probe_read",
};
