// SPDX-License-Identifier: GPL-2.0
/* Statistics: the same counters, with the same meaning, on every backend. */
#include <errno.h>
#include <malloc.h>
#include <string.h>

#include "unit.h"

TestSuite(stats, .timeout = UT_TIMEOUT);

struct visitor {
	struct kgil *g;
	pthread_t thread;
	int err;
	uint32_t id;
	struct kgil_counters c;
};

/* Attach, take the lock twice (holding it 1 ms), read its own counters. */
static void *visitor_main(void *arg)
{
	struct visitor *v = arg;
	int ret = kgil_attach(v->g);

	if (ret < 0)
		goto out;
	v->id = (uint32_t)ret;
	for (int i = 0; i < 2 && ret >= 0; i++) {
		ret = kgil_acquire(v->g, NULL);
		if (ret >= 0) {
			ut_sleep_ms(1);
			ret = kgil_release(v->g);
		}
	}
	if (ret >= 0)
		ret = kgil_thread_stats(v->g, 0, &v->c);
	if (ret >= 0)
		ret = kgil_detach(v->g);
out:
	v->err = ret < 0 ? ret : 0;
	return NULL;
}

Test(stats, consistency)
{
	struct kgil *g = ut_open();
	struct visitor v = { .g = g };
	struct kgil_counters c, me;
	struct kgil_stats s = { .scope = KGIL_STATS_DOMAIN };
	int id;

	id = kgil_attach(g);
	cr_assert_geq(id, 1);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(kgil_acquire(g, NULL), 0);
		ut_sleep_ms(1);
		cr_assert_eq(kgil_release(g), 0);
	}
	cr_assert_eq(pthread_create(&v.thread, NULL, visitor_main, &v), 0);
	pthread_join(v.thread, NULL);
	cr_assert_eq(v.err, 0, "visitor: %s", strerror(-v.err));
	cr_assert_eq(kgil_acquire(g, NULL), 0);

	c = ut_stats(g);
	me = ut_self_stats(g);
	cr_assert_eq(c.acquisitions, c.releases + 1, "acquisitions == releases + holder");
	cr_assert_eq(me.acquisitions, 4);
	cr_assert_eq(me.releases, 3);
	cr_assert_eq(v.c.acquisitions, 2);
	cr_assert_eq(v.c.releases, 2);
	cr_assert_eq(c.acquisitions, me.acquisitions + v.c.acquisitions);
	cr_assert_geq(c.handoffs, 2, "to the visitor and back");
	cr_assert_eq(ut_hist_sum(&c), c.acquisitions);
	cr_assert_eq(ut_hist_sum(&me), me.acquisitions);
	cr_assert_geq(c.total_hold_ns, 5 * 1000000ULL, "five holds of 1 ms");
	cr_assert_leq(c.max_wait_ns, c.total_wait_ns);
	cr_assert_eq(c.failed_acquires, 0);
	cr_assert_eq(c.timeouts, 0);

	cr_assert_eq(kgil_stats_query(g, &s), 0);
	cr_assert_eq(s.holder_id, (uint32_t)id);
	cr_assert_eq(s.nr_threads, 1);
	cr_assert_neq(s.domain_id, 0);
	cr_assert_eq(s.c.acquisitions, c.acquisitions);
	s.scope = KGIL_STATS_THREAD;
	s.id = (uint32_t)id;
	cr_assert_eq(kgil_stats_query(g, &s), 0);
	cr_assert_eq(s.c.acquisitions, 4);

	cr_assert_eq(kgil_release(g), 0);
	s.scope = KGIL_STATS_DOMAIN;
	cr_assert_eq(kgil_stats_query(g, &s), -EINVAL, "a thread id with domain scope");
	s.id = 0;
	cr_assert_eq(kgil_stats_query(g, &s), 0);
	cr_assert_eq(s.holder_id, 0);
	cr_assert_eq(s.c.acquisitions, s.c.releases);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}

