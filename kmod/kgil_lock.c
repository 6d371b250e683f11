// SPDX-License-Identifier: GPL-2.0
/*
 * kgil core: the lock of a domain (acquire, release, check, I/O), the
 * wait engine every waiter runs through, and the helpers the policies
 * decide with (kgil_policy.h).
 *
 * A waiter's life (struct kgil_waiter), in the manner of CPython's
 * ceval_gil.c:
 *
 *  start     kgil_wait_start(): a thread that may acquire (attached, not
 *            the holder, no acquisition pending) asks the policy whether
 *            it may take the free lock (may_take, with no waiter: a
 *            handoff policy refuses while others queue).  If so it is
 *            granted at once.  Otherwise it is queued at the tail of
 *            dom->waiters and the policy may place it (on_wait_start:
 *            ioprio moves an I/O return ahead and raises the drop
 *            request).
 *  armed     kgil_wait_arm(), before every wait: the flags below are
 *            cleared and the policy gives the time at which the waiter
 *            must look again even if nobody wakes it (wait_deadline:
 *            newgil's switch interval, the handoff timekeeper's due
 *            time); the caller's own deadline (a timed ACQUIRE) comes on
 *            top of it.
 *  waiting   a task sleeps (TASK_INTERRUPTIBLE, an hrtimer for the
 *            deadline) or spins (kgil_spin(): a handoff is due and the
 *            holder is running; once per tenure); an io_uring acquire
 *            arms an hrtimer and returns (kgil_uring.c).
 *  woken     by one of, each under dom->lock, each through
 *            kgil_waiter_notify():
 *             - a release that signals it (w->woken: kgil_wake_waiter(),
 *               kgil_wake_one(), by legacy's and newgil's on_release):
 *               it may take the free lock, or find that another thread
 *               barged in first;
 *             - a grant (w->granted: kgil_grant_waiter(), by a handoff
 *               policy's on_release): it holds the lock already and has
 *               left the queue;
 *             - a kick (w->kicked: kgil_kick_waiter(), by SET_POLICY or a
 *               policy that wants it to ask wait_deadline again, or to
 *               spin): not a failed attempt;
 *             - a detach (t->detached: DETACH, exit, close; detach has
 *               taken it off the queue and released a lock it held);
 *             - its timer, a signal, io_uring task work, or io_uring
 *               tearing its ring down.
 *  evaluated kgil_wait_eval(), in this order: detached (-EBADF, even if
 *            a grant came first: detach voids it), granted, may take the
 *            free lock (may_take with its waiter).  Then the caller's
 *            reasons to stop: a signal (-EINTR), its deadline
 *            (-ETIMEDOUT), a cancelled io_uring request (-ECANCELED).
 *            Otherwise kgil_wait_note(): past the policy's deadline, the
 *            policy is told (on_wait_timeout: newgil's and the
 *            timekeeper's drop request) unless the domain changed policy
 *            meanwhile; woken by a release but beaten to the lock, a
 *            failed attempt is counted and traced; and it is armed again.
 *  end       kgil_wait_end(): with the lock it leaves the queue; without
 *            it kgil_abandon() takes it off, lets the policy hand on what
 *            it did for the others (on_wait_abort) and passes on a signal
 *            it may have swallowed.  The end is traced (acquire_end).
 *
 * Who sets what: w->woken, w->kicked and w->granted are set only by
 * the helpers above, under dom->lock, before the notify; the waiter
 * clears woken and kicked when it arms.  t->detached is set by detach
 * (kgil_thread.c).  The holder, the queue, the counters and the shared
 * page change only under dom->lock.
 *
 * Locking order, outermost first:
 *  1. kgil_users_mutex (kgil_main.c): open and release only, to count
 *     domains per user; no kgil spinlock is ever held with it.
 *  2. dom->lock, a spinlock: every field of struct kgil_domain below it,
 *     the thread and waiter lists, every counter, struct kgil_thread's
 *     dom->lock fields, the policy state, and all writes to the shared
 *     page (WRITE_ONCE, as userspace reads it without a lock).  Nothing
 *     sleeps under it and no user memory is touched under it.  Only one
 *     domain's lock is ever held at a time.
 *  3. kgil_hash_lock (kgil_thread.c): writers of the registry hash, taken
 *     only inside dom->lock (attach, detach).
 *  4. taken inside dom->lock by the calls made under it:
 *     - scheduler and wait-queue locks: wake_up_process() (through
 *       kgil_waiter_notify()), wake_up_all() and prepare_to_wait() on
 *       dom->switch_wq;
 *     - the hrtimer base lock: hrtimer_start() of an io_uring acquire's
 *       deadline (hrtimer_cancel() is never called under dom->lock);
 *     - the workqueue pool lock: queue_work() of its re-evaluation
 *       (cancel_work_sync() is never called under dom->lock);
 *     - io_uring's task_work: io_uring_cmd_complete_in_task() of its
 *       completion;
 *     - task_lock() of an attached thread's task: a close compares its
 *       file table (kgil_detach_files());
 *     - the lock of dom->ids: detach frees the thread's id (attach
 *       allocates one with no kgil lock held).
 * files->file_lock (iterate_fd() in ->flush) is taken with no kgil lock.
 * The io_uring cancel path (kgil_uring_cancel()) takes dom->lock inside
 * the ring's lock; nothing takes a ring's lock inside dom->lock
 * (io_uring_cmd_mark_cancelable() is called outside it).
 * Registry lookups (every ioctl, the exit probe) walk the hash under RCU
 * and pin the thread with kref_get_unless_zero() before taking dom->lock;
 * a pinned thread pins its domain.  The exit probe runs with preemption
 * disabled, which the spinlocks above allow.
 *
 * Sleeping: the waiter sets TASK_INTERRUPTIBLE while still holding
 * dom->lock, unlocks and sleeps.  Whoever wakes it first sets a flag
 * under dom->lock and then calls wake_up_process(), so a wake-up that
 * lands between the unlock and the sleep is not lost: the task is just
 * made runnable again.
 *
 * Timed sleeps use hrtimers (schedule_hrtimeout_range() on an absolute
 * CLOCK_MONOTONIC deadline), not jiffies.  newgil's waiter sleeps one
 * switch interval, 5 ms by default, before it asks for a drop.  At HZ=250
 * a jiffy is 4 ms, so a jiffies timeout turns 5 ms into 2 jiffies, that is
 * anything between 4 and 8 ms depending on where in the tick the wait
 * starts, and cannot express the sub-millisecond intervals that the fifo
 * and ioprio policies and the tests use at all.  An hrtimer fires within
 * microseconds of the deadline, like CPython's pthread_cond_timedwait().
 *
 * Error rule for ACQUIRE, CHECK and IO_END: on any error the caller does
 * not hold the lock, except -EDEADLK (ACQUIRE, IO_END: it already held
 * it; CHECK: its own io_uring acquire took it back during the forced
 * switch wait, or while the CHECK was cut and not yet restarted) and
 * -EPERM (CHECK: it did not hold it to begin with).
 *
 * Signals: a wait cut by a signal returns -EINTR here; the ioctl layer
 * turns it into -ERESTARTNOHAND, so a signal whose handler does not run
 * (SIGSTOP/SIGCONT, an ignored one, a debugger attaching, io_uring task
 * work) restarts the call transparently, as a futex wait does, and one
 * whose handler runs ends it with -EINTR whatever SA_RESTART says, so
 * the caller can act on it.  A timed call's absolute deadline is fixed
 * by the ioctl when the call starts (kgil_lock_req.deadline) and written
 * back into the caller's struct whatever wait the signal cut (CHECK's
 * forced-switch wait as well as the wait for the lock), so a restart
 * keeps it however long the thread was stopped in between, and an
 * infinite one stays infinite (a restart block in user memory: the
 * kernel's own restart_block would point into this module's text, which
 * could be unloaded before the restart).
 *
 * Resuming: a wait that a signal ends keeps its place and its deadline,
 * as CPython's take_gil() keeps both across signals (its
 * pthread_cond_timedwait() resumes after a handler, with the same
 * absolute time).  Without that, a periodic signal (a profiler's
 * setitimer) made every retry a newcomer: newgil's interval and the
 * handoff layer's due time counted from each retry, never ran out, and
 * the holder was never asked to drop.  The waiter itself cannot stay
 * queued while its thread runs a handler (a grant then would give the
 * lock to a thread that was told -EINTR, which breaks "an error means you
 * do not hold it"), so it leaves the queue as any waiter that gives up,
 * and the thread keeps a record of the wait (t->cut: its start, the
 * policy deadline it was armed with).  The ioctl writes the start out
 * (kgil_acquire.resume_ns); the thread's next wait of the same kind that
 * passes it back is the same wait again: it queues at its arrival place
 * (ahead of every waiter that came after it, except those a policy
 * placed ahead by class), counts its time from the first start (fifo's
 * and ioprio's due time, the oldest-waiter bound, wait_ns), and its
 * first arm keeps the deadline it had.  A value that names no cut wait
 * starts a new one: the struct may be reused after the caller gave up.
 */
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "kgil_internal.h"
#include "kgil_trace.h"

