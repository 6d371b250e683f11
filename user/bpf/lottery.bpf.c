// SPDX-License-Identifier: GPL-2.0
/*
 * lottery: a GIL none of the built-in policies is.  At every release the
 * next holder is drawn at random among the waiters, each with as many
 * tickets as userspace gave its thread in the map `tickets` (Linux tid ->
 * tickets; a thread without an entry has one).  Waldspurger and Weihl's
 * lottery scheduling (OSDI '94), applied to the lock: a thread with k
 * times the tickets of another gets about k times its turns, and nobody
 * with a ticket starves.  Userspace can change the shares at run time:
 *
 *   bpftool map update name tickets key 0x39 0x30 0 0 value 9 0 0 0
 *
 * or, from C, bpf_map_update_elem() on kgil_bpf_map_fd(bp, "tickets").
 *
 * When a handoff is due is fifo's rule (one switch interval of
 * contention); only who gets the lock is the lottery's.  The draw looks
 * at the first MAX_DRAW waiters, so a hook stays short under the
 * domain's spinlock; the others wait their turn to move up.
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MAX_DRAW	32

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);		/* tid */
	__type(value, __u32);		/* tickets; 0 counts as 1 */
} tickets SEC(".maps");

static __always_inline __u32 tickets_of(__u32 tid)
{
	__u32 *n = bpf_map_lookup_elem(&tickets, &tid);

	return n && *n ? *n : 1;
}

SEC("struct_ops/lottery_handoff_due")
__u64 BPF_PROG(lottery_handoff_due, struct kgil_domain *dom,
	       struct kgil_thread *holder, struct kgil_waiter *head)
{
	return kgil_max(dom->grant_ns, head->start_ns) +
	       dom->params.switch_interval_ns;
}

/* The position of the winner: the core hands the lock to that waiter. */
SEC("struct_ops/lottery_on_release")
__u32 BPF_PROG(lottery_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	__u64 total = 0, draw;
	__u32 i, tid;

	for (i = 0; i < MAX_DRAW; i++) {
		tid = kgil_bpf_waiter_tid(dom, i);
		if (!tid)
			break;
		total += tickets_of(tid);
	}
	if (total < 2)
		return 0;
	draw = bpf_get_prandom_u32() % total;
	for (i = 0; i < MAX_DRAW; i++) {
		tid = kgil_bpf_waiter_tid(dom, i);
		if (!tid)
			break;
		if (draw < tickets_of(tid))
			return i;
		draw -= tickets_of(tid);
	}
	return 0;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy lottery = {
	.handoff_due = (void *)lottery_handoff_due,
	.on_release = (void *)lottery_on_release,
	.name = "lottery",
};
