// SPDX-License-Identifier: LGPL-2.1
/*
 * user-legacy: the GIL of Python 2, in userspace.
 *
 * Python 2's lock (thread_pthread.h, the mutex + condition variable
 * variant) is a "locked" flag guarded by a mutex; acquiring waits on the
 * condition variable while the flag is set, releasing clears it, unlocks
 * the mutex and then signals one waiter.  The interpreter (ceval.c) counts
 * down check_interval "ticks" and then releases the lock and immediately
 * acquires it again ("other threads may run now").
 *
 * Nothing hands the lock to the woken waiter: the signal only makes it
 * runnable, and by the time it runs and takes the mutex the releasing
 * thread, which never stopped running, has usually set the flag again.
 * The waiter finds it taken (a failed acquisition) and sleeps again.  On a
 * multicore machine this battle is what made two CPU-bound threads slower
 * than one; the counters make it visible.
 */
#include <errno.h>

#include "ulock.h"

/* Python 2's PyThread_acquire_lock(lock, 1), with a deadline or a try. */
static int legacy_take(struct kgil_ulock *ul, struct kgil_uthread *rec,
		       const struct kgil_acq_req *req,
		       struct kgil_acquire_info *info)
{
	uint64_t start = 0, deadline;
	uint32_t failed = 0;
	bool switched;

	pthread_mutex_lock(&ul->mutex);
	if (ul->locked) {
		if (req->flags & KGIL_ACQUIRE_TRY) {
			pthread_mutex_unlock(&ul->mutex);
			return -EBUSY;
		}
		start = kgil__now_ns();
		deadline = kgil__ulock_deadline(req, start);
		ul->nr_waiting++;
		while (ul->locked) {
			int r = kgil__ulock_wait(ul, &ul->cond, deadline);

			if (!ul->locked)
				break;
			if (r == ETIMEDOUT) {
				ul->nr_waiting--;
				rec->c.timeouts++;
				pthread_mutex_unlock(&ul->mutex);
				return -ETIMEDOUT;
			}
			/* Woken, but the releaser took it back first. */
			failed++;
		}
		ul->nr_waiting--;
	}
	switched = kgil__ulock_grant(ul, rec, start, failed, info);
	pthread_mutex_unlock(&ul->mutex);
	return switched;
}

/* Python 2's PyThread_release_lock: clear, unlock, then signal. */
static void legacy_let_go(struct kgil_ulock *ul, struct kgil_uthread *rec,
			  bool io, bool by_check)
{
	pthread_mutex_lock(&ul->mutex);
	kgil__ulock_ungrant(ul, rec, io, by_check);
	pthread_mutex_unlock(&ul->mutex);
	pthread_cond_signal(&ul->cond);
}

/* ceval.c's periodic check: release, let others run, acquire again. */
static int legacy_check(struct kgil_ulock *ul, struct kgil_uthread *rec,
			struct kgil_acquire_info *info)
{
	const struct kgil_acq_req req = { 0 };

	legacy_let_go(ul, rec, false, true);
	/* Other threads may run now. */
	return legacy_take(ul, rec, &req, info);
}

/* The ticker ran out (tick.c reloads it afterwards). */
static int legacy_tick(struct kgil_ulock *ul, struct kgil_uthread *rec,
		       const struct kgil__tls *t)
{
	(void)t;
	return legacy_check(ul, rec, NULL);
}

static void legacy_tick_reload(struct kgil_ulock *ul, struct kgil__tls *t)
{
	t->interval = (int32_t)__atomic_load_n(&ul->policy.check_interval,
					       __ATOMIC_RELAXED);
	t->countdown = t->interval;
	t->drop = NULL;
}

const struct kgil_upolicy kgil__upolicy_legacy = {
	.policy = KGIL_POLICY_LEGACY,
	.take = legacy_take,
	.let_go = legacy_let_go,
	.check = legacy_check,
	.tick = legacy_tick,
	.tick_reload = legacy_tick_reload,
};
