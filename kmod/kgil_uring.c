// SPDX-License-Identifier: GPL-2.0
/*
 * KGIL_URING_CMD_ACQUIRE: acquiring the lock through io_uring
 * (IORING_OP_URING_CMD on a /dev/kgil descriptor, file_operations->
 * uring_cmd).  Linked behind an I/O request (IOSQE_IO_HARDLINK), it lets
 * an I/O-bound thread wait for its I/O and then for the lock in one
 * io_uring_enter(), with no IO_END system call.
 *
 * The request belongs to the thread that submitted it (the io_kiocb's
 * task, also when io-wq or task_work issues it); that thread must be
 * attached to the domain (-ENOENT), not hold the lock (-EDEADLK) and not
 * have another acquisition pending (-EALREADY).  After IO_BEGIN it counts
 * as a return from I/O, like IO_END (ioprio's priority).  A free lock
 * the policy lets it take completes the request inline (res 0);
 * otherwise the request becomes a waiter that no task sleeps on: the core
 * calls kgil_uring_notify() where it would wake a sleeping waiter, and
 * the request completes, from its task's context
 * (io_uring_cmd_complete_in_task()), once the lock has been granted:
 * res 0, or KGIL_ACQUIRED_OWNER_DEAD when the previous holder died.
 *
 * The request runs through the core's wait engine (kgil_lock.c) as a
 * sleeping waiter does; only its waiting differs.  Policies time their
 * waiters (newgil's drop request, fifo's switch interval): the deadline
 * a sleeping waiter would sleep until arms an hrtimer here, whose expiry
 * re-evaluates the request in a work item (dom->lock is not taken from
 * interrupt context).
 *
 * Ending a pending request:
 *  - the thread detaches, exits (exit probe) or its process closes the
 *    domain (->flush): completed at once with -EBADF, like a sleeping
 *    waiter;
 *  - the ring is being torn down (closed by its last user), or its task
 *    cancels all its requests (execve() waits for them): completed with
 *    -ECANCELED without taking the lock.  Since 6.7 io_uring says so
 *    (IORING_URING_CMD_CANCELABLE: ->uring_cmd() is called again with
 *    IO_URING_F_CANCEL, kgil_uring_cancel()), from the ring's exit work,
 *    a little after the close.  Before, io_uring cannot cancel a command
 *    and a ring being torn down waits until every request has completed,
 *    so a queued request looks every KGIL_URING_POLL_NS whether it has
 *    been abandoned.  On both, a re-evaluation (a wake-up, the policy's
 *    timer) looks before taking a free lock (kgil_uring_abandoned(),
 *    kgil_compat.h), and so does the issue: io-wq can issue a request
 *    after its ring's close() has returned, and a request whose ring is
 *    dying, or whose task is cancelling its requests or exiting, is not
 *    queued and takes no lock (kgil_uring_unreapable());
 *  - IORING_OP_ASYNC_CANCEL finds nothing to cancel (-ENOENT, the acquire
 *    stays queued): io_uring only cancels io-wq work, polls, timeouts,
 *    futexes and waitids that way.  DETACH is the way to give up a
 *    pending acquire.
 * A request whose grant is never reaped (the ring torn down just after
 * the grant, or the CQE simply ignored) still leaves its thread holding
 * the lock, as a returned ACQUIRE would: the thread must release it.
 *
 * What a thread that closes its ring (the last close) with an acquire
 * pending can rely on (include/uapi/linux/kgil.h says the same):
 *  - a grant decided before the close stays: the thread holds the lock,
 *    and its CQE is lost with the ring.  The issue's check and its grant
 *    are one dom->lock section, and the close kills ctx->refs before it
 *    returns, so the thread's next call (it takes dom->lock) sees which:
 *    ACQUIRE returns -EDEADLK, RELEASE 0 instead of -EPERM;
 *  - once close() has returned, the request takes a free lock neither
 *    when it is issued nor when it is re-evaluated (wake-up, timer);
 *  - except one race left: a request already queued when the ring is
 *    closed stays queued until io_uring cancels it (its exit work, 6.7+)
 *    or it polls (6.1, up to KGIL_URING_POLL_NS), and a release under a
 *    handoff policy (fifo, ioprio) in that interval hands the lock to
 *    it directly (kgil_handoff_pass() does not ask the waiter).  A
 *    thread that must not be left holding the lock DETACHes (the
 *    request ends with -EBADF at once) instead of relying on the close.
 *
 * Submitted before an IO_BEGIN (libkgil's kgil_uring_io_acquire()), the
 * acquire can be issued by io-wq while its thread sleeps in a forced
 * switch wait after that release; if it takes the free lock, that wait
 * ends (kgil_wait_switch()).  A CHECK whose switch wait ends that way
 * returns -EDEADLK: the thread holds the lock, through the request.  So
 * does a CHECK whose wait the request's task work cut (the completion it
 * was linked behind), once restarted after the grant (t->taken_back).
 *
 * Lifetime: the request pins its thread (and so the domain); io_uring
 * holds the file, and so the module, until the request is completed.
 * Once completion is decided (done, under dom->lock) nothing re-arms the
 * timer or the work, and the completion cancels both before freeing.
 * The request may be freed as soon as its completion is queued: io-wq
 * issues it for a task that can run the completion on another CPU before
 * the issuer has returned, so the issuer never looks at it after that
 * (issue 24), and while the issuer still uses it (issuing: it drops the
 * ring's lock to mark the command cancelable, and a ring teardown can
 * cancel it then) nothing completes it but the issuer.
 * tests/kmod/test_uring.c loops over both moments (*_loop).
 */
