// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/clock.h"
#include "bench/crew.h"

void crew_start(struct crew_member *m)
{
	if (m->started)
		return;
	m->started = true;
	pthread_barrier_wait(&m->crew->start);
}

void crew_finish(struct crew_member *m)
{
	struct crew *c = m->crew;
	double t = now_s();

	pthread_mutex_lock(&c->mu);
	if (t > c->t_end)
		c->t_end = t;
	c->done++;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void crew_fail(struct crew_member *m, int err)
{
	struct crew *c = m->crew;

	pthread_mutex_lock(&c->mu);
	if (!c->err)
		c->err = err;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	/* The others must not wait for this one forever. */
	atomic_store(&c->stop, 1);
}

static void *trampoline(void *p)
{
	struct crew_member *m = p;
	int ret = m->crew->fn(m);

	if (ret < 0) {
		crew_fail(m, ret);
		/* A worker that failed before starting still owes the barrier. */
		crew_start(m);
	}
	return NULL;
}

int crew_run(int n, int (*fn)(struct crew_member *m), void *arg,
	     double cap_s, double *wall_s, bool *capped)
{
	struct crew c = { .n = n, .fn = fn, .arg = arg };
	struct crew_member *m = calloc(n, sizeof(*m));
	pthread_t *tid = calloc(n, sizeof(*tid));
	int started = 0, ret;

	if (!m || !tid) {
		free(m);
		free(tid);
		return -ENOMEM;
	}
	pthread_barrier_init(&c.start, NULL, n + 1);
	pthread_mutex_init(&c.mu, NULL);
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c.cv, &ca);
	pthread_condattr_destroy(&ca);
	for (int i = 0; i < n; i++) {
		m[i] = (struct crew_member){ .crew = &c, .idx = i, .arg = arg };
		ret = pthread_create(&tid[i], NULL, trampoline, &m[i]);
		if (ret) {
			/* The barrier counts on every thread: cannot go on. */
			fprintf(stderr, "kgil: pthread_create: %s\n", strerror(ret));
			abort();
		}
		started++;
	}
	pthread_barrier_wait(&c.start);
	c.t0 = now_s();
	if (capped)
		*capped = false;

	pthread_mutex_lock(&c.mu);
	while (c.done < n && !c.err) {
		if (cap_s > 0) {
			uint64_t deadline = (uint64_t)((c.t0 + cap_s) * 1e9);
			struct timespec ts = {
				.tv_sec = deadline / 1000000000ULL,
				.tv_nsec = deadline % 1000000000ULL,
			};

			if (now_ns() >= deadline) {
				atomic_store(&c.stop, 1);
				if (capped)
					*capped = true;
				break;
			}
			pthread_cond_timedwait(&c.cv, &c.mu, &ts);
		} else {
			pthread_cond_wait(&c.cv, &c.mu);
		}
	}
	pthread_mutex_unlock(&c.mu);
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	if (wall_s)
		*wall_s = (c.t_end > c.t0 ? c.t_end : now_s()) - c.t0;
	pthread_barrier_destroy(&c.start);
	pthread_mutex_destroy(&c.mu);
	pthread_cond_destroy(&c.cv);
	free(m);
	free(tid);
	return c.err;
}
