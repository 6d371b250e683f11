// SPDX-License-Identifier: GPL-2.0
/*
 * The handoff layer, under fifo and ioprio: a release hands the lock
 * directly to the first waiter (kgil_grant_waiter()), which wakes up
 * owning it; a free lock is taken only by the first waiter, or by a
 * newcomer when nobody queues.  Nobody can barge in, so no waiter ever
 * wakes to find the lock taken: failed attempts are zero by
 * construction, and the policy alone decides the order (the queue's).
 *
 * The policy says when the holder has had the lock long enough
 * (&kgil_policy_ops.handoff_due): then a waiter raises the drop request
 * and the holder's next check yields.  The yielding holder's lock has
 * already gone to the first waiter, so no forced-switch wait is needed:
 * CHECK returns after the holder has queued again.
 *
 * Handoff cost must not grow with the number of waiters.  newgil lets
 * every waiter time the holder (each wakes every interval: N wake-ups per
 * interval); here only one waiter does, the "timekeeper".  Picking the
 * next holder is the list head: O(1).
 *
 * Without spinning the timekeeper is the last in the queue.  In the
 * CPU-bound steady state that is the holder that just yielded: it queues
 * at the tail after handing over and times its successor, so a switch
 * costs exactly one wake-up.  After any other release (I/O, explicit,
 * exit), or when the timekeeper leaves the queue without the lock, the
 * new tail is kicked once so that it times the new holder.
 *
 * Liveness: after every grant, while anyone waits, some waiter times the
 * new holder, whatever the thread that released does next.  A waiter
 * that armed while the drop request was up sleeps untimed (the request
 * is out, nothing to time), and the grant clears the request, so each
 * grant must make a timekeeper arm again: kgil_handoff_pass() kicks the
 * timekeeper, except after a CHECK without spinning.  There the
 * yielder's re-acquire follows under the same dom->lock hold: queued at
 * the tail it is the timekeeper and arms before it sleeps; queued
 * elsewhere (ioprio's I/O return, a BPF class) it kicks the tail; queued
 * and gone (timeout, signal) it kicks the tail on leaving
 * (on_wait_abort); and if it does not queue at all (CHECK with TRY: the
 * lock is taken, -EBUSY) the core reports it as a waiter that gave up,
 * on_wait_abort again (kgil_acquire_locked()).  Without that last rule
 * CHECK|TRY left every waiter untimed and a holder that yields only when
 * asked kept the lock for ever.
 *
 * With spin_ns set, the head times the holder, raises the drop request
 * itself and spins from there to the grant (kgil_lock.c), so the handoff
 * waits for no wake-up on another CPU.  The price is one wake-up per
 * switch off the handoff's path (with three threads or more): the new
 * head is kicked at each grant to start timing its holder.
 */
#include "kgil_handoff.h"

bool kgil_handoff_may_take(struct kgil_domain *dom, struct kgil_thread *t,
			   struct kgil_waiter *w)
{
	return w ? w == kgil_first_waiter(dom) : list_empty(&dom->waiters);
}

enum kgil_check_action kgil_handoff_check(struct kgil_domain *dom,
					  struct kgil_thread *t)
{
	return kgil_drop_requested(dom) ? KGIL_CHECK_YIELD : KGIL_CHECK_KEEP;
}

struct kgil_waiter *kgil_handoff_timekeeper(struct kgil_domain *dom)
{
	if (list_empty(&dom->waiters))
		return NULL;
	if (dom->params.spin_ns)
		return list_first_entry(&dom->waiters, struct kgil_waiter, node);
	return list_last_entry(&dom->waiters, struct kgil_waiter, node);
}

void kgil_handoff_kick_timekeeper(struct kgil_domain *dom)
{
	struct kgil_waiter *w = kgil_handoff_timekeeper(dom);

	if (w)
		kgil_kick_waiter(dom, w);
}

