/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF policies (kgil_bpf.c): a policy written as a BPF struct_ops map of
 * type kgil_bpf_policy, registered at run time and chosen by name with
 * KGIL_IOC_SET_POLICY_NAMED.  Where the kernel cannot register a
 * struct_ops type from a module (before 6.9), the feature is compiled
 * out: kgil_bpf_available() is false and every call says -EOPNOTSUPP.
 */
#ifndef _KGIL_BPF_H
#define _KGIL_BPF_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <uapi/linux/kgil.h>

#include "kgil_conftest.h"

struct kgil_domain;
struct kgil_thread;
struct kgil_waiter;

/**
 * struct kgil_bpf_policy - what a BPF program may decide for the lock
 * @init: the domain switched to this policy, or changed its parameters;
 *	the policy's words are zeroed.
 * @wait_class: @w is about to wait (@w->io: back from I/O).  Its class:
 *	0 queues it at the tail; a higher class queues it behind the
 *	waiters of its class or higher, ahead of the others, and makes the
 *	core ask @handoff_due at once (the holder is asked to drop if that
 *	is past).  Default: 0, fifo order.
 * @handoff_due: when @holder, holding while @head waits first, must be
 *	asked to drop, in CLOCK_MONOTONIC ns (a past time: now; once past
 *	in a tenure it stays past, whatever a later call answers).  The
 *	core bounds it by KGIL_MAX_TENURE_INTERVALS switch intervals after
 *	max(grant, the oldest waiter's arrival).  Default: one switch
 *	interval after that (fifo, where the head is the oldest).
 * @on_release: @t has just released for @reason (enum
 *	kgil_release_reason).  Returns the position in the queue (0: the
 *	head) of the waiter the lock is handed to; past the end: the head,
 *	counted as a clamp.  The oldest waiter goes first all the same
 *	once it has waited KGIL_MAX_WAIT_INTERVALS switch intervals
 *	(kgil_handoff_pass()).  Default: 0.
 * @on_grant: @t has just got the lock, from its waiter @w (NULL: it
 *	took the free lock without waiting).  Default: nothing.
 * @may_spin: @w, the head, is about to sleep: may it spin for the lock
 *	(for at most params.spin_ns)?  The core already lets it spin for a
 *	handoff that is due.  Default: no.
 * @name: the name SET_POLICY_NAMED selects it by, unique among the
 *	registered BPF policies.
 *
 * The rest of a handoff policy is the core's (kgil_handoff.c): a free
 * lock goes to the head only, a release hands it to the waiter
 * @on_release chose, CHECK yields when the drop request is up, one
 * waiter times the holder.  So whatever the programs answer, one thread
 * holds the lock at a time, every release wakes the thread it is handed
 * to, no tenure outlasts the bound while others wait, no waiter waits
 * past KGIL_MAX_WAIT_INTERVALS + KGIL_MAX_TENURE_INTERVALS switch
 * intervals (kgil_policy.h), and a waiter that leaves
 * (signal, timeout, exit) is off the queue.
 *
 * Every program runs under dom->lock, a spinlock, so what a program may
 * do is bounded at load time and at run time (docs/bpf.md, "Bounds"):
 *  - sleepable programs, bpf_loop() and the other helpers that loop over
 *    a callback, open-coded iterators (bpf_for, bpf_repeat), may_goto
 *    and global functions (verified once, whatever calls them) are
 *    refused: what is left is straight code and loops the verifier
 *    unrolls, at most its million instructions, and kgil_bpf_waiter_tid()
 *    walks at most bpf_waiter_steps queue entries a call;
 *  - the arguments are read-only, except each object's words for the
 *    policy (ps.bpf.data), and only through the hook's own arguments
 *    (trusted, and checked for NULL where they may be): a pointer the
 *    program walked to (dom->holder) may be NULL or stale;
 *  - every call is timed: a policy whose calls overrun kgil.bpf_budget_ns
 *    KGIL_BPF_OVERRUNS times in KGIL_BPF_WINDOW calls in a domain is
 *    ejected (kgil_bpf_overrun());
 *  - it is registered only through a link (SEC(".struct_ops.link")),
 *    so that it goes when its last link does.
 * The kfuncs of kgil_bpf.c act on the domain.
 */
