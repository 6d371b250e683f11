// SPDX-License-Identifier: GPL-2.0
/*
 * A release that walks the queue rounds[0] times (set from userspace,
 * at most CRAWL_MAX): with hundreds of waiters, one on_release holds the
 * domain's lock for a good fraction of a second, all the verifier allows.
 * The test raises kgil.bpf_budget_ns so that it is not ejected, and
 * checks that nothing global waits for that lock (issue 24, finding 4).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define CRAWL_MAX	60000

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} rounds SEC(".maps");

SEC("struct_ops/crawl_on_release")
__u32 BPF_PROG(crawl_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	__u32 key = 0, last, limit, sum = 0;
	__u32 *n = bpf_map_lookup_elem(&rounds, &key);

	if (!n)
		return 0;
	limit = *n;
	last = dom->nr_waiting ? dom->nr_waiting - 1 : 0;
	for (int i = 0; i < CRAWL_MAX; i++) {
		if (i >= limit)
			break;
		sum += kgil_bpf_waiter_tid(dom, last);
	}
	dom->ps.bpf.data[0] = sum;
	return 0;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy crawl = {
	.on_release = (void *)crawl_on_release,
	.name = "crawl",
};