/* ---- helpers for policies ---------------------------------------- */

struct kgil_waiter *kgil_first_waiter(struct kgil_domain *dom)
{
	lockdep_assert_held(&dom->lock);
	return list_first_entry_or_null(&dom->waiters, struct kgil_waiter,
					node);
}

struct kgil_waiter *kgil_oldest_waiter(struct kgil_domain *dom)
{
	lockdep_assert_held(&dom->lock);
	return list_first_entry_or_null(&dom->arrivals, struct kgil_waiter,
					anode);
}

void kgil_wake_waiter(struct kgil_domain *dom, struct kgil_waiter *w)
{
	lockdep_assert_held(&dom->lock);
	if (w->woken)
		return;
	w->woken = true;
	kgil_waiter_notify(dom, w);
}

void kgil_wake_one(struct kgil_domain *dom)
{
	struct kgil_waiter *w;

	list_for_each_entry(w, &dom->waiters, node) {
		if (!w->woken) {
			kgil_wake_waiter(dom, w);
			return;
		}
	}
}

bool kgil_drop_requested(const struct kgil_domain *dom)
{
	return READ_ONCE(dom->shared->drop_request) != 0;
}

u64 kgil_switch_number(const struct kgil_domain *dom)
{
	return READ_ONCE(dom->shared->switch_number);
}

