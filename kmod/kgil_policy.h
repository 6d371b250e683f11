/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy interface: what a scheduling policy decides, the state it
 * keeps, and the core helpers it decides with.
 *
 * The core (kgil_lock.c) owns the mechanism: the holder, the waiter list,
 * sleeping and waking, accounting and tracepoints.  A policy only answers
 * the questions of struct kgil_policy_ops.  Only the core asks them,
 * through the kgil_policy_*() calls at the end of this header, which
 * apply each hook's default.
 *
 * Adding a policy: one file kgil_policy_NAME.c defining a struct
 * kgil_policy_ops (and, if it keeps state, a member of the unions
 * below), one line in kgil_policy.c, one in Kbuild.  A policy that hands
 * the lock over instead of letting waiters race builds on
 * kgil_handoff.h, as fifo and ioprio do.
 */
#ifndef _KGIL_POLICY_H
#define _KGIL_POLICY_H

#include <linux/ktime.h>
#include <linux/types.h>
#include <uapi/linux/kgil.h>

struct kgil_domain;
struct kgil_thread;
struct kgil_waiter;

/* ---- the policies' state -------------------------------------------- */

/*
 * Each policy keeps its state in its own member of these unions, in the
 * domain, the attached thread and the waiter.  SET_POLICY zeroes all of
 * it (under dom->lock, before activate()), so a policy never sees
 * another's leftovers and starts from zero whenever it is (re)activated.
 * Protected by dom->lock, as the structs that hold them.
 */

/* newgil: the switch number when the waiter went to sleep. */
struct kgil_newgil_wait {
	u64 saved_switch;
};

/* ioprio: the priority budget and when it was last refilled. */
struct kgil_ioprio_domain {
	s64 budget;
	u64 refilled;
};

/* ioprio: how the holder got the lock, and its judgement. */
#define KGIL_IOPRIO_HOLD_IO	BIT(0)	/* after an I/O return */
#define KGIL_IOPRIO_HOLD_PRIO	BIT(1)	/* ... as a priority waiter */
#define KGIL_IOPRIO_DEMOTED	BIT(2)	/* no priority for its I/O returns */

struct kgil_ioprio_thread {
	u32 flags;			/* KGIL_IOPRIO_* */
	u64 run_delay_at_grant;		/* sched_info.run_delay at the grant */
};

/* ioprio: the waiter's class. */
struct kgil_ioprio_wait {
	bool prio;
};

/*
 * bpf (kgil_bpf.c): words a BPF policy's programs keep as they like.
 * They are the only memory of the lock that the verifier lets a
 * program write (kgil_bpf_struct_access()); everything else it reads.
 */
#define KGIL_BPF_DATA_WORDS	4

struct kgil_bpf_domain {
	u64 data[KGIL_BPF_DATA_WORDS];
};

struct kgil_bpf_thread {
	u64 data[KGIL_BPF_DATA_WORDS];
};

/* class: written by the core, the program's wait_class answer. */
struct kgil_bpf_wait {
	u32 class;
	u32 pad;
	u64 data[2];
};

union kgil_policy_domain_state {
	struct kgil_ioprio_domain ioprio;
	struct kgil_bpf_domain bpf;
};

union kgil_policy_thread_state {
	struct kgil_ioprio_thread ioprio;
	struct kgil_bpf_thread bpf;
};

union kgil_policy_wait_state {
	struct kgil_newgil_wait newgil;
	struct kgil_ioprio_wait ioprio;
	struct kgil_bpf_wait bpf;
};

/* ---- the questions -------------------------------------------------- */

/**
 * enum kgil_check_action - what a CHECK by the holder does
 * @KGIL_CHECK_KEEP: nothing; the CHECK system call returns at once
 * @KGIL_CHECK_YIELD: release with reason check, then take the lock again
 *	as ACQUIRE would, in the same call
 */
enum kgil_check_action {
	KGIL_CHECK_KEEP,
	KGIL_CHECK_YIELD,
};

