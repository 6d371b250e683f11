/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The handoff layer (kgil_handoff.c): what fifo and ioprio share.  A
 * release hands the lock to the first waiter, a free lock goes to the
 * first waiter only, and one waiter times the holder (the timekeeper)
 * against the policy's &kgil_policy_ops.handoff_due.  All with dom->lock
 * held.
 */
#ifndef _KGIL_HANDOFF_H
#define _KGIL_HANDOFF_H

#include "kgil_internal.h"

/*
 * Hooks a handoff policy uses as they are (kgil_policy_fifo.c lists
 * them all): the free lock only to the head, CHECK yields on a drop
 * request, the timekeeper's deadline and timeout against handoff_due, a
 * waiter that leaves makes the timekeeper look again.
 */
bool kgil_handoff_may_take(struct kgil_domain *dom, struct kgil_thread *t,
			   struct kgil_waiter *w);
enum kgil_check_action kgil_handoff_check(struct kgil_domain *dom,
					  struct kgil_thread *t);
ktime_t kgil_handoff_wait_deadline(struct kgil_domain *dom,
				   struct kgil_waiter *w, ktime_t now);
void kgil_handoff_wait_timeout(struct kgil_domain *dom, struct kgil_waiter *w);
void kgil_handoff_wait_abort(struct kgil_domain *dom, struct kgil_waiter *w);
/* w is next and the holder has been asked to drop: spin for it. */
bool kgil_handoff_may_spin(struct kgil_domain *dom, struct kgil_waiter *w);

/* The waiter that times the holder: the tail, the head with spinning. */
struct kgil_waiter *kgil_handoff_timekeeper(struct kgil_domain *dom);
/* Make the timekeeper ask for its deadline again. */
void kgil_handoff_kick_timekeeper(struct kgil_domain *dom);
/*
 * A handoff to the first waiter (other than skip) has become due: wake
 * it to spin, if it sleeps and spin_ns allows.
 */
void kgil_handoff_kick_spinner(struct kgil_domain *dom,
			       struct kgil_waiter *skip);
/* Hand the free lock to the head (if any) after a release for reason. */
void kgil_handoff_pass(struct kgil_domain *dom,
		       enum kgil_release_reason reason);

#endif /* _KGIL_HANDOFF_H */