void kgil_request_drop(struct kgil_domain *dom, struct kgil_thread *requester)
{
	lockdep_assert_held(&dom->lock);
	if (kgil_drop_requested(dom))
		return;
	WRITE_ONCE(dom->shared->drop_request, 1);
	kgil_count(dom, requester, drop_requests);
	trace_kgil_drop_request(dom, requester);
}

void kgil_clear_drop(struct kgil_domain *dom)
{
	lockdep_assert_held(&dom->lock);
	if (kgil_drop_requested(dom))
		WRITE_ONCE(dom->shared->drop_request, 0);
}

/* ---- queueing ----------------------------------------------------- */

/*
 * A resumed waiter ("Resuming") goes back to its arrival place: in
 * dom->arrivals before every later start, and in dom->waiters before the
 * later arrivals at the tail, stopping at a waiter its policy placed
 * ahead by class (that order is the policy's, not the arrivals').
 */
static void kgil_requeue_at_arrival(struct kgil_domain *dom,
				    struct kgil_waiter *w)
{
	struct kgil_waiter *pos;

	list_for_each_entry_reverse(pos, &dom->arrivals, anode)
		if (pos->start_ns <= w->start_ns)
			break;
	list_add(&w->anode, &pos->anode);
	pos = w;
	list_for_each_entry_continue_reverse(pos, &dom->waiters, node)
		if (pos->placed || pos->start_ns <= w->start_ns)
			break;
	list_move(&w->node, &pos->node);
}

/* Queue w at the tail and let the policy place it (on_wait_start). */
static void kgil_enqueue(struct kgil_domain *dom, struct kgil_waiter *w)
{
	lockdep_assert_held(&dom->lock);
	/* Refused by kgil_acquire_refused(); queued, it could be granted. */
	WARN_ON_ONCE(w->t->detached);
	list_add_tail(&w->node, &dom->waiters);
	if (w->resumed)
		kgil_requeue_at_arrival(dom, w);
	else
		list_add_tail(&w->anode, &dom->arrivals);
	w->t->waiter = w;
	dom->nr_waiting++;
	WRITE_ONCE(dom->shared->nr_waiting, dom->nr_waiting);
	kgil_policy_wait_start(dom, w);
}

static void kgil_dequeue(struct kgil_domain *dom, struct kgil_waiter *w)
{
	lockdep_assert_held(&dom->lock);
	if (list_empty(&w->node))
		return;
	list_del_init(&w->node);
	list_del(&w->anode);
	w->t->waiter = NULL;
	dom->nr_waiting--;
	WRITE_ONCE(dom->shared->nr_waiting, dom->nr_waiting);
	/* A holder waiting for a forced switch stops when nobody is left. */
	if (!dom->nr_waiting && dom->nr_switch_waiters)
		wake_up_all(&dom->switch_wq);
}

