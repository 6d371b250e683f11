/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kgil internals: the lock domain, the attached thread and the waiter,
 * shared by the core (kgil_lock.c), the thread registry (kgil_thread.c),
 * the domain code (kgil_domain.c), the device (kgil_main.c, kgil_ioctl.c),
 * the io_uring acquire (kgil_uring.c) and the policies (kgil_policy_*.c,
 * kgil_handoff.c).  The locking rules and a waiter's life are told at
 * the top of kgil_lock.c; each field says which lock protects it.
 */
#ifndef _KGIL_INTERNAL_H
#define _KGIL_INTERNAL_H

#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <uapi/linux/kgil.h>

#include "kgil_policy.h"

struct file;
struct io_uring_cmd;
struct kgil_bpf_entry;

/*
 * One lock domain: one open file description of /dev/kgil.
 *
 * References: the file holds one (dropped in ->release), every struct
 * kgil_thread holds one for its whole life.  The last put frees the domain
 * and its shared page; it may run in atomic context (the exit probe), so
 * freeing never sleeps.
 */
struct kgil_domain {
	struct kref ref;
	struct list_head node;		/* kgil_domains, kgil_domains_lock */
	u64 id;				/* constant */
	kuid_t uid;			/* constant: the opener, for the limit */
	/* constant pointer; its fields are written under lock, WRITE_ONCE */
	struct kgil_shared *shared;
	wait_queue_head_t switch_wq;	/* holders waiting for a forced switch */
	/*
	 * The ids of attached threads (-> the thread), under its own lock:
	 * allocated cyclically from next_id (also under it) up to
	 * max_thread_id, skipping ids in use, so that an id names one
	 * attached thread even after the count wraps.  Freed at detach.
	 */
	struct xarray ids;
	u32 next_id;

	spinlock_t lock;		/* protects everything below */
	const struct kgil_policy_ops *ops;
	/*
	 * ops is kgil_policy_bpf: the BPF policy (kgil_bpf.c, a counted
	 * reference), else NULL.  bpf_window: one bit per call of its
	 * programs, the last KGIL_BPF_WINDOW, set for a call over the
	 * budget; bpf_ejected: too many were, the hooks answer fifo's
	 * defaults until the ejection (a work item) switches the domain.
	 */
	struct kgil_bpf_entry *bpf;
	u64 bpf_window;
	bool bpf_ejected;
	/* in the hook's call being run: queue steps walked, time credited */
	u64 bpf_steps;
	u64 bpf_credit_ns;
	struct kgil_policy params;
	u64 policy_gen;			/* bumped at every SET_POLICY */
	struct kgil_thread *holder;	/* NULL when free */
	/*
	 * The thread that took the lock last.  Compared, never dereferenced
	 * after it detached: detach clears it, keeping tid/id for the trace.
	 */
	struct kgil_thread *last_holder;
	pid_t last_tid;
	u32 last_id;			/* 0: nobody ever held it */
	u64 grant_ns;			/* when the holder got it */
	u64 tenure;			/* bumped at every grant: which one */
	u64 release_ns;			/* when it was last released */
	bool owner_dead;		/* the last holder died holding it */
	bool closed;			/* ->release ran: no new threads */
	struct list_head threads;	/* kgil_thread.dnode */
	u32 nr_threads;
	/*
	 * kgil_waiter.node: the order the policy hands the lock in (arrival
	 * order unless it reorders); kgil_waiter.anode: arrival order, the
	 * first is the oldest waiter, whose wait the core bounds.
	 */
	struct list_head waiters;
	struct list_head arrivals;
	u32 nr_waiting;
	u32 nr_switch_waiters;
	struct kgil_counters c;
	union kgil_policy_domain_state ps;	/* the policy's */
};

/*
 * A thread attached to a domain.  The registry (kgil_thread.c) finds it by
 * (task, domain) through an RCU hash.  References: one while attached,
 * plus one per ioctl or exit probe using it; the last put drops the domain
 * reference and frees the thread after an RCU grace period.
 */
struct kgil_thread {
	struct kref ref;
	struct hlist_node hnode;	/* registry hash, kgil_hash_lock + RCU */
	struct rcu_head rcu;
	/*
	 * hash key; valid while attached (exit detaches before it dies);
	 * its file table, read under task_lock() at a close, says which
	 * "process" the close concerns (kgil_detach_files())
	 */
	struct task_struct *task;
	struct kgil_domain *dom;	/* counted reference */
	pid_t tid;
	u32 id;				/* >= 1, unique in the domain */

