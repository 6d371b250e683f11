// SPDX-License-Identifier: GPL-2.0
/*
 * ioprio: threads back from I/O go first.  The convoy effect (bpo-7946)
 * is an I/O-bound thread waiting a whole switch interval for a CPU-bound
 * holder each time its I/O completes; here it waits for the holder's
 * next check.
 *
 * On top of the handoff layer (kgil_handoff.h), as fifo, waiters come in two
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
 * State (kgil_policy.h): the waiter's class (struct kgil_ioprio_wait), how
 * the holder got the lock and whether it is demoted, and its run delay
 * at the grant (struct kgil_ioprio_thread), the budget and when it was
 * last refilled (struct kgil_ioprio_domain).
 */
#include "kgil_handoff.h"

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
	struct kgil_ioprio_domain *d = &dom->ps.ioprio;
	s64 cap = max(dom->params.switch_interval_ns, dom->params.io_boost_ns);

	if (now > d->refilled) {
		d->budget += (s64)((now - d->refilled) / 2);
		d->refilled = now;
	}
	d->budget = min(d->budget, cap);
	return d->budget;
}

/* When the holder must be asked to drop, given who waits first. */
static u64 ioprio_handoff_due(struct kgil_domain *dom)
{
	struct kgil_waiter *head = kgil_first_waiter(dom);

	if (!dom->holder || !head)
		return KGIL_HANDOFF_NEVER;
	if (head->ps.ioprio.prio)
		return (dom->holder->ps.ioprio.flags & KGIL_IOPRIO_HOLD_PRIO) ?
		       dom->grant_ns + dom->params.io_boost_ns : dom->grant_ns;
	return max(dom->grant_ns, head->start_ns) +
	       dom->params.switch_interval_ns;
}

/* Everyone starts CPU-bound and in good standing (the state is zeroed). */
static void ioprio_activate(struct kgil_domain *dom)
{
	dom->ps.ioprio.budget = max(dom->params.switch_interval_ns,
				    dom->params.io_boost_ns);
	dom->ps.ioprio.refilled = ktime_get_ns();
}

static void ioprio_on_wait_start(struct kgil_domain *dom,
				 struct kgil_waiter *w)
{
	struct kgil_waiter *pos;
	u64 now = ktime_get_ns();

	if (!w->io || (w->t->ps.ioprio.flags & KGIL_IOPRIO_DEMOTED) ||
	    ioprio_refill(dom, now) < (s64)dom->params.io_boost_ns)
		return;		/* queued at the tail, CPU-bound */
	w->ps.ioprio.prio = true;
	w->placed = true;
	/* Behind the priority waiters, ahead of everybody else. */
	list_for_each_entry(pos, &dom->waiters, node)
		if (pos != w && !pos->ps.ioprio.prio)
			break;
	list_move_tail(&w->node, &pos->node);
	if (now >= ioprio_handoff_due(dom)) {
		kgil_request_drop(dom, w->t);
		kgil_handoff_kick_spinner(dom, NULL);
	} else if (kgil_handoff_timekeeper(dom) != w) {
		kgil_handoff_kick_timekeeper(dom);	/* time the holder's boost */
	}
}

static void ioprio_on_grant(struct kgil_domain *dom, struct kgil_thread *t,
			    struct kgil_waiter *w)
{
	struct kgil_ioprio_thread *it = &t->ps.ioprio;

	it->flags &= ~(KGIL_IOPRIO_HOLD_IO | KGIL_IOPRIO_HOLD_PRIO);
	if (w && w->io)
		it->flags |= KGIL_IOPRIO_HOLD_IO;
	if (w && w->ps.ioprio.prio) {
		it->flags |= KGIL_IOPRIO_HOLD_PRIO;
		kgil_handoff_kick_spinner(dom, w);	/* spin through the burst */
	}
	it->run_delay_at_grant = ioprio_run_delay(t);
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
	       (dom->holder->ps.ioprio.flags & KGIL_IOPRIO_HOLD_PRIO);
}

/* Judge the tenure that just ended, then hand over to the head. */
static void ioprio_on_release(struct kgil_domain *dom, struct kgil_thread *t,
			      enum kgil_release_reason reason)
{
	struct kgil_ioprio_thread *it = &t->ps.ioprio;
	u64 hold = dom->release_ns - dom->grant_ns;
	u64 burst = hold - min(hold, ioprio_run_delay(t) -
				     it->run_delay_at_grant);

	if (it->flags & KGIL_IOPRIO_HOLD_PRIO) {
		ioprio_refill(dom, dom->release_ns);
		dom->ps.ioprio.budget -= hold;
	}
	if (it->flags & KGIL_IOPRIO_HOLD_IO) {
		if (burst > dom->params.io_boost_ns)
			it->flags |= KGIL_IOPRIO_DEMOTED;
		else if (reason == KGIL_REL_IO)
			it->flags &= ~KGIL_IOPRIO_DEMOTED;
	}
	it->flags &= ~(KGIL_IOPRIO_HOLD_IO | KGIL_IOPRIO_HOLD_PRIO);
	kgil_handoff_pass(dom, reason);
}

const struct kgil_policy_ops kgil_policy_ioprio = {
	.id = KGIL_POLICY_IOPRIO,
	.name = "ioprio",
	.activate = ioprio_activate,
	.may_take = kgil_handoff_may_take,
	.on_wait_start = ioprio_on_wait_start,
	.wait_deadline = kgil_handoff_wait_deadline,
	.on_wait_timeout = kgil_handoff_wait_timeout,
	.on_wait_abort = kgil_handoff_wait_abort,
	.on_release = ioprio_on_release,
	.on_grant = ioprio_on_grant,
	.check = kgil_handoff_check,
	.may_spin = ioprio_may_spin,
	.handoff_due = ioprio_handoff_due,
};
