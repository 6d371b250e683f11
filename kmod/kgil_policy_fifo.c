// SPDX-License-Identifier: GPL-2.0
/*
 * fifo: strict handoff to the longest waiter.
 *
 * A release hands the lock directly to the first waiter
 * (kgil_grant_waiter()), which wakes up owning it; a free lock is taken
 * only by the first waiter, or by a newcomer when nobody queues.  Nobody
 * can barge in, so no waiter ever wakes to find the lock taken: failed
 * attempts are zero by construction, and no waiter starves, since each
 * one only moves forward in the queue.
 *
 * The switch interval still bounds a CPU-bound holder: once the lock has
 * been contended for switch_interval (since the holder got it or the
 * first waiter arrived, whichever is later), a waiter raises the drop
 * request and the holder's next check yields.  The yielding holder's
 * lock has already gone to the first waiter, so no forced-switch wait is
 * needed: CHECK returns after the holder has queued again at the tail.
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
 * With spin_ns set, the head times the holder, raises the drop request
 * itself and spins from there to the grant (kgil_lock.c), so the handoff
 * waits for no wake-up on another CPU.  The price is one wake-up per
 * switch off the handoff's path (with three threads or more): the new
 * head is kicked at each grant to start timing its holder.
 */
#include "kgil_policy_fifo.h"

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

void kgil_handoff_abort(struct kgil_domain *dom, struct kgil_waiter *w)
{
	kgil_handoff_kick_timekeeper(dom);
}

ktime_t kgil_handoff_deadline(struct kgil_domain *dom, struct kgil_waiter *w,
			      u64 due_ns)
{
	if (w != kgil_handoff_timekeeper(dom) ||
	    kgil_drop_requested(dom) || due_ns == KGIL_HANDOFF_NEVER)
		return KTIME_MAX;
	/* Already past: the core sleeps not at all and times out at once. */
	return ns_to_ktime(due_ns);
}

void kgil_handoff_timeout(struct kgil_domain *dom, struct kgil_waiter *w,
			  u64 due_ns)
{
	if (due_ns != KGIL_HANDOFF_NEVER && ktime_get_ns() >= due_ns) {
		kgil_request_drop(dom, w->t);
		kgil_kick_spinner(dom, NULL);
	}
}

bool kgil_handoff_may_spin(struct kgil_domain *dom, struct kgil_waiter *w)
{
	return w == kgil_first_waiter(dom) && kgil_drop_requested(dom);
}

void kgil_handoff_pass(struct kgil_domain *dom, struct kgil_waiter *w,
		       enum kgil_release_reason reason)
{
	if (!w)
		return;
	kgil_grant_waiter(dom, w);
	/*
	 * A yielding holder queues again at the tail and, as the tail, times
	 * its successor.  With spinning the timekeeper is the new head: wake
	 * it now, while its new holder runs, so that it is awake when due.
	 */
	if (reason != KGIL_REL_CHECK || dom->params.spin_ns)
		kgil_handoff_kick_timekeeper(dom);
}

/* When the holder has had the contended lock for a switch interval. */
static u64 fifo_due(struct kgil_domain *dom)
{
	struct kgil_waiter *head = kgil_first_waiter(dom);

	if (!dom->holder || !head)
		return KGIL_HANDOFF_NEVER;
	return max(dom->grant_ns, head->start_ns) +
	       dom->params.switch_interval_ns;
}

static ktime_t fifo_wait_deadline(struct kgil_domain *dom,
				  struct kgil_waiter *w, ktime_t now)
{
	return kgil_handoff_deadline(dom, w, fifo_due(dom));
}

static void fifo_on_wait_timeout(struct kgil_domain *dom,
				 struct kgil_waiter *w)
{
	kgil_handoff_timeout(dom, w, fifo_due(dom));
}

static void fifo_on_release(struct kgil_domain *dom, struct kgil_thread *t,
			    enum kgil_release_reason reason)
{
	kgil_handoff_pass(dom, kgil_first_waiter(dom), reason);
}

const struct kgil_policy_ops kgil_policy_fifo = {
	.id = KGIL_POLICY_FIFO,
	.name = "fifo",
	.may_take = kgil_handoff_may_take,
	.wait_deadline = fifo_wait_deadline,
	.on_wait_timeout = fifo_on_wait_timeout,
	.on_wait_abort = kgil_handoff_abort,
	.on_release = fifo_on_release,
	.check = kgil_handoff_check,
	.may_spin = kgil_handoff_may_spin,
};
