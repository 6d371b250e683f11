// SPDX-License-Identifier: GPL-2.0
/*
 * The thread registry: which task is attached to which domain, attach and
 * detach, and the cleanup of threads that exit attached or whose process
 * closes the domain.
 *
 * Threads are found by (task, domain) in a global hash keyed by the task,
 * read under RCU and written under kgil_hash_lock (inside dom->lock; see
 * the locking order in kgil_lock.c).
 *
 * Modules get no task-exit notifier, so the registry hooks do_exit() and
 * execve(): kprobes at exit_mm_release() and exec_mm_release(), and the
 * sched_process_exit and sched_process_exec tracepoints (see "exit and
 * exec" below for why both), each in the task's own context, for every
 * task in the system, with preemption disabled.  The common case (the task is attached
 * nowhere) costs one atomic read when no thread at all is attached and one
 * RCU hash-bucket walk otherwise; no lock is taken.  __tracepoint_*
 * symbols are not exported, so the tracepoints are looked up by name
 * with for_each_kernel_tracepoint().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/hashtable.h>
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "kgil_internal.h"
#include "kgil_trace.h"

#define KGIL_HASH_BITS 10

static DEFINE_HASHTABLE(kgil_thread_hash, KGIL_HASH_BITS);
static DEFINE_SPINLOCK(kgil_hash_lock);
/* Attached threads in all domains: the exit probe's fast way out. */
static atomic_t kgil_nr_attached = ATOMIC_INIT(0);

static void kgil_thread_free(struct kref *ref)
{
	struct kgil_thread *t = container_of(ref, struct kgil_thread, ref);

	kgil_domain_put(t->dom);
	atomic_dec(&kgil_nr_threads);
	/* Lookups may still be looking at it: free after a grace period. */
	kfree_rcu(t, rcu);
}

void kgil_thread_put(struct kgil_thread *t)
{
	kref_put(&t->ref, kgil_thread_free);
}

/*
 * Find an attached thread of task in dom (any domain if dom is NULL) and
 * pin it.  The caller checks t->detached again under dom->lock.
 */
static struct kgil_thread *kgil_thread_find(struct task_struct *task,
					    struct kgil_domain *dom)
{
	struct kgil_thread *t, *found = NULL;

