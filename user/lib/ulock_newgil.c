// SPDX-License-Identifier: LGPL-2.1
/*
 * user-newgil: the GIL of CPython 3.2 and later (Python/ceval_gil.c), in
 * userspace.
 *
 * take_gil: a thread that finds the lock taken waits on the condition
 * variable for at most the switch interval.  If that wait times out and
 * no switch happened meanwhile (switch_number unchanged), it sets the drop
 * request and waits again.  The holder sees the request at its next check
 * (kgil_tick reads the word, like the eval breaker), drops the lock and,
 * with forced switching, waits on switch_cond until another thread has
 * actually taken it, so that it cannot win the lock straight back as
 * Python 2's releaser did.  The taker clears the request.
 *
 * CPython guards switch_cond with a second mutex and checks the request
 * after unlocking the first; here one mutex guards both condition
 * variables, which gives the same orderings (the releaser cannot miss the
 * taker's signal) with one lock less to reason about.
 *
 * Additions CPython does not need: acquisitions with a deadline (a waiter
 * that gives up wakes a releaser in a forced switch, which stops waiting
 * when no waiter is left), and the counters.
 */
#include <errno.h>

#include "ulock.h"

static void set_drop_request(struct kgil_ulock *ul, uint32_t v)
{
	__atomic_store_n(&ul->drop_request, v, __ATOMIC_RELEASE);
}

static int take_gil(struct kgil_ulock *ul, struct kgil_uthread *rec,
		    const struct kgil_acq_req *req,
		    struct kgil_acquire_info *info)
{
	uint64_t start = 0, deadline;
	uint32_t failed = 0;
	bool switched;

	pthread_mutex_lock(&ul->mutex);
	if (!ul->locked)
		goto ready;
	if (req->flags & KGIL_ACQUIRE_TRY) {
		pthread_mutex_unlock(&ul->mutex);
		return -EBUSY;
	}
	start = kgil__now_ns();
	deadline = kgil__ulock_deadline(req, start);
	ul->nr_waiting++;
	while (ul->locked) {
		uint64_t saved_switchnum = ul->switch_number;
		uint64_t wake = kgil__now_ns() + ul->policy.switch_interval_ns;
		bool limited = false;
		int r;

		if (deadline && deadline <= wake) {
			wake = deadline;
			limited = true;
		}
		r = kgil__ulock_wait(ul, &ul->cond, wake);
		if (!ul->locked)
			break;
		if (r != ETIMEDOUT) {
			failed++;
			continue;
		}
		if (limited) {
			ul->nr_waiting--;
			rec->c.timeouts++;
			pthread_cond_broadcast(&ul->switch_cond);
			pthread_mutex_unlock(&ul->mutex);
			return -ETIMEDOUT;
		}
		/* A whole interval and nobody switched: ask the holder. */
		if (ul->switch_number == saved_switchnum && !ul->drop_request) {
			set_drop_request(ul, 1);
			rec->c.drop_requests++;
		}
	}
	ul->nr_waiting--;
ready:
	switched = kgil__ulock_grant(ul, rec, start, failed, info);
	/* The request was for the previous holder; it has been served. */
	if (ul->drop_request)
		set_drop_request(ul, 0);
	pthread_mutex_unlock(&ul->mutex);
	return switched;
}

static void drop_gil(struct kgil_ulock *ul, struct kgil_uthread *rec,
		     bool io, bool by_check)
{
	pthread_mutex_lock(&ul->mutex);
	kgil__ulock_ungrant(ul, rec, io, by_check);
	pthread_cond_signal(&ul->cond);
	if ((ul->policy.flags & KGIL_POLICY_FORCE_SWITCH) && ul->drop_request) {
		/* Not switched yet: wait until someone has taken it. */
		set_drop_request(ul, 0);
		rec->c.forced_switches++;
		while (ul->last_holder == rec && ul->nr_waiting > 0)
			kgil__ulock_wait(ul, &ul->switch_cond, 0);
	}
	pthread_mutex_unlock(&ul->mutex);
}

/*
 * The eval breaker's "give another thread a chance": only when a drop was
 * requested.  A check without a request does nothing (but is counted).
 */
static int newgil_check(struct kgil_ulock *ul, struct kgil_uthread *rec,
			struct kgil_acquire_info *info)
{
	const struct kgil_acq_req req = { 0 };

	if (!__atomic_load_n(&ul->drop_request, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&ul->mutex);
		rec->c.checks++;
		pthread_mutex_unlock(&ul->mutex);
		return 0;
	}
	drop_gil(ul, rec, false, true);
	/* Other threads may run now. */
	return take_gil(ul, rec, &req, info);
}

/* A drop request, or only the refresh period (tick.c reloads it). */
static int newgil_tick(struct kgil_ulock *ul, struct kgil_uthread *rec,
		       const struct kgil__tls *t)
{
	if (!*t->drop)
		return 0;
	return newgil_check(ul, rec, NULL);
}

static void newgil_tick_reload(struct kgil_ulock *ul, struct kgil__tls *t)
{
	t->interval = KGIL_TICK_REFRESH;
	t->countdown = KGIL_TICK_REFRESH;
	t->drop = &ul->drop_request;
}

const struct kgil_upolicy kgil__upolicy_newgil = {
	.policy = KGIL_POLICY_NEWGIL,
	.take = take_gil,
	.let_go = drop_gil,
	.check = newgil_check,
	.tick = newgil_tick,
	.tick_reload = newgil_tick_reload,
};
