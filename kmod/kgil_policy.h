/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy interface: what a scheduling policy decides, and the core
 * helpers it decides with.
 *
 * The core (kgil_lock.c) owns the mechanism: the holder, the waiter list,
 * sleeping and waking, accounting and tracepoints.  A policy only answers
 * the questions below.  Every hook is called with dom->lock held, must not
 * sleep, and may be NULL, in which case the core default (in brackets)
 * applies.  Adding a policy: one file kgil_policy_NAME.c defining a
 * struct kgil_policy_ops, one line in kgil_policy.c, one in Kbuild.
 *
 *   validate(p)            extra parameter checks after the common ones
 *                          (policy id, flags, intervals, reserved fields).
 *                          [accept]
 *   activate(dom)          the domain switched to this policy (or changed
 *                          its parameters); dom->params are the new ones.
 *                          Reset policy state here.  Waiters are kicked
 *                          right after, so they re-evaluate.  [nothing]
 *   may_take(dom, t, w)    the lock is free: may t take it now?  w is t's
 *                          waiter if t is queued, NULL on first try (so
 *                          a handoff policy refuses newcomers while others
 *                          queue).  [yes: barging, as in CPython]
 *   on_wait_start(dom, w)  w was queued and is about to sleep for the
 *                          first time; w->io says it is back from I/O
 *                          (IO_END), which is where an I/O-aware policy
 *                          raises its priority or a drop request.
 *                          [nothing]
 *   wait_deadline(dom, w, now)
 *                          absolute time at which w must wake up on its
 *                          own even if nobody signals it (newgil: now +
 *                          switch interval), or KTIME_MAX.  Asked before
 *                          every sleep.  Sleeps use hrtimers, so
 *                          microsecond deadlines are honoured.  [KTIME_MAX]
 *   on_wait_timeout(dom, w)
 *                          that deadline passed and w still has no lock
 *                          (newgil sets the drop request here with
 *                          kgil_request_drop()).  [nothing]
 *   on_wait_abort(dom, w)  w left the queue without the lock (timeout,
 *                          signal, detach, a cancelled io_uring acquire);
 *                          a policy that lets only some waiters time the
 *                          holder hands that duty on here.  [nothing]
 *   on_release(dom, t, reason)
 *                          t has just released (holder is NULL): pass the
 *                          lock on.  Either signal a waiter, which then
 *                          competes for the free lock (kgil_wake_waiter(),
 *                          or kgil_wake_one() for the first unsignalled
 *                          one: cond_signal semantics), or hand it over
 *                          directly with kgil_grant_waiter(), after which
 *                          nobody can barge in.  [kgil_wake_one()]
 *   on_grant(dom, t, w)    t has just been granted the lock (w is its
 *                          waiter, NULL if it did not wait).  [nothing]
 *   check(dom, t)          t, the holder, called CHECK: KGIL_CHECK_KEEP
 *                          (nothing to do, a no-op syscall) or
 *                          KGIL_CHECK_YIELD (release with reason check,
 *                          then take it again like ACQUIRE).  Required.
 *   may_spin(dom, w)       w, about to sleep, will be handed the lock
 *                          soon by a holder that is running (a handoff is
 *                          due): may it spin for it instead of sleeping,
 *                          for at most params.spin_ns?  Asked only when
 *                          spin_ns is set, w has a task and has not spun
 *                          on this tenure yet.  [no]
 *   switch_wait(dom, t, reason)
 *                          t is about to release for reason (check, io,
 *                          explicit): must it, once released, wait until
 *                          another thread has taken the lock before it
 *                          returns (CPython's FORCE_SWITCHING)?  [no]
 *
 * Future users of this interface: a FIFO policy hands over in on_release
 * with kgil_grant_waiter(kgil_first_waiter()) and refuses barging in
 * may_take; an I/O-aware policy looks at w->io in on_wait_start (drop
 * request at once), prefers I/O waiters in on_release, and times the I/O
 * boost in on_grant/check with t->policy_data; an io_uring acquire is a
 * waiter without a sleeping task that the core completes when granted.
 */
#ifndef _KGIL_POLICY_H
#define _KGIL_POLICY_H

#include <linux/compiler.h>
#include <linux/ktime.h>

#include "kgil_internal.h"

enum kgil_check_action {
	KGIL_CHECK_KEEP,
	KGIL_CHECK_YIELD,
};

struct kgil_policy_ops {
	u32 id;			/* enum kgil_policy_id */
	const char *name;
	int (*validate)(const struct kgil_policy *p);
	void (*activate)(struct kgil_domain *dom);
	bool (*may_take)(struct kgil_domain *dom, struct kgil_thread *t,
			 struct kgil_waiter *w);
	void (*on_wait_start)(struct kgil_domain *dom, struct kgil_waiter *w);
	ktime_t (*wait_deadline)(struct kgil_domain *dom,
				 struct kgil_waiter *w, ktime_t now);
	void (*on_wait_timeout)(struct kgil_domain *dom, struct kgil_waiter *w);
	void (*on_wait_abort)(struct kgil_domain *dom, struct kgil_waiter *w);
	void (*on_release)(struct kgil_domain *dom, struct kgil_thread *t,
			   enum kgil_release_reason reason);
	void (*on_grant)(struct kgil_domain *dom, struct kgil_thread *t,
			 struct kgil_waiter *w);
	enum kgil_check_action (*check)(struct kgil_domain *dom,
					struct kgil_thread *t);
	bool (*may_spin)(struct kgil_domain *dom, struct kgil_waiter *w);
	bool (*switch_wait)(struct kgil_domain *dom, struct kgil_thread *t,
			    enum kgil_release_reason reason);
};

/* The policies (one file each) and the registry (kgil_policy.c). */
extern const struct kgil_policy_ops kgil_policy_legacy;
extern const struct kgil_policy_ops kgil_policy_newgil;
extern const struct kgil_policy_ops kgil_policy_fifo;
extern const struct kgil_policy_ops kgil_policy_ioprio;

const struct kgil_policy_ops *kgil_policy_find(u32 id);
u64 kgil_policy_features(void);
int kgil_policy_validate(const struct kgil_policy *p);
void kgil_policy_defaults(struct kgil_policy *p);

/* ---- helpers for policies (kgil_lock.c); call with dom->lock held ---- */

/* The longest-waiting waiter, or NULL. */
struct kgil_waiter *kgil_first_waiter(struct kgil_domain *dom);
/* Signal w: it wakes and competes for the lock (no-op if signalled). */
void kgil_wake_waiter(struct kgil_domain *dom, struct kgil_waiter *w);
/* Signal the longest-waiting waiter not yet signalled, if any. */
void kgil_wake_one(struct kgil_domain *dom);
/* Hand the free lock to w directly and wake it. */
void kgil_grant_waiter(struct kgil_domain *dom, struct kgil_waiter *w);
/*
 * A handoff to the first waiter (skip excepted) is due: wake it to spin
 * if it sleeps and spin_ns allows (kgil_lock.c).
 */
void kgil_kick_spinner(struct kgil_domain *dom, struct kgil_waiter *skip);
/* Wake w to re-evaluate (ask wait_deadline again): not a failed attempt. */
void kgil_kick_waiter(struct kgil_domain *dom, struct kgil_waiter *w);
/*
 * Ask the holder to drop the lock at its next check, on behalf of
 * requester (counted and traced only when the request was not already up).
 */
void kgil_request_drop(struct kgil_domain *dom, struct kgil_thread *requester);
void kgil_clear_drop(struct kgil_domain *dom);

static inline bool kgil_drop_requested(const struct kgil_domain *dom)
{
	return READ_ONCE(dom->shared->drop_request) != 0;
}

static inline u64 kgil_switch_number(const struct kgil_domain *dom)
{
	return READ_ONCE(dom->shared->switch_number);
}

#endif /* _KGIL_POLICY_H */