Test(stats, bad_arguments)
{
	struct kgil *g = ut_open();
	struct kgil_counters c;
	struct kgil_stats s = { .scope = 7 };

	cr_assert_eq(kgil_stats(g, NULL), -EINVAL);
	cr_assert_eq(kgil_stats(NULL, &c), -EINVAL);
	cr_assert_eq(kgil_stats_query(g, &s), -EINVAL);
	/* The calling thread's counters need an attached caller. */
	cr_assert_lt(kgil_thread_stats(g, 0, &c), 0);
	cr_assert_lt(kgil_thread_stats(g, 12345, &c), 0);
	cr_assert_eq(kgil_close(g), 0);
}

Test(stats, io_and_checks_counted)
{
	struct kgil *g = ut_open();
	struct kgil_counters before, after;

	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	before = ut_self_stats(g);
	cr_assert_eq(kgil_io_begin(g), 0);
	cr_assert_eq(kgil_io_end(g, NULL), 0);
	cr_assert_geq(kgil_check(g, NULL), 0);
	after = ut_self_stats(g);
	cr_assert_eq(after.io_begins, before.io_begins + 1);
	cr_assert_eq(after.checks, before.checks + 1);
	cr_assert_eq(after.acquisitions, before.acquisitions + 1, "io_end reacquires");
	cr_assert_eq(after.releases, before.releases + 1, "io_begin releases");
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}

/* A thread that exits holding the lock: the next owner is told. */
static void *die_holding(void *arg)
{
	struct kgil *g = arg;
	intptr_t ret = kgil_attach(g);

	if (ret >= 0)
		ret = kgil_acquire(g, NULL);
	return (void *)ret;
}

Test(stats, owner_death)
{
	struct kgil *g;
	struct kgil_acquire_info info;
	pthread_t t;
	void *ret;

	ut_require_kernel_feature(KGIL_FEAT_OWNER_DEATH);
	g = ut_open();
	cr_assert_eq(pthread_create(&t, NULL, die_holding, g), 0);
	pthread_join(t, &ret);
	cr_assert_eq((intptr_t)ret, 0);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire_timeout(g, 10000000000ULL, &info), 0);
	cr_assert(info.owner_dead, "not told that the holder died");
	cr_assert_eq(ut_stats(g).owner_deaths, 1);
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_acquire(g, &info), 0);
	cr_assert_not(info.owner_dead, "told only once");
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0, "the dead thread no longer counts as attached");
}

/*
 * A thread's record goes with its detach (issue 25: the user backends
 * kept ~460 bytes a thread until kgil_close, 45 MB for 100,000 short
 * Python threads).  Its counters stay in the domain's, its id is gone
 * (-ENOENT, as the module says), and the next holder's first acquisition
 * is a handoff even if its record reuses the address of the one that left.
 */
Test(stats, detach_frees_the_thread)
{
	struct kgil *g = ut_open();
	struct kgil_counters c;
	struct mallinfo2 before, after;
	enum { ROUNDS = 20000 };
	int id = 0;

	for (int i = 0; i < ROUNDS + 100; i++) {
		if (i == 100)
			before = mallinfo2();
		id = kgil_attach(g);
		cr_assert_geq(id, 1);
		cr_assert_eq(kgil_acquire(g, NULL), 0);
		cr_assert_eq(kgil_release(g), 0);
		cr_assert_eq(kgil_detach(g), 0);
	}
	after = mallinfo2();
	cr_assert_lt(after.uordblks, before.uordblks + 64 * 1024,
		     "the heap grew by %zu bytes over %d attach/detach",
		     after.uordblks - before.uordblks, ROUNDS);
	cr_assert_eq(kgil_thread_stats(g, (uint32_t)id, &c), -ENOENT,
		     "a detached thread's id still answers");
	c = ut_stats(g);
	cr_assert_eq(c.acquisitions, ROUNDS + 100);
	cr_assert_eq(c.releases, ROUNDS + 100);
	cr_assert_eq(ut_hist_sum(&c), c.acquisitions);
	cr_assert_eq(c.handoffs, ROUNDS + 99, "each new thread's take is a handoff");
	cr_assert_eq(kgil_close(g), 0);
}