void kgil_kick_waiter(struct kgil_domain *dom, struct kgil_waiter *w)
{
	lockdep_assert_held(&dom->lock);
	w->kicked = true;
	kgil_waiter_notify(dom, w);
}

/* Wake every waiter so it re-evaluates (policy change). */
void kgil_kick_waiters(struct kgil_domain *dom)
{
	struct kgil_waiter *w;

	lockdep_assert_held(&dom->lock);
	list_for_each_entry(w, &dom->waiters, node)
		kgil_kick_waiter(dom, w);
	if (dom->nr_switch_waiters)
		wake_up_all(&dom->switch_wq);
}

/* ---- grant and release -------------------------------------------- */

static void kgil_count_wait(struct kgil_counters *c, u64 wait_ns)
{
	unsigned int b = wait_ns ? ilog2(wait_ns) : 0;

	c->total_wait_ns += wait_ns;
	if (wait_ns > c->max_wait_ns)
		c->max_wait_ns = wait_ns;
	c->wait_hist[min_t(unsigned int, b, KGIL_WAIT_HIST_BUCKETS - 1)]++;
}

/*
 * Make w->t the holder, in a new tenure.  The switch number and the
 * handoff count move only when the lock goes to another thread than the
 * last holder, as CPython's take_gil() counts switch_number; whoever
 * takes the lock consumes a pending drop request.
 */
static void kgil_grant(struct kgil_domain *dom, struct kgil_waiter *w)
{
	struct kgil_thread *t = w->t;
	struct kgil_shared *sh = dom->shared;
	u64 now = ktime_get_ns();
	u64 wait_ns = now - w->start_ns;

	lockdep_assert_held(&dom->lock);
	/*
	 * A detached thread is freed once its last reference goes: as the
	 * holder it would keep the lock for ever and be dereferenced after
	 * it is gone (kgil_detach_locked() dequeues it first).
	 */
	WARN_ON_ONCE(t->detached);
	dom->holder = t;
	dom->grant_ns = now;
	dom->tenure++;
	WRITE_ONCE(sh->holder_id, t->id);
	w->switched = false;
	if (dom->last_holder != t) {
		if (dom->last_id) {
			kgil_count(dom, t, handoffs);
			trace_kgil_handoff(dom, t, now - dom->release_ns);
		}
		dom->last_holder = t;
		dom->last_tid = t->tid;
		dom->last_id = t->id;
		WRITE_ONCE(sh->switch_number, sh->switch_number + 1);
		w->switched = true;
	}
	/*
	 * A switch ends the forced-switch waits; so does a grant to a
	 * thread sleeping in one: its own io_uring acquire, issued by io-wq
	 * meanwhile (kgil_wait_switch()).
	 */
	if (dom->nr_switch_waiters)
		wake_up_all(&dom->switch_wq);
	kgil_clear_drop(dom);
	/*
	 * Its io_uring acquire, issued by io-wq while a CHECK of the thread
	 * had given the lock away, can take it before that CHECK does: its
	 * CQE says the lock is held, so the CHECK must not (kgil_check()).
	 */
	if (t->owes_lock && w->notify)
		t->taken_back = true;
	t->owes_lock = false;
	t->owes_switch = false;
	t->cut.start_ns = 0;
	w->owner_dead = dom->owner_dead;
	dom->owner_dead = false;
	kgil_count(dom, t, acquisitions);
	w->wait_ns = wait_ns;
	kgil_count_wait(&dom->c, wait_ns);
	kgil_count_wait(&t->c, wait_ns);
	if (w->io)
		t->in_io = false;
	kgil_policy_grant(dom, t, list_empty(&w->node) ? NULL : w);
}

void kgil_grant_waiter(struct kgil_domain *dom, struct kgil_waiter *w)
{
	kgil_grant(dom, w);
	w->granted = true;
	kgil_dequeue(dom, w);
	kgil_waiter_notify(dom, w);
}

void kgil_release_locked(struct kgil_domain *dom, struct kgil_thread *t,
			 enum kgil_release_reason reason)
{
	u64 now = ktime_get_ns();
	u64 hold_ns = now - dom->grant_ns;

	lockdep_assert_held(&dom->lock);
	dom->holder = NULL;
	WRITE_ONCE(dom->shared->holder_id, 0);
	t->taken_back = false;
	dom->release_ns = now;
	kgil_count(dom, t, releases);
	dom->c.total_hold_ns += hold_ns;
	t->c.total_hold_ns += hold_ns;
	trace_kgil_release(dom, t, hold_ns, reason);
	if (reason == KGIL_REL_EXIT) {
		kgil_count(dom, t, owner_deaths);
		dom->owner_dead = true;
		trace_kgil_owner_death(dom, t);
	}
	kgil_policy_release(dom, t, reason);
}

