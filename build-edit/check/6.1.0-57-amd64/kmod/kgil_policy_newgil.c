// SPDX-License-Identifier: GPL-2.0
/*
 * newgil: the CPython 3.2+ GIL (Python/ceval_gil.c, take_gil/drop_gil).
 *
 * A waiter sleeps for at most switch_interval (5 ms by default), noting
 * the switch number first.  If it times out while the lock is still held
 * and the switch number has not moved (nobody else got the lock in the
 * meantime), it sets the drop request, then waits another interval.  The
 * holder's userspace sees the request at its next tick (a load from the
 * shared page) and calls CHECK, which releases (signalling one waiter,
 * COND_SIGNAL) and, with KGIL_POLICY_FORCE_SWITCH, does not try to take
 * the lock back before another thread has taken it (FORCE_SWITCHING: the
 * core waits until last_holder is somebody else).  Whoever takes the lock
 * clears the request.  A CHECK without a pending request does nothing:
 * CPython only drops the GIL when gil_drop_request is set.
 *
 * As in drop_gil(), a release for I/O or an explicit release also waits
 * for the switch when a drop request is pending and forcing is on.
 */
#include "kgil_internal.h"

static ktime_t newgil_wait_deadline(struct kgil_domain *dom,
				    struct kgil_waiter *w, ktime_t now)
{
	w->ps.newgil.saved_switch = kgil_switch_number(dom);
	return ktime_add_ns(now, dom->params.switch_interval_ns);
}

static void newgil_on_wait_timeout(struct kgil_domain *dom,
				   struct kgil_waiter *w)
{
	if (dom->holder && kgil_switch_number(dom) == w->ps.newgil.saved_switch)
		kgil_request_drop(dom, w->t);
}

static enum kgil_check_action newgil_check(struct kgil_domain *dom,
					   struct kgil_thread *t)
{
	return kgil_drop_requested(dom) ? KGIL_CHECK_YIELD : KGIL_CHECK_KEEP;
}

static bool newgil_switch_wait(struct kgil_domain *dom, struct kgil_thread *t,
			       enum kgil_release_reason reason)
{
	if (!(dom->params.flags & KGIL_POLICY_FORCE_SWITCH) ||
	    !kgil_drop_requested(dom))
		return false;
	/* RESET_GIL_DROP_REQUEST before COND_WAIT, as drop_gil() does. */
	kgil_clear_drop(dom);
	return true;
}

const struct kgil_policy_ops kgil_policy_newgil = {
	.id = KGIL_POLICY_NEWGIL,
	.name = "newgil",
	.wait_deadline = newgil_wait_deadline,
	.on_wait_timeout = newgil_on_wait_timeout,
	.check = newgil_check,
	.switch_wait = newgil_switch_wait,
};
