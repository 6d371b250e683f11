/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The handoff machinery of fifo (kgil_policy_fifo.c), which ioprio builds
 * on: a release hands the lock to the first waiter, a free lock goes to
 * the first waiter only, and one waiter times the holder (the
 * "timekeeper": the last in the queue, or the first when the domain
 * spins for handoffs).  All with dom->lock held.
 */
#ifndef _KGIL_POLICY_FIFO_H
#define _KGIL_POLICY_FIFO_H

#include "kgil_policy.h"

/* Nothing is due: no holder, or nobody waits. */
#define KGIL_HANDOFF_NEVER	U64_MAX

bool kgil_handoff_may_take(struct kgil_domain *dom, struct kgil_thread *t,
			   struct kgil_waiter *w);
enum kgil_check_action kgil_handoff_check(struct kgil_domain *dom,
					  struct kgil_thread *t);
/* The waiter that times the holder: the tail, the head with spinning. */
struct kgil_waiter *kgil_handoff_timekeeper(struct kgil_domain *dom);
/* Make the timekeeper ask for its deadline again. */
void kgil_handoff_kick_timekeeper(struct kgil_domain *dom);
void kgil_handoff_abort(struct kgil_domain *dom, struct kgil_waiter *w);
/*
 * The timekeeper's deadline when the holder must be asked to drop at
 * due_ns (CLOCK_MONOTONIC ns, or KGIL_HANDOFF_NEVER); KTIME_MAX for the
 * others, and once the request is up.
 */
ktime_t kgil_handoff_deadline(struct kgil_domain *dom, struct kgil_waiter *w,
			      u64 due_ns);
/* Raise the drop request on behalf of w if due_ns has passed. */
void kgil_handoff_timeout(struct kgil_domain *dom, struct kgil_waiter *w,
			  u64 due_ns);
/* w is next and the holder has been asked to drop: spin for it. */
bool kgil_handoff_may_spin(struct kgil_domain *dom, struct kgil_waiter *w);
/* Hand the free lock to w (if any) after a release for reason. */
void kgil_handoff_pass(struct kgil_domain *dom, struct kgil_waiter *w,
		       enum kgil_release_reason reason);

#endif /* _KGIL_POLICY_FIFO_H */