static bool kgil_may_take(struct kgil_domain *dom, struct kgil_thread *t,
			  struct kgil_waiter *w)
{
	lockdep_assert_held(&dom->lock);
	return !dom->holder && kgil_policy_may_take(dom, t, w);
}

/* ---- the wait engine ---------------------------------------------- */

/* Why t may not start to acquire: 0 if it may.  dom->lock held. */
static int kgil_acquire_refused(struct kgil_domain *dom, struct kgil_thread *t)
{
	if (t->detached)
		return -EBADF;
	if (dom->holder == t)
		return -EDEADLK;
	if (t->waiter)		/* its io_uring acquire is pending */
		return -EALREADY;
	return 0;
}

int kgil_wait_start(struct kgil_domain *dom, struct kgil_waiter *w, bool try)
{
	int ret = kgil_acquire_refused(dom, w->t);

	lockdep_assert_held(&dom->lock);
	if (ret)
		return ret;
	w->begun = true;
	trace_kgil_acquire_begin(dom, w->t, w->io);
	if (kgil_may_take(dom, w->t, NULL)) {
		kgil_grant(dom, w);
		return 0;
	}
	if (try)
		return -EBUSY;
	kgil_enqueue(dom, w);
	return -EINPROGRESS;
}

ktime_t kgil_wait_arm(struct kgil_domain *dom, struct kgil_waiter *w,
		      ktime_t now)
{
	lockdep_assert_held(&dom->lock);
	w->woken = false;
	w->kicked = false;
	w->armed_ops = dom->ops;
	w->armed_tenure = dom->tenure;
	w->policy_deadline = kgil_policy_wait_deadline(dom, w, now);
	if (w->resumed) {
		/* The cut wait's deadline stands ("Resuming"). */
		w->resumed = false;
		if (w->resume_ops == dom->ops)
			w->policy_deadline = min(w->policy_deadline,
						 w->resume_deadline);
	}
	return w->policy_deadline;
}

int kgil_wait_decided(struct kgil_domain *dom, struct kgil_waiter *w)
{
	lockdep_assert_held(&dom->lock);
	if (w->t->detached)
		return -EBADF;
	return w->granted ? 0 : -EAGAIN;
}

int kgil_wait_eval(struct kgil_domain *dom, struct kgil_waiter *w)
{
	int ret = kgil_wait_decided(dom, w);

	if (ret != -EAGAIN)
		return ret;
	if (kgil_may_take(dom, w->t, w)) {
		kgil_grant(dom, w);
		return 0;
	}
	return -EAGAIN;
}

void kgil_wait_note(struct kgil_domain *dom, struct kgil_waiter *w,
		    ktime_t now)
{
	struct kgil_thread *t = w->t;

	lockdep_assert_held(&dom->lock);
	if (now >= w->policy_deadline) {
		/* Another policy's deadline means nothing to this one. */
		if (dom->ops == w->armed_ops)
			kgil_policy_wait_timeout(dom, w);
	} else if (w->woken && !w->kicked) {
		/* Signalled, but somebody barged in first. */
		w->failed++;
		kgil_count(dom, t, failed_acquires);
		trace_kgil_failed_acquire(dom, t);
	}
}

/*
 * w leaves the queue without the lock; dom->lock held.  The policy passes
 * on what w did for the others (fifo's timing of the holder); and leaving
 * may swallow the signal a release sent w (cond_signal to a thread that
 * then times out): pass it on, or a free lock could sit unclaimed beside
 * sleeping waiters.  Nothing to do for a waiter no longer queued (a
 * detach took it off the queue already: kgil_detach_locked()).
 */
void kgil_abandon(struct kgil_domain *dom, struct kgil_waiter *w)
{
	lockdep_assert_held(&dom->lock);
	if (list_empty(&w->node))
		return;
	kgil_dequeue(dom, w);
	kgil_policy_wait_abort(dom, w);
	if (!dom->holder && !list_empty(&dom->waiters))
		kgil_wake_one(dom);
}

void kgil_wait_end(struct kgil_domain *dom, struct kgil_waiter *w, int ret)
{
	lockdep_assert_held(&dom->lock);
	if (ret)
		kgil_abandon(dom, w);
	else
		kgil_dequeue(dom, w);
	if (w->begun)
		trace_kgil_acquire_end(dom, w, ktime_get_ns() - w->start_ns,
				       ret);
}