	rcu_read_lock();
	hash_for_each_possible_rcu(kgil_thread_hash, t, hnode,
				   (unsigned long)task) {
		if (t->task != task || (dom && t->dom != dom) ||
		    READ_ONCE(t->detached))
			continue;
		if (kref_get_unless_zero(&t->ref)) {
			found = t;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

struct kgil_thread *kgil_thread_get(struct kgil_domain *dom)
{
	return kgil_thread_find(current, dom);
}

/* task's thread in dom: an io_uring request's submitter, pinned. */
struct kgil_thread *kgil_thread_get_task(struct kgil_domain *dom,
					 struct task_struct *task)
{
	return kgil_thread_find(task, dom);
}

int kgil_thread_attach(struct kgil_domain *dom, u32 *id)
{
	struct kgil_thread *t;
	int ret;

	/* Only current attaches current, so nothing races with this test. */
	t = kgil_thread_get(dom);
	if (t) {
		kgil_thread_put(t);
		return -EEXIST;
	}
	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	kref_init(&t->ref);
	INIT_LIST_HEAD(&t->dnode);
	t->task = current;
	t->tid = task_pid_nr(current);
	/* The id first, outside dom->lock, as it may allocate. */
	ret = xa_alloc_cyclic(&dom->ids, &t->id, t,
			      XA_LIMIT(1, READ_ONCE(kgil_max_thread_id)),
			      &dom->next_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		kfree(t);
		return ret == -EBUSY ? -ENOSPC : ret;
	}

	spin_lock(&dom->lock);
	ret = 0;
	if (dom->closed)
		ret = -EBADF;
	else if (dom->nr_threads >= READ_ONCE(kgil_max_threads))
		ret = -ENOSPC;
	if (ret) {
		spin_unlock(&dom->lock);
		xa_erase(&dom->ids, t->id);
		kfree(t);
		return ret;
	}
	kref_get(&dom->ref);
	t->dom = dom;
	list_add_tail(&t->dnode, &dom->threads);
	dom->nr_threads++;
	spin_lock(&kgil_hash_lock);
	hash_add_rcu(kgil_thread_hash, &t->hnode, (unsigned long)current);
	spin_unlock(&kgil_hash_lock);
	atomic_inc(&kgil_nr_attached);
	atomic_inc(&kgil_nr_threads);
	trace_kgil_attach(dom, t);
	*id = t->id;
	spin_unlock(&dom->lock);
	return 0;
}

/*
 * Detach t (dom->lock held): end its wait if it waits, release the lock
 * if it holds it, for reason; unlink it.  Its attached reference moves to
 * the caller's reap list, to be dropped by kgil_reap() once dom->lock is
 * released.
 *
 * The order is the invariant "a detached thread is never queued, never
 * granted, never the holder": detached is set and the waiter leaves the
 * queue before anything can hand the lock on, so the release below (or
 * any later one) cannot pick it.  A waiter only being woken would stay
 * queued, and fifo's direct grant would then make a thread whose struct
 * is about to be freed the holder for good.  The woken waiter sees
 * detached first and returns -EBADF (kgil_wait_decided(), for both
 * kinds of waiter).
 */
static void kgil_detach_locked(struct kgil_domain *dom, struct kgil_thread *t,
			       enum kgil_release_reason reason,
			       struct list_head *reap)
	__must_hold(&dom->lock)
{
	struct kgil_waiter *w = t->waiter;

	lockdep_assert_held(&dom->lock);
	if (t->detached)
		return;
	WRITE_ONCE(t->detached, true);
	t->owes_lock = false;
	t->owes_switch = false;
	t->taken_back = false;
	if (w) {
		kgil_abandon(dom, w);
		kgil_waiter_notify(dom, w);
	}
	if (dom->holder == t)
		kgil_release_locked(dom, t, reason);
	if (dom->last_holder == t)
		dom->last_holder = NULL;
	list_move_tail(&t->dnode, reap);
	dom->nr_threads--;
	xa_erase(&dom->ids, t->id);
	spin_lock(&kgil_hash_lock);
	hash_del_rcu(&t->hnode);
	spin_unlock(&kgil_hash_lock);
	atomic_dec(&kgil_nr_attached);
	trace_kgil_detach(dom, t);
	/* A holder of this thread's process may wait for a forced switch. */
	if (dom->nr_switch_waiters)
		wake_up_all(&dom->switch_wq);
}

static void kgil_reap(struct list_head *reap)
{
	struct kgil_thread *t, *tmp;

	list_for_each_entry_safe(t, tmp, reap, dnode) {
		list_del_init(&t->dnode);
		kgil_thread_put(t);
	}
}

/* Detach t from dom with reason, and drop its attached reference. */
static void kgil_detach(struct kgil_domain *dom, struct kgil_thread *t,
			enum kgil_release_reason reason)
{
	LIST_HEAD(reap);

	spin_lock(&dom->lock);
	kgil_detach_locked(dom, t, reason, &reap);
	spin_unlock(&dom->lock);
	kgil_reap(&reap);
}

int kgil_thread_detach(struct kgil_domain *dom)
{
	struct kgil_thread *t = kgil_thread_get(dom);

	if (!t)
		return -ENOENT;
	kgil_detach(dom, t, KGIL_REL_DETACH);
	kgil_thread_put(t);
	return 0;
}

/*
 * Whether t's file table is files: the table as it is now, not at attach,
 * since unshare(CLONE_FILES) (or exec) can give a thread a table of its
 * own at any time.  t is attached (dom->lock held), so its task has not
 * yet gone through exit_files(); task_lock() orders the read against a
 * concurrent unshare.  Compared, never dereferenced.
 */
static bool kgil_thread_has_files(struct kgil_thread *t, const void *files)
{
	bool same;

	task_lock(t->task);
	same = t->task->files == files;
	task_unlock(t->task);
	return same;
}

/*
 * The threads of one process leave dom (reason close): those whose file
 * table is files, which closed its last descriptor of dom (->flush), or
 * every thread when files is NULL (->release; close also refuses new
 * attaches).  A "process" here is the set of tasks sharing a file table:
 * a thread that unshared its table is one of its own, and only a close
 * in its own table concerns it.  Returns how many left.  The holder goes
 * last: released while the others still queue, it could hand the lock
 * to one of them, which would then release it again on its own way out:
 * a grant, a handoff and a wake-up for nothing, and a holder in the
 * trace that never ran.
 */
u32 kgil_detach_files(struct kgil_domain *dom, const void *files, bool close)
{
	struct kgil_thread *t, *tmp, *holder;
	LIST_HEAD(reap);
	u32 nr = 0;

	spin_lock(&dom->lock);
	if (close)
		dom->closed = true;
	holder = dom->holder;
	list_for_each_entry_safe(t, tmp, &dom->threads, dnode) {
		if (t == holder || (files && !kgil_thread_has_files(t, files)))
			continue;
		kgil_detach_locked(dom, t, KGIL_REL_CLOSE, &reap);
		nr++;
	}
	if (holder && (!files || kgil_thread_has_files(holder, files))) {
		kgil_detach_locked(dom, holder, KGIL_REL_CLOSE, &reap);
		nr++;
	}
	spin_unlock(&dom->lock);
	kgil_reap(&reap);
	return nr;
}

/* ---- exit and exec ------------------------------------------------- */

/*
 * A thread that exits attached leaves its domains, releasing a lock it
 * holds (owner death), before anybody can see it gone.  pthread_join()
 * returns once exit_mm() has cleared the thread's tid and woken the
 * futex on it (mm_release()); robust futexes are released just before
 * that, in exit_mm_release().  The sched_process_exit tracepoint fires
 * only after exit_mm(), too late: a joiner could find the lock still
 * held by the thread it has just joined.  So the detach is hooked at the
 * entry of exit_mm_release() with a kprobe, the place where robust
 * futexes are released, giving the same guarantee.
 *
 * execve() is the death of the program image: the new one knows nothing
 * of the domain, and the kernel releases robust futexes for it too, in
 * exec_mm_release(), past the point of no return (the old image never
 * runs again).  The thread leaves its domains there in the same way,
 * reason exit: a lock it held is an owner death, released before the
 * vfork parent is woken and before the new image runs.  A descriptor
 * that survives the exec stays open: the new image may attach again.
 * One that is close-on-exec may be closed before exec_mm_release() (it
 * is in both kernels tested): ->flush sees the task in execve and lets
 * it leave here first (kgil_flush()), or the close would release its
 * lock as a mere close, and the next owner would not be told.  The
 * sched_process_exec tracepoint, after the exec, is the backstop, as
 * sched_process_exit is for exit.
 *
 * Only an ftrace-based kprobe is used (the function's fentry site): its
 * handler runs in the task's own context with preemption disabled, like
 * the tracepoint probes.  An int3-based one would run in NMI-like
 * context, where dom->lock must not be taken; without ftrace kprobes
 * (or kprobes at all) the module keeps only the tracepoints, and the
 * ordering guarantee is lost (docs/design.md).  The tracepoints stay in
 * either case: sched_process_exit catches a task that exits without an
 * mm to release, and both cost nothing when the kprobe has already
 * detached everything.
 */
void kgil_thread_exit_task(struct task_struct *task)
{
	struct kgil_thread *t;

	if (likely(!atomic_read(&kgil_nr_attached)))
		return;
	/* One domain at a time; each pass detaches what it found. */
	while ((t = kgil_thread_find(task, NULL))) {
		kgil_detach(t->dom, t, KGIL_REL_EXIT);
		kgil_thread_put(t);
	}
}

static void kgil_exit_probe(void *data, struct task_struct *task)
{
	kgil_thread_exit_task(task);
}

static void kgil_exec_probe(void *data, struct task_struct *task,
			    pid_t old_pid, struct linux_binprm *bprm)
{
	kgil_thread_exit_task(task);
}

/* Both functions are called by the task on itself (current). */
static int kgil_exit_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	kgil_thread_exit_task(current);
	return 0;
}

static struct kprobe kgil_kprobes[] = {
	{ .symbol_name = "exit_mm_release", .pre_handler = kgil_exit_kprobe_pre },
	{ .symbol_name = "exec_mm_release", .pre_handler = kgil_exit_kprobe_pre },
};
static bool kgil_kprobe_on[ARRAY_SIZE(kgil_kprobes)];

static void kgil_kprobe_register(unsigned int i)
{
	struct kprobe *kp = &kgil_kprobes[i];
	int ret = register_kprobe(kp);

	if (ret) {
		pr_warn("no kprobe on %s (%d): a thread that exits or execs holding releases after its end can be seen\n",
			kp->symbol_name, ret);
		return;
	}
	if (!(kp->flags & KPROBE_FLAG_FTRACE)) {
		unregister_kprobe(kp);
		pr_warn("%s kprobe is not ftrace-based: a thread that exits or execs holding releases after its end can be seen\n",
			kp->symbol_name);
		return;
	}
	kgil_kprobe_on[i] = true;
}

/* The tracepoints, found by name: __tracepoint_* is not exported. */
static struct kgil_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
} kgil_tps[] = {
	{ "sched_process_exit", (void *)kgil_exit_probe },
	{ "sched_process_exec", (void *)kgil_exec_probe },
};

static void kgil_find_tp(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kgil_tps); i++)
		if (!strcmp(tp->name, kgil_tps[i].name))
			kgil_tps[i].tp = tp;
}

