// SPDX-License-Identifier: LGPL-2.1
/*
 * Domains and the lock API: argument and thread-state checks, then the
 * backend's operation (libkgil.h).  Threads that exit attached are
 * caught by a pthread key destructor, so the user backends can release a
 * lock whose holder died and the domain's attach count stays right.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "libkgil.h"

static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static int exit_key_err;

static void forget_self(struct kgil *g)
{
	memset(&kgil__tls, 0, sizeof(kgil__tls));
	memset(&kgil__self, 0, sizeof(kgil__self));
	atomic_fetch_sub(&g->nr_attached, 1);
}

/* Runs in an exiting thread that is still attached to g. */
static void on_thread_exit(void *arg)
{
	struct kgil *g = arg;

	if (kgil__tls.g != g)
		return;
	g->ops->thread_exit(g);
	forget_self(g);
}

static void make_exit_key(void)
{
	exit_key_err = pthread_key_create(&exit_key, on_thread_exit);
}

static const struct kgil_ops *ops_for(enum kgil_backend b)
{
	switch (b) {
	case KGIL_BACKEND_KERNEL:
		return &kgil__kernel_ops;
	case KGIL_BACKEND_USER_LEGACY:
	case KGIL_BACKEND_USER_NEWGIL:
		return &kgil__user_ops;
	}
	return NULL;
}

int kgil_open(enum kgil_backend backend, struct kgil **out)
{
	const struct kgil_ops *ops = ops_for(backend);
	struct kgil *g;
	int ret;

	if (!out || !ops)
		return -EINVAL;
	pthread_once(&exit_key_once, make_exit_key);
	if (exit_key_err)
		return -exit_key_err;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->ops = ops;
	g->backend = backend;
	atomic_init(&g->nr_attached, 0);
	ret = ops->open(g);
	if (ret) {
		free(g);
		return ret;
	}
	*out = g;
	return 0;
}

int kgil_close(struct kgil *g)
{
	if (!g)
		return -EINVAL;
	if (atomic_load(&g->nr_attached))
		return -EBUSY;
	g->ops->close(g);
	free(g);
	return 0;
}

int kgil_forget_after_fork(struct kgil *g)
{
	if (!g)
		return -EINVAL;
	if (kgil__tls.g == g) {
		/* No backend call: the lock's state is the parent's. */
		pthread_setspecific(exit_key, NULL);
		memset(&kgil__tls, 0, sizeof(kgil__tls));
		memset(&kgil__self, 0, sizeof(kgil__self));
	}
	/*
	 * The kernel backend's descriptor and shared page are this process's
	 * own references (the parent's file stays open and its lock as it
	 * is).  A user backend's lock was copied as the parent's threads left
	 * it, possibly mid-operation: it is neither used nor destroyed, only
	 * left behind (a few hundred bytes).
	 */
	if (g->backend == KGIL_BACKEND_KERNEL) {
		g->ops->close(g);
		free(g);
	}
	return 0;
}

int kgil_fd_move(struct kgil *g, int min_fd)
{
	if (!g || min_fd < 0)
		return -EINVAL;
	if (g->backend != KGIL_BACKEND_KERNEL)
		return -EOPNOTSUPP;
	return kgil__kernel_fd_move(g, min_fd);
}

int kgil_lost(struct kgil *g)
{
	if (!g)
		return -EINVAL;
	if (g->backend != KGIL_BACKEND_KERNEL)
		return -EOPNOTSUPP;
	kgil__kernel_lose(g);
	if (kgil__tls.g == g) {
		/*
		 * The module detached the thread at the close (->flush), or
		 * will never hear from it again: nothing to tell it.
		 */
		pthread_setspecific(exit_key, NULL);
		forget_self(g);
	}
	return 0;
}

enum kgil_backend kgil_backend_of(const struct kgil *g)
{
	return g->backend;
}

int kgil_fd(const struct kgil *g)
{
	if (!g || g->backend != KGIL_BACKEND_KERNEL)
		return -1;
	return kgil__kernel_fd(g);
}

