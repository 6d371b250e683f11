// SPDX-License-Identifier: LGPL-2.1
/* The shared core of the userspace reference GILs (see ulock.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ulock.h"

/* Domain ids of the user backends, unique within the process. */
static atomic_uint_least64_t next_domain_id = 1;

static int init_cond(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int ret;

	/* Deadlines are CLOCK_MONOTONIC, as everywhere in kgil. */
	ret = pthread_condattr_init(&attr);
	if (ret)
		return -ret;
	ret = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return -ret;
}

static struct kgil_ulock *ulock_of(struct kgil *g)
{
	return g->priv;
}

static struct kgil_uthread *self_rec(void)
{
	return kgil__self.rec;
}

static int ulock_open(struct kgil *g)
{
	struct kgil_ulock *ul = calloc(1, sizeof(*ul));
	int ret;

	if (!ul)
		return -ENOMEM;
	ul->pol = g->backend == KGIL_BACKEND_USER_LEGACY ?
		&kgil__upolicy_legacy : &kgil__upolicy_newgil;
	ret = -pthread_mutex_init(&ul->mutex, NULL);
	if (ret)
		goto err_free;
	ret = init_cond(&ul->cond);
	if (ret)
		goto err_mutex;
	ret = init_cond(&ul->switch_cond);
	if (ret)
		goto err_cond;
	kgil_policy_default(ul->pol->policy, &ul->policy);
	ul->domain_id = atomic_fetch_add(&next_domain_id, 1);
	ul->next_id = 1;
	g->priv = ul;
	return 0;

err_cond:
	pthread_cond_destroy(&ul->cond);
err_mutex:
	pthread_mutex_destroy(&ul->mutex);
err_free:
	free(ul);
	return ret;
}

static void ulock_close(struct kgil *g)
{
	struct kgil_ulock *ul = ulock_of(g);

	while (ul->threads) {
		struct kgil_uthread *rec = ul->threads;

		ul->threads = rec->next;
		free(rec);
	}
	pthread_cond_destroy(&ul->switch_cond);
	pthread_cond_destroy(&ul->cond);
	pthread_mutex_destroy(&ul->mutex);
	free(ul);
	g->priv = NULL;
}

static int ulock_set_policy(struct kgil *g, const struct kgil_policy *p)
{
	struct kgil_ulock *ul = ulock_of(g);
	int ret = kgil__policy_validate(p);

	if (ret)
		return ret;
	if (p->policy != ul->policy.policy)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&ul->mutex);
	ul->policy = *p;
	__atomic_store_n(&ul->policy.check_interval, p->check_interval,
			 __ATOMIC_RELAXED);
	pthread_mutex_unlock(&ul->mutex);
	return 0;
}

static int ulock_get_policy(struct kgil *g, struct kgil_policy *out)
{
	struct kgil_ulock *ul = ulock_of(g);

	pthread_mutex_lock(&ul->mutex);
	*out = ul->policy;
	pthread_mutex_unlock(&ul->mutex);
	return 0;
}

static int ulock_attach(struct kgil *g)
{
	struct kgil_ulock *ul = ulock_of(g);
	struct kgil_uthread *rec = calloc(1, sizeof(*rec));

	if (!rec)
		return -ENOMEM;
	pthread_mutex_lock(&ul->mutex);
	rec->id = ul->next_id++;
	rec->next = ul->threads;
	ul->threads = rec;
	ul->nr_threads++;
	pthread_mutex_unlock(&ul->mutex);
	kgil__self.id = rec->id;
	kgil__self.rec = rec;
	return 0;
}

/*
 * Under the mutex: rec leaves for good (not holding: detach lets go first,
 * an exiting holder is ungranted).  No pointer to it may survive, and its
 * counters stay in the domain's sums.
 */
static void ulock_forget(struct kgil_ulock *ul, struct kgil_uthread *rec)
{
	struct kgil_uthread **pp = &ul->threads;

	while (*pp != rec)
		pp = &(*pp)->next;
	*pp = rec->next;
	ul->nr_threads--;
	if (ul->check_releaser == rec) {
		/* Defensive: a check's release is settled inside the check. */
		kgil__count_release(&rec->c, kgil__now_ns() - rec->acquired_at);
		ul->check_releaser = NULL;
	}
	if (ul->last_holder == rec)
		ul->last_holder = &ul->gone;
	kgil__counters_add(&ul->retired, &rec->c);
	free(rec);
}

static int ulock_acquire(struct kgil *g, const struct kgil_acq_req *req,
			struct kgil_acquire_info *info)
{
	struct kgil_ulock *ul = ulock_of(g);
	int ret = ul->pol->take(ul, self_rec(), req, info);

	return ret < 0 ? ret : 0;
}

static int ulock_release(struct kgil *g, bool io)
{
	struct kgil_ulock *ul = ulock_of(g);

	ul->pol->let_go(ul, self_rec(), io, false);
	return 0;
}

static int ulock_detach(struct kgil *g)
{
	struct kgil_ulock *ul = ulock_of(g);

	if (kgil__self.held)
		ul->pol->let_go(ul, self_rec(), false, false);
	pthread_mutex_lock(&ul->mutex);
	ulock_forget(ul, self_rec());
	pthread_mutex_unlock(&ul->mutex);
	return 0;
}

/*
 * The thread exits holding the lock: like a robust mutex, release it and
 * tell the next owner.  No forced switch: the thread is going away.
 */
static void ulock_thread_exit(struct kgil *g)
{
	struct kgil_ulock *ul = ulock_of(g);
	struct kgil_uthread *rec = self_rec();

	pthread_mutex_lock(&ul->mutex);
	if (ul->holder == rec) {
		ul->owner_dead = true;
		rec->c.owner_deaths++;
		kgil__ulock_ungrant(ul, rec, false, false);
		pthread_cond_signal(&ul->cond);
	}
	ulock_forget(ul, rec);
	pthread_mutex_unlock(&ul->mutex);
}