	/* protected by dom->lock */
	struct list_head dnode;		/* dom->threads */
	bool detached;			/* also read locklessly by lookups */
	bool in_io;			/* between IO_BEGIN and IO_END */
	/*
	 * CHECK gave the lock away and a signal cut the wait to take it
	 * back (owes_switch: cut the forced-switch wait before that): the
	 * thread owes a re-acquire, which its next CHECK performs (the
	 * restarted one, or the caller's after -EINTR).  Cleared at the
	 * next grant and at detach.
	 */
	bool owes_lock;
	bool owes_switch;
	/*
	 * The grant that paid the debt was the thread's own io_uring
	 * acquire: the CHECK it was owed to (still waiting, restarted, or
	 * the caller's next) returns -EDEADLK.  Cleared by that CHECK, at
	 * a release and at detach.
	 */
	bool taken_back;
	/*
	 * The thread's last wait that a signal ended (-EINTR), which its
	 * next ACQUIRE, IO_END or CHECK may resume (kgil_lock.c,
	 * "Resuming"); start_ns 0: none.  Cleared when the thread next
	 * starts a wait or is granted the lock.
	 */
	struct {
		u64 start_ns;
		ktime_t deadline;	/* the policy's, as last armed */
		/* the policy that armed it: compared, never followed */
		const struct kgil_policy_ops *ops;
		bool io;
	} cut;
	struct kgil_waiter *waiter;	/* non-NULL while waiting for the lock */
	struct kgil_counters c;
	union kgil_policy_thread_state ps;	/* the policy's */
};

/*
 * One acquisition of the lock by a thread, from its start to its end
 * (kgil_wait_start() to kgil_wait_end(): the wait engine, kgil_lock.c):
 * on the stack of a thread that sleeps in ACQUIRE, IO_END or CHECK, or
 * in a pending io_uring acquire.  Linked on dom->waiters for exactly as
 * long as it waits.  Protected by dom->lock, except what a spinning
 * waiter reads with READ_ONCE (granted).
 *
 * Every wake-up of a waiter (signal from a release, direct grant, kick,
 * detach) goes through kgil_waiter_notify(): wake_up_process() for a
 * task sleeping in the core, or w->notify for a waiter no task sleeps
 * on (the io_uring acquire; it must not sleep, dom->lock is held).
 */
struct kgil_waiter {
	struct list_head node;
	struct list_head anode;		/* dom->arrivals */
	struct kgil_thread *t;
	struct task_struct *task;	/* the sleeping task, or NULL */
	void (*notify)(struct kgil_domain *dom, struct kgil_waiter *w);
	u64 start_ns;
	/* whose wait_deadline was asked last, and its answer */
	const struct kgil_policy_ops *armed_ops;
	u64 armed_tenure;
	ktime_t policy_deadline;
	u64 spun_tenure;		/* dom->tenure it spun on */
	/*
	 * Resumes t->cut ("Resuming"): the first arm keeps cut's deadline
	 * (resume_deadline, if resume_ops still rules the domain).
	 */
	bool resumed;
	ktime_t resume_deadline;
	const struct kgil_policy_ops *resume_ops;
	/*
	 * The policy's on_wait_start moved it ahead of waiters that came
	 * before it (a priority class): a resumed waiter that goes back to
	 * its arrival place does not pass it.
	 */
	bool placed;
	u32 failed;			/* woke up, found it taken */
	u64 wait_ns;			/* granted: the wait, as counted */
	bool begun;			/* traced as begun: trace the end */
	bool io;			/* IO_END: back from I/O */
	bool woken;			/* signalled by a release */
	bool kicked;			/* woken to re-evaluate (policy change) */
	bool granted;			/* the lock was handed to it directly */
	bool owner_dead;		/* result: previous holder died */
	bool switched;			/* result: grant changed the holder */
	union kgil_policy_wait_state ps;	/* the policy's */
};

/* Count an event in the domain's and the thread's counters (dom->lock). */
#define kgil_count(dom, t, field)		\
	do {					\
		(dom)->c.field++;		\
		(t)->c.field++;			\
	} while (0)

static inline void kgil_waiter_notify(struct kgil_domain *dom,
				      struct kgil_waiter *w)
{
	if (w->notify)
		w->notify(dom, w);
	else
		wake_up_process(w->task);
}

/* Module parameters (kgil_main.c). */
extern unsigned int kgil_max_threads;
extern unsigned int kgil_max_domains_per_user;
extern unsigned int kgil_max_thread_id;

/* Live objects, checked at module exit (a leak prints "kgil: leak"). */
extern atomic_t kgil_nr_domains;
extern atomic_t kgil_nr_threads;

/* kgil_ioctl.c */
long kgil_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* kgil_domain.c */
struct kgil_domain *kgil_domain_alloc(kuid_t uid);
void kgil_domain_put(struct kgil_domain *dom);
int kgil_domain_set_policy(struct kgil_domain *dom, const struct kgil_policy *p,
			   const char *name);