#include <linux/hrtimer.h>
#include <linux/percpu-refcount.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "kgil_compat.h"
#include "kgil_internal.h"
#include "kgil_trace.h"

/*
 * How often a queued request checks whether it has been abandoned
 * (kernels without cancelable commands).
 */
#define KGIL_URING_POLL_NS	(100 * NSEC_PER_MSEC)

struct kgil_uring_req {
	struct kgil_waiter w;		/* w.notify: kgil_uring_notify() */
	struct io_uring_cmd *cmd;
	struct kgil_domain *dom;
	struct hrtimer timer;		/* the policy's deadline, the ring poll */
	struct work_struct work;	/* re-evaluation, in process context */
	/* protected by dom->lock */
	int res;			/* the CQE's result */
	bool done;			/* completion decided */
	/*
	 * Still in kgil_uring_cmd(), between queueing and marking the
	 * command cancelable: a completion decided meanwhile waits for the
	 * issuer (complete_deferred), or io_uring could free the request
	 * under an io-wq issuer still marking it.
	 */
	bool issuing;
	bool complete_deferred;
};

static struct kgil_uring_req **kgil_uring_pdu(struct io_uring_cmd *cmd)
{
	BUILD_BUG_ON(sizeof(struct kgil_uring_req *) > sizeof(cmd->pdu));
	return (struct kgil_uring_req **)cmd->pdu;
}

/* Task context: the request's thread, or io_uring's fallback work. */
static void kgil_uring_complete(struct io_uring_cmd *cmd,
				unsigned int issue_flags)
{
	struct kgil_uring_req *ureq = *kgil_uring_pdu(cmd);
	int res = ureq->res;

	/* done is set: the work does not re-arm the timer any more. */
	hrtimer_cancel(&ureq->timer);
	cancel_work_sync(&ureq->work);
	kgil_thread_put(ureq->w.t);
	kfree(ureq);
	io_uring_cmd_done(cmd, res, 0, issue_flags);
}

/*
 * Decide the result.  True: the caller completes the request (and may
 * free it) once dom->lock is dropped; false: the issuer is still in
 * kgil_uring_cmd() and completes it when it leaves.
 */
static bool kgil_uring_decide(struct kgil_domain *dom,
			      struct kgil_uring_req *ureq, int ret)
	__must_hold(&dom->lock)
{
	ureq->done = true;
	kgil_wait_end(dom, &ureq->w, ret);
	ureq->res = (!ret && ureq->w.owner_dead) ? KGIL_ACQUIRED_OWNER_DEAD :
						   ret;
	if (ureq->issuing) {
		ureq->complete_deferred = true;
		return false;
	}
	return true;
}

