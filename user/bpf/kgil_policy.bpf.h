/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing a kgil policy in BPF: the types and kfuncs a program of the
 * struct_ops type kgil_bpf_policy sees (docs/bpf.md).
 *
 * The structs below are views, not copies: each names only the fields a
 * policy reads, marked preserve_access_index, so libbpf relocates every
 * access against the kgil module's own BTF when the object is loaded
 * (CO-RE).  A field added to or moved in the module costs no rebuild;
 * a field renamed or removed fails the load with a clear error.
 *
 * Everything is read-only except the words each object keeps for the
 * policy, ps.bpf.data[] of the domain, the thread and the waiter: the
 * verifier refuses a program that writes anything else.  Every hook runs
 * under the domain's spinlock: no sleeping, bounded loops only.
 */
#ifndef KGIL_POLICY_BPF_H
#define KGIL_POLICY_BPF_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <linux/types.h>
#include <linux/kgil.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif

#define KGIL_CORE __attribute__((preserve_access_index))

struct sched_info {
	unsigned long long run_delay;	/* ns runnable but not running */
} KGIL_CORE;

struct task_struct {
	int pid;
	struct sched_info sched_info;
} KGIL_CORE;

struct kgil_bpf_domain { __u64 data[4]; } KGIL_CORE;
struct kgil_bpf_thread { __u64 data[4]; } KGIL_CORE;
struct kgil_bpf_wait { __u32 class; __u64 data[2]; } KGIL_CORE;

union kgil_policy_domain_state { struct kgil_bpf_domain bpf; } KGIL_CORE;
union kgil_policy_thread_state { struct kgil_bpf_thread bpf; } KGIL_CORE;
union kgil_policy_wait_state { struct kgil_bpf_wait bpf; } KGIL_CORE;

struct kgil_thread;

/* One lock domain (one open /dev/kgil). */
struct kgil_domain {
	__u64 id;			/* as in the tracepoints */
	struct kgil_policy params;	/* SET_POLICY's parameters */
	struct kgil_thread *holder;	/* NULL when free */
	__u64 grant_ns;			/* when the holder got it */
	__u64 tenure;			/* grants so far */
	__u64 release_ns;		/* when it was last released */
	__u32 nr_threads;
	__u32 nr_waiting;
	union kgil_policy_domain_state ps;
} KGIL_CORE;

/* A thread attached to a domain. */
struct kgil_thread {
	struct task_struct *task;
	int tid;
	__u32 id;			/* ATTACH's id, >= 1 */
	bool in_io;			/* between IO_BEGIN and IO_END */
	union kgil_policy_thread_state ps;
} KGIL_CORE;

/* One thread's wait for the lock. */
struct kgil_waiter {
	struct kgil_thread *t;
	__u64 start_ns;			/* when it started waiting */
	bool io;			/* back from I/O (IO_END, io_uring) */
	union kgil_policy_wait_state ps; /* ps.bpf.class: wait_class's answer */
} KGIL_CORE;

/* The struct_ops type: set the hooks you implement, and a name. */
struct kgil_bpf_policy {
	void (*init)(struct kgil_domain *dom);
	__u32 (*wait_class)(struct kgil_domain *dom, struct kgil_waiter *w);
	__u64 (*handoff_due)(struct kgil_domain *dom, struct kgil_thread *holder,
			     struct kgil_waiter *head);
	__u32 (*on_release)(struct kgil_domain *dom, struct kgil_thread *t,
			    __u32 reason);
	void (*on_grant)(struct kgil_domain *dom, struct kgil_thread *t,
			 struct kgil_waiter *w);
	bool (*may_spin)(struct kgil_domain *dom, struct kgil_waiter *w);
	char name[KGIL_POLICY_NAME_LEN];
};

/* Ask the holder to drop at its next check (and wake the next to spin). */
extern void kgil_bpf_request_drop(struct kgil_domain *dom) __ksym;
/* From on_grant: wake the waiter after the granted one to spin. */
extern void kgil_bpf_kick_spinner(struct kgil_domain *dom) __ksym;
/* The Linux tid of the waiter at a queue position (0: head), 0 past it. */
extern __u32 kgil_bpf_waiter_tid(struct kgil_domain *dom, __u32 pos) __ksym;

#define KGIL_HANDOFF_NEVER	(~0ULL)

static __always_inline __u64 kgil_max(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

#endif /* KGIL_POLICY_BPF_H */