/* ---- the sleeping waiter ------------------------------------------ */

/*
 * Adaptive spinning (params.spin_ns, handoff policies).  When a handoff
 * to w is due and the holder is running, the holder will hand over at
 * its next check, or at the end of a short I/O burst.  Sleeping through
 * that makes every handoff pay a wake-up on another CPU (an IPI and an
 * idle exit: microseconds natively, hundreds of them under QEMU TCG)
 * while the lock lies unused, and the holder that just yielded then
 * goes to sleep on its own CPU.  So w spins, as a mutex's optimistic
 * spinning does: not holding dom->lock, still queued, while the holder
 * is on a CPU and w's own CPU is not wanted (need_resched()), until it
 * is granted, a signal comes, the caller's deadline or spin_ns passes.
 * Once per tenure (w->spun_tenure), so a holder that stops checking
 * costs a waiter at most spin_ns of CPU before it sleeps.
 */
static bool kgil_should_spin(struct kgil_domain *dom, struct kgil_waiter *w)
{
	return dom->params.spin_ns && w->task == current && dom->holder &&
	       w->spun_tenure != dom->tenure && kgil_policy_may_spin(dom, w);
}

/*
 * Spin until w->granted, w->t is detached, or one of the ends above.
 * Called and returns with dom->lock held; drops it while spinning.  The
 * releaser (or detach) sets w->granted (w->t->detached) under dom->lock,
 * and w takes dom->lock again before it believes anything else, so
 * READ_ONCE is all the loop needs.  The holder's task is pinned: it may
 * exit while w spins.
 */
static void kgil_spin(struct kgil_domain *dom, struct kgil_waiter *w,
		      ktime_t expires)
	__must_hold(&dom->lock)
{
	struct task_struct *owner;
	struct kgil_thread *t = w->t;
	u64 end = min_t(u64, ktime_get_ns() + dom->params.spin_ns,
			ktime_to_ns(expires));

	/* A detached holder's task may be gone (kgil_grant()). */
	WARN_ON_ONCE(dom->holder->detached);
	owner = get_task_struct(dom->holder->task);
	w->spun_tenure = dom->tenure;
	kgil_count(dom, t, spins);
	spin_unlock(&dom->lock);
	while (!READ_ONCE(w->granted) && !READ_ONCE(t->detached) &&
	       owner_on_cpu(owner) &&
	       !need_resched() && !signal_pending(current) &&
	       ktime_get_ns() < end)
		cpu_relax();
	put_task_struct(owner);
	spin_lock(&dom->lock);
	if (w->granted)
		kgil_count(dom, t, spin_grants);
}

/*
 * Take the lock for w->t, sleeping (or spinning) as needed: the wait
 * engine's steps with a task that waits.  Called and returns with
 * dom->lock held; drops it while waiting.  deadline is the caller's
 * timeout (KTIME_MAX: none); the policy adds its own wake-ups.
 */
static int kgil_wait_and_take(struct kgil_domain *dom, struct kgil_waiter *w,
			      u32 flags, ktime_t deadline)
	__must_hold(&dom->lock)
{
	struct kgil_thread *t = w->t;
	ktime_t now, expires;
	int ret;

	ret = kgil_wait_start(dom, w, flags & KGIL_ACQUIRE_TRY);
	if (ret != -EINPROGRESS)
		return ret;
	now = ktime_get();
	for (;;) {
		expires = min(deadline, kgil_wait_arm(dom, w, now));
		if (kgil_should_spin(dom, w)) {
			kgil_spin(dom, w, expires);
		} else {
			set_current_state(TASK_INTERRUPTIBLE);
			spin_unlock(&dom->lock);
			if (expires == KTIME_MAX)
				schedule();
			else
				schedule_hrtimeout_range(&expires, 0,
							 HRTIMER_MODE_ABS);
			spin_lock(&dom->lock);
		}
		ret = kgil_wait_eval(dom, w);
		if (ret != -EAGAIN)
			return ret;
		if (signal_pending(current)) {
			kgil_count(dom, t, interrupts);
			return -EINTR;
		}
		now = ktime_get();
		if (now >= deadline) {
			kgil_count(dom, t, timeouts);
			return -ETIMEDOUT;
		}
		kgil_wait_note(dom, w, now);
	}
}

/*
 * w is t's wait that a signal cut, if resume_ns names it and w is of the
 * same kind ("Resuming"); either way t has no cut wait left to resume.
 */