void kgil_domain_get_policy(struct kgil_domain *dom, struct kgil_policy *p,
			    char *name);
const char *kgil_domain_policy_name(const struct kgil_domain *dom);
void kgil_domain_switch_locked(struct kgil_domain *dom,
			       const struct kgil_policy *p,
			       const struct kgil_policy_ops *ops,
			       struct kgil_bpf_entry *bpf);
void kgil_domains_each(void (*fn)(struct kgil_domain *dom, void *arg),
		       void *arg);
u32 kgil_domains_leave_bpf(struct kgil_bpf_entry *bpf);
int kgil_domain_stats(struct kgil_domain *dom, struct kgil_stats *st);

/* kgil_thread.c */
int kgil_thread_registry_init(void);
void kgil_thread_registry_exit(void);
struct kgil_thread *kgil_thread_get(struct kgil_domain *dom);
struct kgil_thread *kgil_thread_get_task(struct kgil_domain *dom,
					 struct task_struct *task);
void kgil_thread_put(struct kgil_thread *t);
int kgil_thread_attach(struct kgil_domain *dom, u32 *id);
int kgil_thread_detach(struct kgil_domain *dom);
u32 kgil_detach_files(struct kgil_domain *dom, const void *files,
		      bool close);
/* task (current, or exiting) leaves every domain, reason exit. */
void kgil_thread_exit_task(struct task_struct *task);

/* kgil_lock.c: the lock itself */
struct kgil_lock_req {
	u32 flags;			/* KGIL_ACQUIRE_* */
	/* the call's, absolute (CLOCK_MONOTONIC); KTIME_MAX: none */
	ktime_t deadline;
	bool io;			/* IO_END */
	u64 resume_ns;			/* kgil_acquire.resume_ns: 0 or a cut wait */
};

struct kgil_lock_res {
	u32 result;			/* KGIL_ACQUIRED_OWNER_DEAD */
	bool switched;			/* the grant changed the holder */
	u64 wait_ns;
	u32 failed;
	u64 resume_ns;			/* -EINTR: the cut wait's start */
};

int kgil_acquire(struct kgil_domain *dom, struct kgil_thread *t,
		 const struct kgil_lock_req *req, struct kgil_lock_res *res);
int kgil_release(struct kgil_domain *dom, struct kgil_thread *t,
		 enum kgil_release_reason reason);
int kgil_check(struct kgil_domain *dom, struct kgil_thread *t,
	       const struct kgil_lock_req *req, struct kgil_lock_res *res);
void kgil_release_locked(struct kgil_domain *dom, struct kgil_thread *t,
			 enum kgil_release_reason reason);
void kgil_kick_waiters(struct kgil_domain *dom);
/* w leaves the queue without the lock (any waiter); dom->lock held. */
void kgil_abandon(struct kgil_domain *dom, struct kgil_waiter *w);

/*
 * The wait engine, for every waiter (the sleeping one in kgil_lock.c,
 * the io_uring acquire in kgil_uring.c); dom->lock held.  w->t, ->task,
 * ->notify, ->io and ->node (initialised) are set by the caller.
 *   kgil_wait_start()  0: w holds the lock; -EINPROGRESS: w is queued;
 *                      -EBUSY (try), or why it may not start (nothing
 *                      begun, w->begun false).
 *   kgil_wait_arm()    before each wait: the policy's deadline.
 *   kgil_wait_decided() whether a grant or a detach has decided the
 *                      wait: 0 granted, -EBADF detached (first: a detach
 *                      voids a grant), -EAGAIN neither.  Takes nothing,
 *                      so a notify may ask it while the queue is walked.
 *   kgil_wait_eval()   after each wake-up: decided, or it may take the
 *                      free lock (0), or -EAGAIN: it waits on...
 *   kgil_wait_note()   ... after the policy's timeout or a lost race
 *                      has been accounted for.
 *   kgil_wait_end()    the end: off the queue, traced.
 */
int kgil_wait_start(struct kgil_domain *dom, struct kgil_waiter *w, bool try);
ktime_t kgil_wait_arm(struct kgil_domain *dom, struct kgil_waiter *w,
		      ktime_t now);
int kgil_wait_decided(struct kgil_domain *dom, struct kgil_waiter *w);
int kgil_wait_eval(struct kgil_domain *dom, struct kgil_waiter *w);
void kgil_wait_note(struct kgil_domain *dom, struct kgil_waiter *w,
		    ktime_t now);
void kgil_wait_end(struct kgil_domain *dom, struct kgil_waiter *w, int ret);

/* kgil_uring.c: file_operations->uring_cmd */
int kgil_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags);

#endif /* _KGIL_INTERNAL_H */
