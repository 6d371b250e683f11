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

#include <linux/types.h>
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
 *	asked to drop, in CLOCK_MONOTONIC ns (a past time: now).  The core
 *	bounds it by KGIL_BPF_MAX_INTERVALS switch intervals after
 *	max(grant, @head's arrival).  Default: one switch interval after
 *	that (fifo).
 * @on_release: @t has just released for @reason (enum
 *	kgil_release_reason).  Returns the position in the queue (0: the
 *	head) of the waiter the lock is handed to; past the end: the head,
 *	counted as a clamp.  Default: 0.
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
 * to, no tenure outlasts the bound while others wait, and a waiter that
 * leaves (signal, timeout, exit) is off the queue.
 *
 * Every program runs under dom->lock, a spinlock: sleepable programs are
 * refused.  The arguments are read-only, except each object's words for
 * the policy (ps.bpf.data); the kfuncs of kgil_bpf.c act on the domain.
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

/* The longest tenure a BPF policy can give while others wait. */
#define KGIL_BPF_MAX_INTERVALS	4

/*
 * kgil_bpf_init() registers the struct_ops type; if the kernel refuses
 * (no BTF for the module), the module works without BPF policies and
 * kgil_bpf_available() says so.
 */
#ifdef KGIL_HAVE_BPF_STRUCT_OPS
void kgil_bpf_init(void);
void kgil_bpf_exit(void);
bool kgil_bpf_available(void);
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
#endif

/* SET_POLICY_NAMED with KGIL_POLICY_BPF (p validated). */
int kgil_bpf_set_policy(struct kgil_domain *dom, const struct kgil_policy *p,
			const char *name);
/* BPF_POLICIES: copy at most *count names to names; *count: how many. */
int kgil_bpf_list(char __user *names, u32 *count);

#endif /* _KGIL_BPF_H */