static void kgil_wait_resume(struct kgil_thread *t, struct kgil_waiter *w,
			     u64 resume_ns)
{
	if (resume_ns && resume_ns == t->cut.start_ns && w->io == t->cut.io) {
		w->start_ns = t->cut.start_ns;
		w->resumed = true;
		w->resume_deadline = t->cut.deadline;
		w->resume_ops = t->cut.ops;
	}
	t->cut.start_ns = 0;
}

/* A signal cut w: t may resume it ("Resuming"). */
static void kgil_wait_cut(struct kgil_thread *t, const struct kgil_waiter *w)
{
	t->cut.start_ns = w->start_ns;
	t->cut.deadline = w->policy_deadline;
	t->cut.ops = w->armed_ops;
	t->cut.io = w->io;
}

/*
 * ACQUIRE with dom->lock held (and held again on return); yielded: the
 * re-acquire of a CHECK that gave the lock away.
 */
static int kgil_acquire_locked(struct kgil_domain *dom, struct kgil_thread *t,
			       const struct kgil_lock_req *req,
			       struct kgil_lock_res *res, bool yielded)
	__must_hold(&dom->lock)
{
	struct kgil_waiter w = {
		.t = t,
		.task = current,
		.io = req->io,
	};
	int ret;

	INIT_LIST_HEAD(&w.node);
	w.start_ns = ktime_get_ns();
	if (!kgil_acquire_refused(dom, t))
		kgil_wait_resume(t, &w, req->resume_ns);
	ret = kgil_wait_and_take(dom, &w, req->flags, req->deadline);
	/*
	 * A handoff policy leaves the timing of the holder this CHECK has
	 * just made to the yielder, which would queue at the tail here
	 * (kgil_handoff.c, "Liveness").  A yielder that did not queue (TRY,
	 * or refused) hands that duty on, as a waiter leaving the queue
	 * does; one that queued and left has done so in kgil_abandon().
	 */
	if (yielded && (!w.begun || ret == -EBUSY))
		kgil_policy_wait_abort(dom, &w);
	if (!w.begun)
		return ret;
	kgil_wait_end(dom, &w, ret);
	/*
	 * Granted: the wait STATS counted, up to the grant (a handoff's
	 * wake-up after it is not waiting for the lock, which is held).
	 */
	res->wait_ns = ret ? ktime_get_ns() - w.start_ns : w.wait_ns;
	res->failed = w.failed;
	if (!ret) {
		if (w.owner_dead)
			res->result |= KGIL_ACQUIRED_OWNER_DEAD;
		res->switched = w.switched;
	} else if (ret == -EINTR) {
		kgil_wait_cut(t, &w);
		res->resume_ns = w.start_ns;
	} else {
		/* Only a signal leaves a CHECK's re-acquire owed (kgil_check()). */
		t->owes_lock = false;
		t->owes_switch = false;
	}
	return ret;
}

int kgil_acquire(struct kgil_domain *dom, struct kgil_thread *t,
		 const struct kgil_lock_req *req, struct kgil_lock_res *res)
{
	int ret;

	spin_lock(&dom->lock);
	ret = kgil_acquire_locked(dom, t, req, res, false);
	spin_unlock(&dom->lock);
	return ret;
}

/* ---- release ------------------------------------------------------ */

/*
 * After releasing, wait until another thread has taken the lock (forced
 * switch), or until nobody is left to take it, the thread is detached or
 * the policy changed.  Or until the thread holds the lock again: its own
 * io_uring acquire, submitted before the release and issued by io-wq
 * while it sleeps here, can take the free lock first (newgil lets anybody
 * take a free lock), and then no switch comes: sleeping on, it would
 * hold the lock while every waiter waits.  Called and returns with
 * dom->lock held.
 */
static int kgil_wait_switch(struct kgil_domain *dom, struct kgil_thread *t)
	__must_hold(&dom->lock)
{
	u64 gen = dom->policy_gen;
	DEFINE_WAIT(wait);
	int ret = 0;

	dom->nr_switch_waiters++;
	for (;;) {
		if (dom->last_holder != t) {
			kgil_count(dom, t, forced_switches);
			break;
		}
		if (!dom->nr_waiting || t->detached || dom->policy_gen != gen ||
		    dom->holder == t)
			break;
		if (signal_pending(current)) {
			kgil_count(dom, t, interrupts);
			ret = -EINTR;
			break;
		}
		prepare_to_wait(&dom->switch_wq, &wait, TASK_INTERRUPTIBLE);
		spin_unlock(&dom->lock);
		schedule();
		spin_lock(&dom->lock);
	}
	finish_wait(&dom->switch_wq, &wait);
	dom->nr_switch_waiters--;
	return ret;
}

