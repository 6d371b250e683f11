// SPDX-License-Identifier: GPL-2.0
/*
 * ioprio in BPF: threads back from I/O go first, as the built-in
 * KGIL_POLICY_IOPRIO (kmod/kgil_policy_ioprio.c tells the whole design).
 * In short:
 *  - an I/O return (w->io) waits in class 1, ahead of the CPU-bound
 *    waiters, unless its thread is demoted or the priority budget is
 *    spent; the core then asks the holder to drop at once;
 *  - a priority holder keeps the lock for io_boost_ns against other
 *    priority waiters;
 *  - a thread whose burst after an I/O return outlasts io_boost_ns is
 *    demoted until one of its bursts ends in I/O within it (the burst
 *    leaves out the time it sat runnable on a run queue);
 *  - priority tenures draw on a budget refilled at half the wall-clock
 *    rate, so CPU-bound threads keep about half of the lock.
 *
 * The state lives in the words the verifier lets a policy write:
 * dom->ps.bpf.data[0..1] (budget, last refill), t->ps.bpf.data[0..1]
 * (flags, run delay at the grant).
 */
#include "kgil_policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define HOLD_IO		(1ULL << 0)	/* got the lock after an I/O return */
#define HOLD_PRIO	(1ULL << 1)	/* ... as a priority waiter */
#define DEMOTED		(1ULL << 2)	/* its I/O returns get no priority */

#define BUDGET		0		/* dom->ps.bpf.data[] */
#define REFILLED	1
#define FLAGS		0		/* t->ps.bpf.data[] */
#define DELAY_AT_GRANT	1

static __always_inline __s64 refill(struct kgil_domain *dom, __u64 now)
{
	__s64 cap = kgil_max(dom->params.switch_interval_ns,
			     dom->params.io_boost_ns);
	__s64 budget = dom->ps.bpf.data[BUDGET];
	__u64 refilled = dom->ps.bpf.data[REFILLED];

	if (now > refilled) {
		budget += (now - refilled) / 2;
		dom->ps.bpf.data[REFILLED] = now;
	}
	if (budget > cap)
		budget = cap;
	dom->ps.bpf.data[BUDGET] = budget;
	return budget;
}

SEC("struct_ops/ioprio_init")
void BPF_PROG(ioprio_init, struct kgil_domain *dom)
{
	dom->ps.bpf.data[BUDGET] = kgil_max(dom->params.switch_interval_ns,
					    dom->params.io_boost_ns);
	dom->ps.bpf.data[REFILLED] = bpf_ktime_get_ns();
}

SEC("struct_ops/ioprio_wait_class")
__u32 BPF_PROG(ioprio_wait_class, struct kgil_domain *dom,
	       struct kgil_waiter *w)
{
	if (!w->io || (w->t->ps.bpf.data[FLAGS] & DEMOTED))
		return 0;
	if (refill(dom, bpf_ktime_get_ns()) < (__s64)dom->params.io_boost_ns)
		return 0;
	return 1;
}

SEC("struct_ops/ioprio_handoff_due")
__u64 BPF_PROG(ioprio_handoff_due, struct kgil_domain *dom,
	       struct kgil_thread *holder, struct kgil_waiter *head)
{
	if (head->ps.bpf.class)
		return (holder->ps.bpf.data[FLAGS] & HOLD_PRIO) ?
		       dom->grant_ns + dom->params.io_boost_ns : dom->grant_ns;
	return kgil_max(dom->grant_ns, head->start_ns) +
	       dom->params.switch_interval_ns;
}

SEC("struct_ops/ioprio_on_grant")
void BPF_PROG(ioprio_on_grant, struct kgil_domain *dom, struct kgil_thread *t,
	      struct kgil_waiter *w)
{
	__u64 flags = t->ps.bpf.data[FLAGS] & ~(HOLD_IO | HOLD_PRIO);

	if (w && w->io)
		flags |= HOLD_IO;
	if (w && w->ps.bpf.class) {
		flags |= HOLD_PRIO;
		kgil_bpf_kick_spinner(dom);	/* spin through the burst */
	}
	t->ps.bpf.data[FLAGS] = flags;
	t->ps.bpf.data[DELAY_AT_GRANT] = t->task->sched_info.run_delay;
}

/* Behind a priority holder, whose burst is short, the head spins. */
SEC("struct_ops/ioprio_may_spin")
bool BPF_PROG(ioprio_may_spin, struct kgil_domain *dom, struct kgil_waiter *w)
{
	struct kgil_thread *holder = dom->holder;

	return holder && (holder->ps.bpf.data[FLAGS] & HOLD_PRIO);
}

/* Judge the tenure that just ended; the core hands over to the head. */
SEC("struct_ops/ioprio_on_release")
__u32 BPF_PROG(ioprio_on_release, struct kgil_domain *dom,
	       struct kgil_thread *t, __u32 reason)
{
	__u64 flags = t->ps.bpf.data[FLAGS];
	__u64 hold = dom->release_ns - dom->grant_ns;
	__u64 delay = t->task->sched_info.run_delay -
		      t->ps.bpf.data[DELAY_AT_GRANT];
	__u64 burst = hold - (delay < hold ? delay : hold);

	if (flags & HOLD_PRIO) {
		refill(dom, dom->release_ns);
		dom->ps.bpf.data[BUDGET] -= hold;
	}
	if (flags & HOLD_IO) {
		if (burst > dom->params.io_boost_ns)
			flags |= DEMOTED;
		else if (reason == KGIL_REL_IO)
			flags &= ~DEMOTED;
	}
	t->ps.bpf.data[FLAGS] = flags & ~(HOLD_IO | HOLD_PRIO);
	return 0;
}

SEC(".struct_ops.link")
struct kgil_bpf_policy bpf_ioprio = {
	.init = (void *)ioprio_init,
	.wait_class = (void *)ioprio_wait_class,
	.handoff_due = (void *)ioprio_handoff_due,
	.on_grant = (void *)ioprio_on_grant,
	.may_spin = (void *)ioprio_may_spin,
	.on_release = (void *)ioprio_on_release,
	.name = "bpf_ioprio",
};
