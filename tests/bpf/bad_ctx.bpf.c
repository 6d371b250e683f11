// SPDX-License-Identifier: GPL-2.0
/*
 * Must be refused by the verifier: on_grant's waiter is NULL when the
 * thread took a free lock without waiting, and this program reads it
 * without checking.
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/bad_on_grant")
void BPF_PROG(bad_on_grant, struct kgil_domain *dom, struct kgil_thread *t,
	      struct kgil_waiter *w)
{
	t->ps.bpf.data[0] = w->start_ns;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy bad_ctx = {
	.on_grant = (void *)bad_on_grant,
	.name = "bad_ctx",
};