/**
 * struct kgil_policy_ops - a scheduling policy of the lock
 * @id: its enum kgil_policy_id
 * @name: as in the tools and docs
 * @validate: extra checks of a SET_POLICY argument, after the common
 *	ones (id, flags, bounds, reserved fields).  Returns 0 or -EINVAL.
 *	Default: accept.
 * @activate: the domain switched to this policy, or changed its
 *	parameters; dom->params are the new ones and the policy state is
 *	zeroed.  Waiters are kicked right after, so they re-evaluate.
 *	Default: nothing.
 * @may_take: the lock is free: may @t take it now?  @w is @t's waiter
 *	if it is queued, NULL on its first try (so that a handoff policy
 *	refuses newcomers while others queue).  Default: yes (barging, as
 *	in CPython).
 * @on_wait_start: @w was queued at the tail (a resumed wait: at its
 *	arrival place, kgil_lock.c "Resuming") and is about to wait for
 *	the first time; @w->io says it is back from I/O (IO_END), where an
 *	I/O-aware policy raises its priority (it may move @w in the
 *	queue) or a drop request.  A policy that moves @w ahead of waiters
 *	that came before it sets @w->placed, so that a resumed waiter
 *	going back to its arrival place does not pass it.  Default:
 *	nothing.
 * @wait_deadline: the absolute time at which @w must be woken even if
 *	nobody signals it (newgil: @now plus the switch interval), or
 *	KTIME_MAX.  Asked every time @w goes back to waiting; waits use
 *	hrtimers, so microsecond deadlines are honoured.  Default:
 *	KTIME_MAX.
 * @on_wait_timeout: that deadline passed and @w still has no lock
 *	(newgil raises the drop request here).  Not called if the domain
 *	changed policy since the deadline was asked.  Default: nothing.
 * @on_wait_abort: @w left the queue without the lock (timeout, signal,
 *	detach, a cancelled io_uring acquire), or is the re-acquire of a
 *	CHECK that gave the lock away and did not queue at all (TRY); a
 *	policy that lets only some waiters time the holder hands that
 *	duty on here.  Default: nothing.
 * @on_release: @t has just released (the lock is free): pass it on,
 *	either by signalling a waiter, which then competes for the free
 *	lock (kgil_wake_waiter(), kgil_wake_one()), or by handing it over
 *	with kgil_grant_waiter(), after which nobody can barge in.
 *	Default: kgil_wake_one().
 * @on_grant: @t has just been granted the lock; @w is its waiter while
 *	still queued, NULL if it did not wait.  Default: nothing.
 * @check: @t, the holder, called CHECK.  Required.
 * @may_spin: @w, about to sleep, will be handed the lock soon by a
 *	running holder: may it spin for it instead, for at most
 *	params.spin_ns?  Asked only when spin_ns is set, @w has a task and
 *	has not spun in this tenure yet.  Default: no.
 * @switch_wait: @t is about to release for @reason: must it wait, once
 *	released, until another thread has taken the lock (CPython's
 *	FORCE_SWITCHING)?  Default: no.
 * @handoff_due: handoff policies (kgil_handoff.h): when the holder must
 *	be asked to drop, as CLOCK_MONOTONIC ns, or KGIL_HANDOFF_NEVER.
 *	Default: never.
 *
 * Every hook is called with dom->lock held, must not sleep and may be
 * NULL (the default applies).
 */
struct kgil_policy_ops {
	u32 id;
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
	u64 (*handoff_due)(struct kgil_domain *dom);
};

/* Nothing is due: no holder, or nobody waits (@handoff_due). */
#define KGIL_HANDOFF_NEVER	U64_MAX

/*
 * The handoff layer's bounds, whatever a policy answers (kgil_handoff.c),
 * in switch intervals: while others wait, no tenure lasts more than
 * KGIL_MAX_TENURE_INTERVALS after max(grant, the oldest waiter's
 * arrival), and a waiter that has waited KGIL_MAX_WAIT_INTERVALS gets the
 * lock at the next release.  So nobody waits more than their sum, plus
 * the holder's way to its next check.  The second is loose on purpose: a
 * policy's order (a lottery's long odds, ioprio's I/O returns first)
 * stands unless it becomes starvation.
 */
#define KGIL_MAX_TENURE_INTERVALS	4
#define KGIL_MAX_WAIT_INTERVALS		16

/* The policies (one file each). */
extern const struct kgil_policy_ops kgil_policy_legacy;
extern const struct kgil_policy_ops kgil_policy_newgil;
extern const struct kgil_policy_ops kgil_policy_fifo;
extern const struct kgil_policy_ops kgil_policy_ioprio;
/* A BPF policy's hooks, in the domain's dom->bpf (kgil_bpf.c). */
extern const struct kgil_policy_ops kgil_policy_bpf;

