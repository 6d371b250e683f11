// SPDX-License-Identifier: GPL-2.0
/*
 * Mutual exclusion: 8 threads update state that nothing but the lock
 * protects (plain loads and stores, no atomics), ticking between updates
 * so that the policy switches them, and releasing/reacquiring now and
 * then.  Any overlap loses an increment or trips the "inside" marker.
 */
#include <errno.h>
#include <string.h>

#include "unit.h"

#define NTHREADS 8
#define ITERS 20000
#define RELEASE_EVERY 100

static struct kgil *g;
static volatile long counter;
static volatile int inside;
static int overlaps;
static int errors[NTHREADS];
static struct kgil_counters mine[NTHREADS];
static pthread_barrier_t start;

static void *worker(void *arg)
{
	int n = (int)(intptr_t)arg, ret;

	ret = kgil_attach(g);
	pthread_barrier_wait(&start);
	if (ret < 0)
		goto out;
	ret = kgil_acquire(g, NULL);
	for (int i = 0; i < ITERS && ret >= 0; i++) {
		long v;

		if (inside++)
			overlaps++;
		v = counter;
		for (volatile int spin = 0; spin < 50; spin++)
			;
		counter = v + 1;
		inside--;
		ret = kgil_tick();
		if (ret >= 0 && i % RELEASE_EVERY == RELEASE_EVERY - 1) {
			ret = kgil_release(g);
			if (!ret)
				ret = kgil_acquire(g, NULL);
		}
	}
	if (ret >= 0)
		ret = kgil_release(g);
	if (ret >= 0)
		ret = kgil_thread_stats(g, 0, &mine[n]);
	if (ret >= 0)
		ret = kgil_detach(g);
out:
	errors[n] = ret < 0 ? ret : 0;
	return NULL;
}

static void run_workers(void)
{
	pthread_t t[NTHREADS];
	struct kgil_counters c, sum = { 0 };

	counter = 0;
	overlaps = 0;
	memset(mine, 0, sizeof(mine));

	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i), 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < NTHREADS; i++)
		cr_assert_eq(errors[i], 0, "thread %d: %s", i, strerror(-errors[i]));
	cr_assert_eq(overlaps, 0, "%d overlapping critical sections", overlaps);
	cr_assert_eq(counter, (long)NTHREADS * ITERS, "lost updates: %ld of %ld",
		     counter, (long)NTHREADS * ITERS);

	c = ut_stats(g);
	for (int i = 0; i < NTHREADS; i++) {
		sum.acquisitions += mine[i].acquisitions;
		sum.releases += mine[i].releases;
		cr_assert_eq(mine[i].acquisitions, mine[i].releases);
		cr_assert_geq(mine[i].acquisitions, ITERS / RELEASE_EVERY);
	}
	cr_assert_eq(c.acquisitions, c.releases, "nobody holds it any more");
	cr_assert_eq(c.acquisitions, sum.acquisitions);
	cr_assert_eq(c.releases, sum.releases);
	cr_assert_geq(c.handoffs, NTHREADS - 1);
	cr_assert_eq(ut_hist_sum(&c), c.acquisitions);
	pthread_barrier_destroy(&start);
	cr_assert_eq(kgil_close(g), 0);
}

TestSuite(exclusion, .timeout = UT_TIMEOUT);

Test(exclusion, legacy_eight_threads)
{
	g = ut_open();
	ut_use_policy(g, KGIL_POLICY_LEGACY, 10, 0);
	run_workers();
}

Test(exclusion, newgil_eight_threads)
{
	g = ut_open();
	ut_use_policy(g, KGIL_POLICY_NEWGIL, 0, 200000);
	run_workers();
}

Test(exclusion, default_policy_eight_threads)
{
	g = ut_open();
	run_workers();
}

/* Kernel: the policies of our own (fifo, ioprio) that the module has. */
Test(exclusion, every_other_announced_policy)
{
	struct kgil_features f;
	int n = 0;

	if (!ut_is_kernel())
		cr_skip_test("kernel policies");
	cr_assert_eq(kgil_query_features(-1, &f), 0);
	for (uint32_t id = KGIL_POLICY_FIFO; id <= KGIL_POLICY_MAX; id++) {
		/* A BPF policy needs one loaded, and is chosen by name. */
		if (!(f.features & KGIL_FEAT_POLICY(id)) || id == KGIL_POLICY_BPF)
			continue;
		g = ut_open();
		ut_use_policy(g, id, 10, 200000);
		run_workers();
		n++;
	}
	if (!n)
		cr_skip_test("the module has only legacy and newgil");
}
