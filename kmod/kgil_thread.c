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
 * Modules get no task-exit notifier, so the registry hooks the
 * sched_process_exit tracepoint, which do_exit() fires in the exiting
 * task's own context before exit_files(), for every task in the system,
 * with preemption disabled.  The common case (the task is attached
 * nowhere) costs one atomic read when no thread at all is attached and one
 * RCU hash-bucket walk otherwise; no lock is taken.  __tracepoint_*
 * symbols are not exported, so the tracepoint is looked up by name with
 * for_each_kernel_tracepoint().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/sched.h>
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
static struct tracepoint *kgil_exit_tp;

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
	int ret = 0;

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
	t->files = current->files;
	t->tid = task_pid_nr(current);

	spin_lock(&dom->lock);
	if (dom->closed)
		ret = -EBADF;
	else if (dom->nr_threads >= READ_ONCE(kgil_max_threads))
		ret = -ENOSPC;
	if (ret) {
		spin_unlock(&dom->lock);
		kfree(t);
		return ret;
	}
	kref_get(&dom->ref);
	t->dom = dom;
	if (!++dom->next_id)
		++dom->next_id;
	t->id = dom->next_id;
	list_add_tail(&t->dnode, &dom->threads);
	dom->nr_threads++;
	spin_lock(&kgil_hash_lock);
	hash_add_rcu(kgil_thread_hash, &t->hnode, (unsigned long)current);
	spin_unlock(&kgil_hash_lock);
	atomic_inc(&kgil_nr_attached);
	atomic_inc(&kgil_nr_threads);
	trace_kgil_attach(dom->id, t->tid, t->id);
	*id = t->id;
	spin_unlock(&dom->lock);
	return 0;
}

/*
 * Detach t (dom->lock held): release the lock if it holds it, for reason;
 * wake it with -EBADF if it is waiting; unlink it.  Its attached reference
 * moves to the caller's reap list, to be dropped by kgil_reap() once
 * dom->lock is released.
 */
void kgil_detach_locked(struct kgil_domain *dom, struct kgil_thread *t,
			enum kgil_release_reason reason, struct list_head *reap)
{
	if (t->detached)
		return;
	if (dom->holder == t)
		kgil_release_locked(dom, t, reason);
	WRITE_ONCE(t->detached, true);
	if (t->waiter)
		kgil_waiter_notify(dom, t->waiter);
	if (dom->last_holder == t)
		dom->last_holder = NULL;
	list_move_tail(&t->dnode, reap);
	dom->nr_threads--;
	spin_lock(&kgil_hash_lock);
	hash_del_rcu(&t->hnode);
	spin_unlock(&kgil_hash_lock);
	atomic_dec(&kgil_nr_attached);
	trace_kgil_detach(dom->id, t->tid, t->id);
	/* A holder of this thread's process may wait for a forced switch. */
	if (dom->nr_switch_waiters)
		wake_up_all(&dom->switch_wq);
}

void kgil_reap(struct list_head *reap)
{
	struct kgil_thread *t, *tmp;

	list_for_each_entry_safe(t, tmp, reap, dnode) {
		list_del_init(&t->dnode);
		kgil_thread_put(t);
	}
}

int kgil_thread_detach(struct kgil_domain *dom)
{
	struct kgil_thread *t = kgil_thread_get(dom);
	LIST_HEAD(reap);

	if (!t)
		return -ENOENT;
	spin_lock(&dom->lock);
	kgil_detach_locked(dom, t, KGIL_REL_DETACH, &reap);
	spin_unlock(&dom->lock);
	kgil_reap(&reap);
	kgil_thread_put(t);
	return 0;
}

/*
 * The process owning the file table files closed its last descriptor of
 * dom: its threads leave the domain (a holder releases with reason close,
 * waiters get -EBADF).
 */
void kgil_domain_flush(struct kgil_domain *dom, const void *files)
{
	struct kgil_thread *t, *tmp;
	LIST_HEAD(reap);

	spin_lock(&dom->lock);
	list_for_each_entry_safe(t, tmp, &dom->threads, dnode)
		if (t->files == files)
			kgil_detach_locked(dom, t, KGIL_REL_CLOSE, &reap);
	spin_unlock(&dom->lock);
	kgil_reap(&reap);
}

/* ---- exit ----------------------------------------------------------- */

static void kgil_exit_probe(void *data, struct task_struct *task)
{
	struct kgil_thread *t;
	struct kgil_domain *dom;
	LIST_HEAD(reap);

	if (likely(!atomic_read(&kgil_nr_attached)))
		return;
	/* One domain at a time; each pass detaches what it found. */
	while ((t = kgil_thread_find(task, NULL))) {
		dom = t->dom;
		spin_lock(&dom->lock);
		kgil_detach_locked(dom, t, KGIL_REL_EXIT, &reap);
		spin_unlock(&dom->lock);
		kgil_reap(&reap);
		kgil_thread_put(t);
	}
}

static void kgil_find_exit_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		*(struct tracepoint **)priv = tp;
}

int kgil_thread_registry_init(void)
{
	int ret;

	for_each_kernel_tracepoint(kgil_find_exit_tp, &kgil_exit_tp);
	if (!kgil_exit_tp) {
		pr_err("tracepoint sched_process_exit not found\n");
		return -ENOENT;
	}
	ret = tracepoint_probe_register(kgil_exit_tp, kgil_exit_probe, NULL);
	if (ret)
		pr_err("cannot hook sched_process_exit: %d\n", ret);
	return ret;
}

void kgil_thread_registry_exit(void)
{
	tracepoint_probe_unregister(kgil_exit_tp, kgil_exit_probe, NULL);
	/* No probe may still be running when the module text goes away. */
	tracepoint_synchronize_unregister();
}