static struct kgil_uthread *find_thread(struct kgil_ulock *ul, uint32_t id)
{
	for (struct kgil_uthread *rec = ul->threads; rec; rec = rec->next)
		if (rec->id == id)
			return rec;
	return NULL;
}

static int ulock_stats(struct kgil *g, struct kgil_stats *s)
{
	struct kgil_ulock *ul = ulock_of(g);
	struct kgil_uthread *rec;
	int ret = 0;

	pthread_mutex_lock(&ul->mutex);
	memset(&s->c, 0, sizeof(s->c));
	s->nr_threads = ul->nr_threads;
	/* A thread inside a check still owns the lock as far as counts go. */
	rec = ul->holder ? ul->holder : ul->check_releaser;
	s->holder_id = rec ? rec->id : 0;
	s->domain_id = ul->domain_id;
	if (s->scope == KGIL_STATS_DOMAIN) {
		s->c = ul->retired;
		for (rec = ul->threads; rec; rec = rec->next)
			kgil__counters_add(&s->c, &rec->c);
	} else {
		rec = s->id ? find_thread(ul, s->id) : self_rec();
		if (rec && (kgil__tls.g == g || s->id))
			s->c = rec->c;
		else
			ret = -ENOENT;
	}
	pthread_mutex_unlock(&ul->mutex);
	return ret;
}

uint64_t kgil__ulock_deadline(const struct kgil_acq_req *req, uint64_t start_ns)
{
	if (!(req->flags & KGIL_ACQUIRE_TIMEOUT))
		return 0;
	return start_ns + req->timeout_ns;
}

int kgil__ulock_wait(struct kgil_ulock *ul, pthread_cond_t *cond,
		     uint64_t deadline_ns)
{
	struct timespec ts;

	if (!deadline_ns)
		return pthread_cond_wait(cond, &ul->mutex);
	ts.tv_sec = (time_t)(deadline_ns / 1000000000ULL);
	ts.tv_nsec = (long)(deadline_ns % 1000000000ULL);
	return pthread_cond_timedwait(cond, &ul->mutex, &ts);
}

/* The clock is read only when a figure needs it: not on a quiet retake. */
static uint64_t lazy_now(uint64_t *now)
{
	if (!*now)
		*now = kgil__now_ns();
	return *now;
}

bool kgil__ulock_grant(struct kgil_ulock *ul, struct kgil_uthread *rec,
		       uint64_t start_ns, uint32_t failed,
		       struct kgil_acquire_info *info)
{
	uint64_t now = 0;
	uint64_t wait = start_ns ? lazy_now(&now) - start_ns : 0;
	struct kgil_uthread *prev = ul->check_releaser;
	bool switched = ul->last_holder != rec;

	ul->locked = true;
	ul->holder = rec;
	if (prev) {
		ul->check_releaser = NULL;
		if (prev == rec) {
			/* Retaken at a check before anyone else came. */
			rec->c.failed_acquires += failed;
			goto out;
		}
		kgil__count_release(&prev->c, (ul->check_released_at ?
					       ul->check_released_at : lazy_now(&now)) -
				    prev->acquired_at);
	}
	if (switched) {
		if (ul->last_holder)
			rec->c.handoffs++;
		ul->last_holder = rec;
		ul->switch_number++;
		pthread_cond_broadcast(&ul->switch_cond);
	}
	kgil__count_acquire(&rec->c, wait, failed);
	rec->acquired_at = lazy_now(&now);
	if (ul->owner_dead) {
		ul->owner_dead = false;
		if (info)
			info->owner_dead = true;
	}
out:
	if (info) {
		info->wait_ns = wait;
		info->failed_attempts = failed;
		info->switched = switched;
	}
	return switched;
}

void kgil__ulock_ungrant(struct kgil_ulock *ul, struct kgil_uthread *rec,
			 bool io, bool by_check)
{
	ul->locked = false;
	ul->holder = NULL;
	if (io)
		rec->c.io_begins++;
	if (by_check) {
		rec->c.checks++;
		ul->check_releaser = rec;
		/*
		 * Nobody waiting: the releaser will almost surely retake it at
		 * once, so spare the clock; should someone else get in first,
		 * its grant time stands for the release time.
		 */
		ul->check_released_at = ul->nr_waiting ? kgil__now_ns() : 0;
		return;
	}
	kgil__count_release(&rec->c, kgil__now_ns() - rec->acquired_at);
}

static int ulock_check(struct kgil *g, struct kgil_acquire_info *info)
{
	struct kgil_ulock *ul = ulock_of(g);

	return ul->pol->check(ul, self_rec(), info);
}

static int ulock_tick(struct kgil *g, struct kgil__tls *t)
{
	struct kgil_ulock *ul = ulock_of(g);

	return ul->pol->tick(ul, self_rec(), t);
}

static void ulock_tick_reload(struct kgil *g, struct kgil__tls *t)
{
	struct kgil_ulock *ul = ulock_of(g);

	ul->pol->tick_reload(ul, t);
}

const struct kgil_ops kgil__user_ops = {
	.open = ulock_open,
	.close = ulock_close,
	.set_policy = ulock_set_policy,
	.get_policy = ulock_get_policy,
	.attach = ulock_attach,
	.detach = ulock_detach,
	.thread_exit = ulock_thread_exit,
	.acquire = ulock_acquire,
	.release = ulock_release,
	.check = ulock_check,
	.tick = ulock_tick,
	.tick_reload = ulock_tick_reload,
	.stats = ulock_stats,
};