static void kgil_tps_unregister(unsigned int n)
{
	while (n--)
		tracepoint_probe_unregister(kgil_tps[n].tp, kgil_tps[n].probe,
					    NULL);
	/* No probe may still be running when the module text goes away. */
	tracepoint_synchronize_unregister();
}

int kgil_thread_registry_init(void)
{
	unsigned int i;
	int ret;

	for_each_kernel_tracepoint(kgil_find_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(kgil_tps); i++) {
		ret = -ENOENT;
		if (kgil_tps[i].tp)
			ret = tracepoint_probe_register(kgil_tps[i].tp,
							kgil_tps[i].probe,
							NULL);
		if (ret) {
			pr_err("cannot hook %s: %d\n", kgil_tps[i].name, ret);
			kgil_tps_unregister(i);
			return ret;
		}
	}
	for (i = 0; i < ARRAY_SIZE(kgil_kprobes); i++)
		kgil_kprobe_register(i);
	return 0;
}

void kgil_thread_registry_exit(void)
{
	unsigned int i;

	/* unregister_kprobe() waits for running handlers (synchronize_rcu). */
	for (i = 0; i < ARRAY_SIZE(kgil_kprobes); i++)
		if (kgil_kprobe_on[i])
			unregister_kprobe(&kgil_kprobes[i]);
	kgil_tps_unregister(ARRAY_SIZE(kgil_tps));
}
