// SPDX-License-Identifier: GPL-2.0
/*
 * Must be refused at registration: a struct_ops map without a link
 * (SEC(".struct_ops")).  Registered that way it outlived its loader,
 * `kgil policy unload` and blocked rmmod (issue 24, finding 2).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/no_link_on_release")
__u32 BPF_PROG(no_link_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	return 0;
}

SEC(".struct_ops")
struct kgil_bpf_policy no_link = {
	.on_release = (void *)no_link_on_release,
	.name = "no_link",
};
