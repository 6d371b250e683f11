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

int kgil__ulock_open(struct kgil *g, uint32_t policy, kgil_utake_fn *take,
		     kgil_uletgo_fn *let_go)
{
	struct kgil_ulock *ul = calloc(1, sizeof(*ul));
	int ret;

	if (!ul)
		return -ENOMEM;
	ul->take = take;
	ul->let_go = let_go;
	ret = -pthread_mutex_init(&ul->mutex, NULL);
	if (ret)
		goto err_free;
	ret = init_cond(&ul->cond);
	if (ret)
		goto err_mutex;
	ret = init_cond(&ul->switch_cond);
	if (ret)
		goto err_cond;
	kgil_policy_default(policy, &ul->policy);
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

void kgil__ulock_close(struct kgil *g)
{
	struct kgil_ulock *ul = kgil__ulock(g);

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

int kgil__ulock_set_policy(struct kgil *g, const struct kgil_policy *p)
{
	struct kgil_ulock *ul = kgil__ulock(g);
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

int kgil__ulock_get_policy(struct kgil *g, struct kgil_policy *out)
{
	struct kgil_ulock *ul = kgil__ulock(g);

	pthread_mutex_lock(&ul->mutex);
	*out = ul->policy;
	pthread_mutex_unlock(&ul->mutex);
	return 0;
}

int kgil__ulock_attach(struct kgil *g)
{
	struct kgil_ulock *ul = kgil__ulock(g);
	struct kgil_uthread *rec = calloc(1, sizeof(*rec));

	if (!rec)
		return -ENOMEM;
	pthread_mutex_lock(&ul->mutex);
	rec->id = ul->next_id++;
	rec->attached = true;
	rec->next = ul->threads;
	ul->threads = rec;
	ul->nr_threads++;
	pthread_mutex_unlock(&ul->mutex);
	kgil__self.id = rec->id;
	kgil__self.rec = rec;
	return 0;
}

void kgil__ulock_forget(struct kgil_ulock *ul, struct kgil_uthread *rec)
{
	rec->attached = false;
	ul->nr_threads--;
}

int kgil__ulock_acquire(struct kgil *g, const struct kgil_acq_req *req,
			struct kgil_acquire_info *info)
{
	struct kgil_ulock *ul = kgil__ulock(g);
	int ret = ul->take(ul, kgil__urec(), req, info);

	return ret < 0 ? ret : 0;
}

int kgil__ulock_release(struct kgil *g, bool io)
{
	struct kgil_ulock *ul = kgil__ulock(g);

	ul->let_go(ul, kgil__urec(), io, false);
	return 0;
}

int kgil__ulock_detach(struct kgil *g)
{
	struct kgil_ulock *ul = kgil__ulock(g);

	if (kgil__self.held)
		ul->let_go(ul, kgil__urec(), false, false);
	pthread_mutex_lock(&ul->mutex);
	kgil__ulock_forget(ul, kgil__urec());
	pthread_mutex_unlock(&ul->mutex);
	return 0;
}

/*
 * The thread exits holding the lock: like a robust mutex, release it and
 * tell the next owner.  No forced switch: the thread is going away.
 */
void kgil__ulock_thread_exit(struct kgil *g)
{
	struct kgil_ulock *ul = kgil__ulock(g);
	struct kgil_uthread *rec = kgil__urec();

	pthread_mutex_lock(&ul->mutex);
	if (ul->holder == rec) {
		ul->owner_dead = true;
		rec->c.owner_deaths++;
		kgil__ulock_ungrant(ul, rec, false, false);
		pthread_cond_signal(&ul->cond);
	}
	kgil__ulock_forget(ul, rec);
	pthread_mutex_unlock(&ul->mutex);
}

static struct kgil_uthread *find_thread(struct kgil_ulock *ul, uint32_t id)
{
	for (struct kgil_uthread *rec = ul->threads; rec; rec = rec->next)
		if (rec->id == id)
			return rec;
	return NULL;
}

int kgil__ulock_stats(struct kgil *g, struct kgil_stats *s)
{
	struct kgil_ulock *ul = kgil__ulock(g);
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
		for (rec = ul->threads; rec; rec = rec->next)
			kgil__counters_add(&s->c, &rec->c);
	} else {
		rec = s->id ? find_thread(ul, s->id) : kgil__urec();
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