/* Release for reason, with the policy's forced switch if it wants one. */
static int kgil_drop(struct kgil_domain *dom, struct kgil_thread *t,
		     enum kgil_release_reason reason)
	__must_hold(&dom->lock)
{
	bool wait = kgil_policy_switch_wait(dom, t, reason);

	kgil_release_locked(dom, t, reason);
	return wait ? kgil_wait_switch(dom, t) : 0;
}

/* RELEASE (reason explicit) and IO_BEGIN (reason io). */
int kgil_release(struct kgil_domain *dom, struct kgil_thread *t,
		 enum kgil_release_reason reason)
{
	int ret = 0;

	spin_lock(&dom->lock);
	if (t->detached) {
		ret = -EBADF;
	} else if (dom->holder != t) {
		ret = -EPERM;
	} else {
		if (reason == KGIL_REL_IO) {
			kgil_count(dom, t, io_begins);
			t->in_io = true;
		}
		/* Released either way: a signal only cuts the switch wait. */
		kgil_drop(dom, t, reason);
	}
	spin_unlock(&dom->lock);
	return ret;
}

/* ---- check ----------------------------------------------------- */

/*
 * CHECK gives the lock away (release, a forced-switch wait if the policy
 * wants one, then acquire) in one call.  A signal can cut it after the
 * release, when the caller no longer holds the lock: it then owes a
 * re-acquire (t->owes_lock), and the interrupted CHECK either restarts
 * (no handler ran: the ioctl returns -ERESTARTNOHAND) or returns -EINTR.
 * Either way the next CHECK by the thread performs what is owed: the
 * rest of the forced-switch wait, then the acquire, instead of -EPERM.
 * Without that, job control (SIGSTOP/SIGCONT) or a debugger attaching
 * would leave a thread that called CHECK holding nothing, with no way to
 * tell the restarted call from a caller's mistake.
 */
int kgil_check(struct kgil_domain *dom, struct kgil_thread *t,
	       const struct kgil_lock_req *req, struct kgil_lock_res *res)
{
	int ret;

	spin_lock(&dom->lock);
	if (t->detached) {
		ret = -EBADF;
		goto unlock;
	}
	/*
	 * The io_uring acquire's task work (its issue, or the completion of
	 * the request it is linked behind) cut the forced-switch wait, and
	 * the acquire took the lock before this, the restarted CHECK (or
	 * the caller's next, after -EINTR), came: the CHECK it was owed to.
	 * Without this the CHECK found its thread holding, and returned 0
	 * as if it had kept the lock: both calls claimed it.
	 */
	if (dom->holder == t && t->taken_back)
		goto reacquire;
	if (dom->holder != t) {
		if (!t->owes_lock) {
			ret = -EPERM;
			goto unlock;
		}
		if (t->owes_switch) {
			ret = kgil_wait_switch(dom, t);
			if (ret)
				goto unlock;
			t->owes_switch = false;
		}
		goto reacquire;
	}
	kgil_count(dom, t, checks);
	if (kgil_policy_check(dom, t) == KGIL_CHECK_KEEP) {
		ret = 0;
		goto unlock;
	}
	t->owes_lock = true;
	ret = kgil_drop(dom, t, KGIL_REL_CHECK);
	if (ret) {
		t->owes_switch = true;
		goto unlock;
	}
reacquire:
	if (dom->holder == t) {
		/* Its own io_uring acquire took the lock (kgil_grant()). */
		t->taken_back = false;
		ret = -EDEADLK;
		goto unlock;
	}
	/*
	 * A release that left the lock free (legacy's, newgil's signalling
	 * one) is followed by a moment unlocked, as Python 2's release and
	 * acquire were two calls: a waiter that is already running may slip
	 * in.  A handoff (fifo, ioprio) has already made the next holder:
	 * queue at once, or the yielder, if preempted in that moment for
	 * longer than a switch interval, would queue behind a later yielder
	 * and break the strict rotation.
	 */
	if (dom->holder) {
		ret = kgil_acquire_locked(dom, t, req, res, true);
		goto unlock;
	}
	spin_unlock(&dom->lock);
	return kgil_acquire(dom, t, req, res);
unlock:
	spin_unlock(&dom->lock);
	return ret;
}