struct kgil_bpf_policy {
	void (*init)(struct kgil_domain *dom);
	u32 (*wait_class)(struct kgil_domain *dom, struct kgil_waiter *w);
	u64 (*handoff_due)(struct kgil_domain *dom, struct kgil_thread *holder,
			   struct kgil_waiter *head);
	u32 (*on_release)(struct kgil_domain *dom, struct kgil_thread *t,
			  u32 reason);
	void (*on_grant)(struct kgil_domain *dom, struct kgil_thread *t,
			 struct kgil_waiter *w);
	bool (*may_spin)(struct kgil_domain *dom, struct kgil_waiter *w);
	char name[KGIL_POLICY_NAME_LEN];
};

/*
 * A registered BPF policy: what dom->bpf points at.  References: the
 * registry's (from kgil_bpf_reg() to kgil_bpf_unreg()), each domain
 * whose dom->bpf it is, a pending ejection, and a SET_POLICY_NAMED in
 * progress.  The last put frees it, in any context.  ops, the struct_ops
 * map's kdata, is valid while the entry is registered; no domain points
 * at the entry after kgil_bpf_unreg(), so a domain may use ops.
 */
struct kgil_bpf_entry {
	struct kref ref;
	/*
	 * Domains whose dom->bpf it is (changed under their dom->lock), and
	 * SET_POLICY_NAMEDs between their check that it is not gone and
	 * their switch.  An unregistration that finds none, after marking it
	 * gone, need not visit any domain (kgil_domains_leave_bpf()).
	 */
	atomic_t users;
	/* kgil_bpf_registry or kgil_bpf_ejected, under kgil_bpf_mutex */
	struct list_head node;
	struct kgil_bpf_policy *ops;
	char name[KGIL_POLICY_NAME_LEN];	/* constant */
	/*
	 * No domain may pick it any more: set under kgil_bpf_mutex, read
	 * under a dom->lock (kgil_bpf_set_policy()).  EJECTING: a domain
	 * saw it overrun its budget (atomic context, any domain).
	 */
	unsigned long flags;
	struct work_struct eject_work;
};

#define KGIL_BPF_GONE		0
#define KGIL_BPF_EJECTING	1

/* Ejected after KGIL_BPF_OVERRUNS overruns in its last KGIL_BPF_WINDOW calls. */
#define KGIL_BPF_WINDOW		64
#define KGIL_BPF_OVERRUNS	8

/* Module parameters bpf_budget_ns, bpf_waiter_steps (kgil_main.c). */
extern unsigned int kgil_bpf_budget_ns;
extern unsigned int kgil_bpf_waiter_steps;

/*
 * kgil_bpf_init() registers the struct_ops type; if the kernel refuses
 * (no BTF for the module), the module works without BPF policies and
 * kgil_bpf_available() says so.
 */
#ifdef KGIL_HAVE_BPF_STRUCT_OPS
void kgil_bpf_init(void);
void kgil_bpf_exit(void);
bool kgil_bpf_available(void);
void kgil_bpf_entry_put(struct kgil_bpf_entry *e);
/* The kfuncs a policy's programs may call (kgil_bpf.c, docs/bpf.md). */
void kgil_bpf_request_drop(struct kgil_domain *dom);
void kgil_bpf_kick_spinner(struct kgil_domain *dom);
u32 kgil_bpf_waiter_tid(struct kgil_domain *dom, u32 pos);
#else
static inline void kgil_bpf_init(void)
{
}
static inline void kgil_bpf_exit(void)
{
}
static inline bool kgil_bpf_available(void)
{
	return false;
}

static inline void kgil_bpf_entry_put(struct kgil_bpf_entry *e)
{
}
#endif

/* SET_POLICY_NAMED with KGIL_POLICY_BPF (p validated). */
int kgil_bpf_set_policy(struct kgil_domain *dom, const struct kgil_policy *p,
			const char *name);
/* BPF_POLICIES: copy at most *count names to names; *count: how many. */
int kgil_bpf_list(char __user *names, u32 *count);

#endif /* _KGIL_BPF_H */
