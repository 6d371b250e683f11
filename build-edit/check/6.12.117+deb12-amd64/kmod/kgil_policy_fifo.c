// SPDX-License-Identifier: GPL-2.0
/*
 * fifo: strict handoff to the longest waiter (kgil_handoff.c).
 *
 * No waiter starves, since each one only moves forward in the queue.
 * The switch interval still bounds a CPU-bound holder: once the lock has
 * been contended for switch_interval (since the holder got it or the
 * first waiter arrived, whichever is later), the handoff is due.
 */
#include "kgil_handoff.h"

static u64 fifo_handoff_due(struct kgil_domain *dom)
{
	struct kgil_waiter *head = kgil_first_waiter(dom);

	if (!dom->holder || !head)
		return KGIL_HANDOFF_NEVER;
	return max(dom->grant_ns, head->start_ns) +
	       dom->params.switch_interval_ns;
}

static void fifo_on_release(struct kgil_domain *dom, struct kgil_thread *t,
			    enum kgil_release_reason reason)
{
	kgil_handoff_pass(dom, reason);
}

const struct kgil_policy_ops kgil_policy_fifo = {
	.id = KGIL_POLICY_FIFO,
	.name = "fifo",
	.may_take = kgil_handoff_may_take,
	.wait_deadline = kgil_handoff_wait_deadline,
	.on_wait_timeout = kgil_handoff_wait_timeout,
	.on_wait_abort = kgil_handoff_wait_abort,
	.on_release = fifo_on_release,
	.check = kgil_handoff_check,
	.may_spin = kgil_handoff_may_spin,
	.handoff_due = fifo_handoff_due,
};