/*
 * Somebody else than the head noticed that its handoff is due: the
 * timekeeper that raised the drop request, or the priority grant a
 * CPU-bound waiter must sit out.  Wake the head if it sleeps, so that it
 * spins for the lock (kgil_spin()): the wake-up runs while the holder is
 * still busy, off the path of the handoff itself.
 */
void kgil_handoff_kick_spinner(struct kgil_domain *dom,
			       struct kgil_waiter *skip)
{
	struct kgil_waiter *w = kgil_first_waiter(dom);

	if (w && w == skip)
		w = list_is_last(&w->node, &dom->waiters) ? NULL :
		    list_next_entry(w, node);
	if (!w || !dom->params.spin_ns || !w->task || w->task == current ||
	    w->spun_tenure == dom->tenure)
		return;
	kgil_kick_waiter(dom, w);
}

void kgil_handoff_wait_abort(struct kgil_domain *dom, struct kgil_waiter *w)
{
	kgil_handoff_kick_timekeeper(dom);
}

ktime_t kgil_handoff_wait_deadline(struct kgil_domain *dom,
				   struct kgil_waiter *w, ktime_t now)
{
	u64 due;

	if (w != kgil_handoff_timekeeper(dom) || kgil_drop_requested(dom))
		return KTIME_MAX;
	due = kgil_policy_handoff_due(dom);
	/* Already past: the core does not wait and times out at once. */
	return due == KGIL_HANDOFF_NEVER ? KTIME_MAX : ns_to_ktime(due);
}

/*
 * The deadline w was armed with has passed (kgil_wait_note()).  In the
 * same tenure that is the handoff the policy said was due: it stays
 * due, whatever the policy would answer now.  Asking again instead let
 * a policy that answers "now" and "never" in turn keep its timekeeper
 * waking at once and asking for ever, without sleeping.  In another
 * tenure the deadline was the last holder's: ask for this one's.
 */
void kgil_handoff_wait_timeout(struct kgil_domain *dom, struct kgil_waiter *w)
{
	u64 due;

	if (!dom->holder)
		return;
	if (w->armed_tenure != dom->tenure) {
		due = kgil_policy_handoff_due(dom);
		if (due == KGIL_HANDOFF_NEVER || ktime_get_ns() < due)
			return;
	}
	kgil_request_drop(dom, w->t);
	kgil_handoff_kick_spinner(dom, NULL);
}

bool kgil_handoff_may_spin(struct kgil_domain *dom, struct kgil_waiter *w)
{
	return w == kgil_first_waiter(dom) && kgil_drop_requested(dom);
}

/*
 * Hand the free lock to the head: the waiter the policy put first,
 * unless the oldest waiter has waited KGIL_MAX_WAIT_INTERVALS switch
 * intervals.  Then it goes first, whatever the policy's order (a BPF
 * policy that always picks the tail, classes that let every arrival
 * jump ahead, a flood of ioprio's I/O returns), counted as a clamp.
 * With the bound on each tenure (kgil_policy_handoff_due()), no waiter
 * waits more than KGIL_MAX_WAIT_INTERVALS + KGIL_MAX_TENURE_INTERVALS.
 */
void kgil_handoff_pass(struct kgil_domain *dom,
		       enum kgil_release_reason reason)
{
	struct kgil_waiter *w = kgil_first_waiter(dom);
	struct kgil_waiter *oldest = kgil_oldest_waiter(dom);

	if (!w)
		return;
	if (oldest != w && ktime_get_ns() - oldest->start_ns >=
	    KGIL_MAX_WAIT_INTERVALS * dom->params.switch_interval_ns) {
		list_move(&oldest->node, &dom->waiters);
		dom->c.policy_clamps++;
		w = oldest;
	}
	kgil_grant_waiter(dom, w);
	/*
	 * A yielding holder queues again at the tail and, as the tail, times
	 * its successor, or hands that on if it does not ("Liveness" above).
	 * With spinning the timekeeper is the new head: wake it now, while
	 * its new holder runs, so that it is awake when due.
	 */
	if (reason != KGIL_REL_CHECK || dom->params.spin_ns)
		kgil_handoff_kick_timekeeper(dom);
}