/* Decide the result; the CQE is posted from task context. */
static void kgil_uring_finish(struct kgil_domain *dom,
			      struct kgil_uring_req *ureq, int ret)
	__must_hold(&dom->lock)
{
	if (kgil_uring_decide(dom, ureq, ret))
		io_uring_cmd_complete_in_task(ureq->cmd, kgil_uring_complete);
}

/* Wait, as a sleeping waiter would: until the policy's deadline. */
static void kgil_uring_arm(struct kgil_domain *dom,
			   struct kgil_uring_req *ureq, ktime_t now)
	__must_hold(&dom->lock)
{
	ktime_t poll = KGIL_URING_POLL ?
		       ktime_add_ns(now, KGIL_URING_POLL_NS) : KTIME_MAX;
	ktime_t expires = min(kgil_wait_arm(dom, &ureq->w, now), poll);

	if (expires != KTIME_MAX)
		hrtimer_start(&ureq->timer, expires, HRTIMER_MODE_ABS);
}

/*
 * Woken: the wait engine's evaluation, with a ring torn down as a reason
 * to stop where a sleeping waiter has a signal.
 */
static void kgil_uring_eval(struct kgil_domain *dom,
			    struct kgil_uring_req *ureq)
	__must_hold(&dom->lock)
{
	struct kgil_waiter *w = &ureq->w;
	ktime_t now;
	int ret;

	if (!w->t->detached && kgil_uring_abandoned(ureq->cmd))
		ret = -ECANCELED;
	else
		ret = kgil_wait_eval(dom, w);
	if (ret != -EAGAIN) {
		kgil_uring_finish(dom, ureq, ret);
		return;
	}
	now = ktime_get();
	kgil_wait_note(dom, w, now);
	kgil_uring_arm(dom, ureq, now);
}

static void kgil_uring_work(struct work_struct *work)
{
	struct kgil_uring_req *ureq = container_of(work, struct kgil_uring_req,
						   work);
	struct kgil_domain *dom = ureq->dom;

	spin_lock(&dom->lock);
	if (!ureq->done)
		kgil_uring_eval(dom, ureq);
	spin_unlock(&dom->lock);
}

static enum hrtimer_restart kgil_uring_timer(struct hrtimer *timer)
{
	struct kgil_uring_req *ureq = container_of(timer, struct kgil_uring_req,
						   timer);

	queue_work(system_highpri_wq, &ureq->work);
	return HRTIMER_NORESTART;
}

/*
 * The core woke the request (dom->lock held, possibly while walking
 * dom->waiters: only a grant or a detach, which do not walk it, are
 * finished here; anything else is re-evaluated by the work).
 */
static void kgil_uring_notify(struct kgil_domain *dom, struct kgil_waiter *w)
{
	struct kgil_uring_req *ureq = container_of(w, struct kgil_uring_req, w);
	int ret;

	if (ureq->done)
		return;
	ret = kgil_wait_decided(dom, w);
	if (ret != -EAGAIN)
		kgil_uring_finish(dom, ureq, ret);
	else
		queue_work(system_highpri_wq, &ureq->work);
}

/*
 * io_uring cancels a queued request (IO_URING_F_CANCEL: its ring is torn
 * down, or its task cancels everything, as execve() does), with the
 * ring's lock held.  A request whose completion is already decided is
 * left to it; otherwise it leaves the queue without the lock and is
 * completed here and now, unless its issuer is still in kgil_uring_cmd():
 * an io-wq issuer drops the ring's lock in io_uring_cmd_mark_cancelable(),
 * so the cancel can come before it has left, and freeing the request
 * under it would have it write to freed memory and complete the request
 * twice.  That issuer completes it (complete_deferred); io_uring calls
 * the cancel again meanwhile, and finds it done.
 */
