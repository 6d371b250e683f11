// SPDX-License-Identifier: GPL-2.0
/*
 * ioprio: threads back from I/O go first.  The convoy effect (bpo-7946)
 * is an I/O-bound thread waiting a whole switch interval for a CPU-bound
 * holder each time its I/O completes; here it waits for the holder's
 * next check.
 *
 * On top of fifo's handoff (kgil_policy_fifo.h), waiters come in two
 * classes, kept in one queue: priority waiters first, in arrival order,
 * then CPU-bound waiters, in arrival order.  Picking the next holder is
 * still the list head; inserting a priority waiter walks past the
 * priority waiters only (usually none).
 *
 * - A thread returning from I/O (IO_END, or the io_uring acquire after
 *   IO_BEGIN) is a priority waiter unless it is demoted or the priority
 *   budget is spent.  It goes ahead of every CPU-bound waiter and, if
 *   the holder is an ordinary CPU-bound holder, raises the drop request
 *   at once: the holder yields at its next check and hands it the lock.
 * - A holder that got the lock as a priority waiter keeps it for up to
 *   io_boost_ns against other priority waiters (I/O threads finish their
 *   short bursts in turn instead of preempting each other at every
 *   check); after that, it is asked to drop like anybody else.
 * - Abuse guard: a thread whose burst after an I/O return lasts longer
 *   than io_boost_ns is demoted: its later I/O returns queue as CPU-bound
 *   waiters, until one of its bursts after an I/O return ends back in
 *   I/O (IO_BEGIN) within io_boost_ns.  A thread is judged by how it
 *   behaves once it has the lock, not by what it claims.  The burst is
 *   the tenure minus the time the thread sat runnable on a run queue
 *   (sched_info.run_delay): the wake-up latency after the grant, or a
 *   preemption, is the machine's doing, not the thread's.
 * - Starvation guard: priority tenures draw on a per-domain budget that
 *   refills at half the wall-clock rate, up to max(switch interval,
 *   io_boost_ns).  An I/O return is a priority waiter only while the
 *   budget holds at least io_boost_ns (a whole burst); otherwise it
 *   queues as a CPU-bound waiter.  However many I/O threads flood the
 *   lock, the priority takes at most about half of it, and once spent it
 *   needs twice io_boost_ns of ordinary turns to come back: CPU-bound
 *   threads keep real turns, not slivers between preemptions.
 * - CPU-bound threads among themselves: fifo, one switch interval each.
 *   A CPU-bound holder preempted by an I/O return queues at the tail.
 * - Spinning (spin_ns): the I/O return spins from its drop request to
 *   the grant, and the preempted CPU-bound thread, once first in line,
 *   spins through the priority holder's burst: neither handoff of the
 *   round trip waits for a wake-up on another CPU.
 *
 * State: w->policy_data (the waiter's class), t->policy_data[0] (how the
 * holder got the lock, demoted), t->policy_data[1] (its run delay at the
 * grant), dom->policy_data[0..1] (the budget and when it was refilled).
 */
#include "kgil_policy_fifo.h"

#define IOPRIO_W_PRIO		1ULL	/* w->policy_data: priority waiter */
#define IOPRIO_HOLD_IO		1ULL	/* t->policy_data[0]: after an I/O return */
#define IOPRIO_HOLD_PRIO	2ULL	/*   ... as a priority waiter */
#define IOPRIO_DEMOTED		4ULL	/*   no priority for its I/O returns */
#define IOPRIO_HOLD_MASK	(IOPRIO_HOLD_IO | IOPRIO_HOLD_PRIO)
#define ioprio_flags(t)		((t)->policy_data[0])
#define ioprio_delay_at_grant(t) ((t)->policy_data[1])
#define ioprio_budget(dom)	((dom)->policy_data[0])
#define ioprio_refilled(dom)	((dom)->policy_data[1])

static bool ioprio_is_prio(const struct kgil_waiter *w)
{
	return w->policy_data & IOPRIO_W_PRIO;
}

/* How long t's task has been runnable without running, in all (ns). */
static u64 ioprio_run_delay(const struct kgil_thread *t)
{
#ifdef CONFIG_SCHED_INFO
	return READ_ONCE(t->task->sched_info.run_delay);
#else
	return 0;
#endif
}

/* Refill the budget for the time since the last refill; what is left. */
static s64 ioprio_refill(struct kgil_domain *dom, u64 now)
{
	s64 cap = max(dom->params.switch_interval_ns, dom->params.io_boost_ns);
	s64 b = (s64)ioprio_budget(dom);

	if (now > ioprio_refilled(dom)) {
		b += (s64)((now - ioprio_refilled(dom)) / 2);
		ioprio_refilled(dom) = now;
	}
	ioprio_budget(dom) = (u64)min(b, cap);
	return (s64)ioprio_budget(dom);
}

/* When the holder must be asked to drop, given who waits first. */
static u64 ioprio_due(struct kgil_domain *dom)
{
	struct kgil_waiter *head = kgil_first_waiter(dom);

	if (!dom->holder || !head)
		return KGIL_HANDOFF_NEVER;
	if (ioprio_is_prio(head))
		return (ioprio_flags(dom->holder) & IOPRIO_HOLD_PRIO) ?
		       dom->grant_ns + dom->params.io_boost_ns : dom->grant_ns;
	return max(dom->grant_ns, head->start_ns) +
	       dom->params.switch_interval_ns;
}