/* ---- the registry (kgil_policy.c) ----------------------------------- */

const struct kgil_policy_ops *kgil_policy_find(u32 id);
u64 kgil_policy_features(void);
int kgil_policy_validate(const struct kgil_policy *p);
void kgil_policy_defaults(struct kgil_policy *p);

/* ---- helpers for policies (kgil_lock.c); dom->lock held ------------- */

/**
 * kgil_first_waiter() - the waiter at the head of the queue
 * @dom: the domain
 *
 * Return: the longest-waiting waiter (or the one a policy moved to the
 * head), or NULL if nobody waits.
 */
struct kgil_waiter *kgil_first_waiter(struct kgil_domain *dom);

/**
 * kgil_oldest_waiter() - the waiter that has waited longest
 * @dom: the domain
 *
 * Return: the first of the waiters in arrival order, wherever a policy
 * placed it in the queue, or NULL if nobody waits.
 */
struct kgil_waiter *kgil_oldest_waiter(struct kgil_domain *dom);

/**
 * kgil_wake_waiter() - signal a waiter: it wakes and competes for the lock
 * @dom: the domain
 * @w: the waiter; nothing happens if it was signalled already
 */
void kgil_wake_waiter(struct kgil_domain *dom, struct kgil_waiter *w);

/**
 * kgil_wake_one() - signal the first waiter not yet signalled, if any
 * @dom: the domain
 *
 * cond_signal semantics: the default of &kgil_policy_ops.on_release.
 */
void kgil_wake_one(struct kgil_domain *dom);

/**
 * kgil_grant_waiter() - hand the free lock to a waiter and wake it
 * @dom: the domain
 * @w: the waiter, which leaves the queue holding the lock
 */
void kgil_grant_waiter(struct kgil_domain *dom, struct kgil_waiter *w);

/**
 * kgil_kick_waiter() - wake a waiter to re-evaluate
 * @dom: the domain
 * @w: the waiter; it asks &kgil_policy_ops.wait_deadline again and does
 *	not count a failed attempt
 */
void kgil_kick_waiter(struct kgil_domain *dom, struct kgil_waiter *w);

/**
 * kgil_request_drop() - ask the holder to drop the lock at its next check
 * @dom: the domain
 * @requester: the thread on whose behalf; counted and traced only when
 *	the request was not up already
 */
void kgil_request_drop(struct kgil_domain *dom, struct kgil_thread *requester);

/**
 * kgil_clear_drop() - take a pending drop request down
 * @dom: the domain
 */
void kgil_clear_drop(struct kgil_domain *dom);

/**
 * kgil_drop_requested() - is the drop request up?
 * @dom: the domain
 */
bool kgil_drop_requested(const struct kgil_domain *dom);

/**
 * kgil_switch_number() - how many times the lock changed holder
 * @dom: the domain
 */
u64 kgil_switch_number(const struct kgil_domain *dom);

/* ---- the core's calls into the policy (kgil_policy.c) --------------- */

void kgil_policy_activate(struct kgil_domain *dom);
bool kgil_policy_may_take(struct kgil_domain *dom, struct kgil_thread *t,
			  struct kgil_waiter *w);
void kgil_policy_wait_start(struct kgil_domain *dom, struct kgil_waiter *w);
ktime_t kgil_policy_wait_deadline(struct kgil_domain *dom,
				  struct kgil_waiter *w, ktime_t now);
void kgil_policy_wait_timeout(struct kgil_domain *dom, struct kgil_waiter *w);
void kgil_policy_wait_abort(struct kgil_domain *dom, struct kgil_waiter *w);
void kgil_policy_release(struct kgil_domain *dom, struct kgil_thread *t,
			 enum kgil_release_reason reason);
void kgil_policy_grant(struct kgil_domain *dom, struct kgil_thread *t,
		       struct kgil_waiter *w);
enum kgil_check_action kgil_policy_check(struct kgil_domain *dom,
					 struct kgil_thread *t);
bool kgil_policy_may_spin(struct kgil_domain *dom, struct kgil_waiter *w);
bool kgil_policy_switch_wait(struct kgil_domain *dom, struct kgil_thread *t,
			     enum kgil_release_reason reason);
u64 kgil_policy_handoff_due(struct kgil_domain *dom);

#endif /* _KGIL_POLICY_H */