static void kgil_uring_cancel(struct io_uring_cmd *cmd,
			      unsigned int issue_flags)
{
	struct kgil_uring_req *ureq = *kgil_uring_pdu(cmd);
	struct kgil_domain *dom = ureq->dom;
	bool complete = false;

	spin_lock(&dom->lock);
	if (!ureq->done)
		complete = kgil_uring_decide(dom, ureq, -ECANCELED);
	spin_unlock(&dom->lock);
	if (complete)
		kgil_uring_complete(cmd, issue_flags);
}

/* The command area: 16 bytes of a 64-byte SQE, 80 of a 128-byte one. */
static size_t kgil_uring_cmd_size(unsigned int issue_flags)
{
	return (issue_flags & IO_URING_F_SQE128) ? 80 : 16;
}

int kgil_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct kgil_domain *dom = cmd->file->private_data;
	struct kgil_uring_req *ureq;
	struct kgil_thread *t;
	bool queued;
	int ret;

	if (issue_flags & IO_URING_F_CANCEL) {
		kgil_uring_cancel(cmd, issue_flags);
		return 0;
	}
	if (cmd->cmd_op != KGIL_URING_CMD_ACQUIRE)
		return -ENOTTY;
	if (memchr_inv(kgil_uring_cmd_area(cmd), 0,
		       kgil_uring_cmd_size(issue_flags)) ||
	    !kgil_uring_sqe_reserved_zero(cmd))
		return -EINVAL;
	t = kgil_thread_get_task(dom, kgil_uring_cmd_task(cmd));
	if (!t)
		return -ENOENT;
	ureq = kzalloc(sizeof(*ureq), GFP_KERNEL_ACCOUNT);
	if (!ureq) {
		kgil_thread_put(t);
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&ureq->w.node);
	ureq->w.t = t;
	ureq->w.notify = kgil_uring_notify;
	ureq->w.start_ns = ktime_get_ns();
	ureq->cmd = cmd;
	ureq->dom = dom;
	hrtimer_init(&ureq->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	ureq->timer.function = kgil_uring_timer;
	INIT_WORK(&ureq->work, kgil_uring_work);
	*kgil_uring_pdu(cmd) = ureq;

	spin_lock(&dom->lock);
	ureq->w.io = t->in_io;
	/*
	 * io-wq may issue us long after the ring's last close() returned:
	 * a grant now would leave the thread holding the lock with no CQE
	 * to tell it.  Under dom->lock, in the section that grants: a
	 * close() followed by any call of the thread's (which takes
	 * dom->lock) finds either the grant made or the ring dying here.
	 */
	if (kgil_uring_unreapable(cmd))
		ret = -ECANCELED;
	else
		ret = kgil_wait_start(dom, &ureq->w, false);
	queued = ret == -EINPROGRESS;
	if (queued) {
		kgil_uring_arm(dom, ureq, ktime_get());
		ureq->issuing = true;
		ret = -EIOCBQUEUED;
	} else if (!ret && ureq->w.owner_dead) {
		/*
		 * Only a completion can carry the owner's death.  Once it is
		 * queued, ureq is not ours: io-wq issues for a task that can
		 * run the completion, and free ureq, before we return.
		 */
		kgil_uring_finish(dom, ureq, 0);
		ret = -EIOCBQUEUED;
	} else {
		kgil_wait_end(dom, &ureq->w, ret);
	}
	spin_unlock(&dom->lock);
	if (ret != -EIOCBQUEUED) {
		kfree(ureq);
		kgil_thread_put(t);
		return ret;
	}
	if (queued) {
		/*
		 * May sleep (the ring's lock): outside dom->lock.  Nothing
		 * frees ureq while issuing is set, the cancel included.
		 */
		io_uring_cmd_mark_cancelable(cmd, issue_flags);
		spin_lock(&dom->lock);
		ureq->issuing = false;
		if (ureq->complete_deferred)
			io_uring_cmd_complete_in_task(cmd, kgil_uring_complete);
		spin_unlock(&dom->lock);
	}
	return -EIOCBQUEUED;
}