static void ioprio_activate(struct kgil_domain *dom)
{
	struct kgil_thread *t;
	struct kgil_waiter *w;

	ioprio_budget(dom) = max(dom->params.switch_interval_ns,
				 dom->params.io_boost_ns);
	ioprio_refilled(dom) = ktime_get_ns();
	/* Another policy's leftovers: everyone starts CPU-bound, in good standing. */
	list_for_each_entry(t, &dom->threads, dnode)
		memset(t->policy_data, 0, sizeof(t->policy_data));
	list_for_each_entry(w, &dom->waiters, node)
		w->policy_data = 0;
}

static void ioprio_on_wait_start(struct kgil_domain *dom,
				 struct kgil_waiter *w)
{
	struct kgil_waiter *pos;
	u64 now = ktime_get_ns();

	if (!w->io || (ioprio_flags(w->t) & IOPRIO_DEMOTED) ||
	    ioprio_refill(dom, now) < (s64)dom->params.io_boost_ns)
		return;		/* queued at the tail, CPU-bound */
	w->policy_data = IOPRIO_W_PRIO;
	/* Behind the priority waiters, ahead of everybody else. */
	list_for_each_entry(pos, &dom->waiters, node)
		if (pos != w && !ioprio_is_prio(pos))
			break;
	list_move_tail(&w->node, &pos->node);
	if (now >= ioprio_due(dom)) {
		kgil_request_drop(dom, w->t);
		kgil_kick_spinner(dom, NULL);
	} else if (kgil_handoff_timekeeper(dom) != w) {
		kgil_handoff_kick_timekeeper(dom);	/* time the holder's boost */
	}
}

static ktime_t ioprio_wait_deadline(struct kgil_domain *dom,
				    struct kgil_waiter *w, ktime_t now)
{
	return kgil_handoff_deadline(dom, w, ioprio_due(dom));
}

static void ioprio_on_wait_timeout(struct kgil_domain *dom,
				   struct kgil_waiter *w)
{
	kgil_handoff_timeout(dom, w, ioprio_due(dom));
}

static void ioprio_on_grant(struct kgil_domain *dom, struct kgil_thread *t,
			    struct kgil_waiter *w)
{
	ioprio_flags(t) &= ~IOPRIO_HOLD_MASK;
	if (w && w->io)
		ioprio_flags(t) |= IOPRIO_HOLD_IO;
	if (w && ioprio_is_prio(w)) {
		ioprio_flags(t) |= IOPRIO_HOLD_PRIO;
		kgil_kick_spinner(dom, w);	/* spin through the burst */
	}
	ioprio_delay_at_grant(t) = ioprio_run_delay(t);
}

/*
 * Spin for a due handoff (fifo's rule), and behind a priority holder:
 * its burst is short by the abuse rule, so the CPU-bound thread it
 * preempted takes the lock back without a wake-up.
 */
static bool ioprio_may_spin(struct kgil_domain *dom, struct kgil_waiter *w)
{
	if (w != kgil_first_waiter(dom))
		return false;
	return kgil_drop_requested(dom) ||
	       (ioprio_flags(dom->holder) & IOPRIO_HOLD_PRIO);
}

/* Judge the tenure that just ended, then hand over to the head. */
static void ioprio_on_release(struct kgil_domain *dom, struct kgil_thread *t,
			      enum kgil_release_reason reason)
{
	u64 hold = dom->release_ns - dom->grant_ns;
	u64 burst = hold - min(hold, ioprio_run_delay(t) -
				     ioprio_delay_at_grant(t));

	if (ioprio_flags(t) & IOPRIO_HOLD_PRIO) {
		ioprio_refill(dom, dom->release_ns);
		ioprio_budget(dom) -= hold;
	}
	if (ioprio_flags(t) & IOPRIO_HOLD_IO) {
		if (burst > dom->params.io_boost_ns)
			ioprio_flags(t) |= IOPRIO_DEMOTED;
		else if (reason == KGIL_REL_IO)
			ioprio_flags(t) &= ~IOPRIO_DEMOTED;
	}
	ioprio_flags(t) &= ~IOPRIO_HOLD_MASK;
	kgil_handoff_pass(dom, kgil_first_waiter(dom), reason);
}

const struct kgil_policy_ops kgil_policy_ioprio = {
	.id = KGIL_POLICY_IOPRIO,
	.name = "ioprio",
	.activate = ioprio_activate,
	.may_take = kgil_handoff_may_take,
	.on_wait_start = ioprio_on_wait_start,
	.wait_deadline = ioprio_wait_deadline,
	.on_wait_timeout = ioprio_on_wait_timeout,
	.on_wait_abort = kgil_handoff_abort,
	.on_release = ioprio_on_release,
	.on_grant = ioprio_on_grant,
	.check = kgil_handoff_check,
	.may_spin = ioprio_may_spin,
};