int kgil_set_policy(struct kgil *g, const struct kgil_policy *p)
{
	if (!g || !p)
		return -EINVAL;
	return g->ops->set_policy(g, p);
}

int kgil_get_policy(struct kgil *g, struct kgil_policy *out)
{
	if (!g || !out)
		return -EINVAL;
	return g->ops->get_policy(g, out);
}

int kgil_attach(struct kgil *g)
{
	int ret;

	if (!g)
		return -EINVAL;
	if (kgil__tls.g)
		return -EBUSY;
	memset(&kgil__self, 0, sizeof(kgil__self));
	ret = g->ops->attach(g);
	if (ret)
		return ret;
	atomic_fetch_add(&g->nr_attached, 1);
	kgil__tls.g = g;
	kgil__tls.countdown = 0;
	kgil__tls.drop = NULL;
	pthread_setspecific(exit_key, g);
	return (int)kgil__self.id;
}

int kgil_detach(struct kgil *g)
{
	int ret = kgil__check_attached(g);

	if (ret)
		return ret;
	ret = g->ops->detach(g);
	if (ret)
		return ret;
	pthread_setspecific(exit_key, NULL);
	forget_self(g);
	return 0;
}

int kgil__acquire(struct kgil *g, const struct kgil_acq_req *req,
		  struct kgil_acquire_info *info)
{
	int ret = kgil__check_attached(g);

	if (ret)
		return ret;
	if (kgil__self.held)
		return -EDEADLK;
	if (info)
		memset(info, 0, sizeof(*info));
	ret = g->ops->acquire(g, req, info);
	if (!ret)
		kgil__tick_on_acquired(g);
	return ret;
}

int kgil_acquire(struct kgil *g, struct kgil_acquire_info *info)
{
	const struct kgil_acq_req req = { 0 };

	return kgil__acquire(g, &req, info);
}

int kgil_acquire_timeout(struct kgil *g, uint64_t timeout_ns,
			 struct kgil_acquire_info *info)
{
	struct kgil_acq_req req = {
		.flags = timeout_ns ? KGIL_ACQUIRE_TIMEOUT : KGIL_ACQUIRE_TRY,
		.timeout_ns = timeout_ns,
	};

	return kgil__acquire(g, &req, info);
}

int kgil_release(struct kgil *g)
{
	int ret = kgil__check_holding(g);

	if (ret)
		return ret;
	ret = g->ops->release(g, false);
	if (!ret)
		kgil__tick_on_released();
	return ret;
}

int kgil_check(struct kgil *g, struct kgil_acquire_info *info)
{
	int ret = kgil__check_holding(g);

	if (ret)
		return ret;
	if (info)
		memset(info, 0, sizeof(*info));
	return kgil__after_check(g, g->ops->check(g, info));
}

int kgil_stats_query(struct kgil *g, struct kgil_stats *s)
{
	uint32_t scope, id;

	if (!g || !s)
		return -EINVAL;
	if (s->scope != KGIL_STATS_DOMAIN && s->scope != KGIL_STATS_THREAD)
		return -EINVAL;
	if (s->scope == KGIL_STATS_DOMAIN && s->id)
		return -EINVAL;
	scope = s->scope;
	id = s->id;
	memset(s, 0, sizeof(*s));
	s->scope = scope;
	s->id = id;
	return g->ops->stats(g, s);
}

static int counters_of(struct kgil *g, uint32_t scope, uint32_t id,
		       struct kgil_counters *out)
{
	struct kgil_stats s = { .scope = scope, .id = id };
	int ret;

	if (!out)
		return -EINVAL;
	ret = kgil_stats_query(g, &s);
	if (!ret)
		*out = s.c;
	return ret;
}

int kgil_stats(struct kgil *g, struct kgil_counters *out)
{
	return counters_of(g, KGIL_STATS_DOMAIN, 0, out);
}

int kgil_thread_stats(struct kgil *g, uint32_t id, struct kgil_counters *out)
{
	return counters_of(g, KGIL_STATS_THREAD, id, out);
}
