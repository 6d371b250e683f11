// SPDX-License-Identifier: GPL-2.0
/*
 * The lock under contention: mutual exclusion with many threads and
 * switches, and waits that signals interrupt.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "dt.h"
#include "raw.h"

#define NTHREADS 8

/* Each test's own domain and its page, fresh (setup() opens them). */
static int fd = -1;
static const volatile struct kgil_shared *sh;
static void setup(void) { dt_domain_open(&fd, &sh); }
static void teardown(void) { dt_domain_close(&fd, &sh); }
TestSuite(lock, .init = setup, .fini = teardown, .timeout = 300);

static void check_exclusion(struct dt_interp *in, long ticks, long counter)
{
	struct kgil_stats st;

	for (int i = 0; i < NTHREADS; i++) {
		cr_assert_eq(in[i].err, 0, "thread %d: %s", i, strerror(-in[i].err));
		cr_assert_eq(in[i].violations, 0,
			     "thread %d ran while the page named another holder", i);
	}
	cr_assert_eq(counter, NTHREADS * ticks, "lost updates: %ld of %ld",
		     counter, NTHREADS * ticks);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.holder_id, 0);
	cr_assert_eq(st.nr_threads, 0);
	cr_assert_eq(st.c.acquisitions, st.c.releases,
		     "every acquisition is matched by a release");
}

/*
 * 8 threads x KGIL_TEST_CHECKS CHECKs under legacy, the policy that
 * releases and retakes at every one: a counter that only the lock
 * protects stays exact.  The default, 25000, keeps `make test` short
 * under TCG (a CHECK costs tens of microseconds there);
 * KGIL_TEST_CHECKS=100000 is the full run.
 */
Test(lock, mutual_exclusion_legacy_8_threads)
{
	long ticks = dt_env_long("KGIL_TEST_CHECKS", 25000);
	struct dt_interp in[NTHREADS];
	volatile long counter = 0;
	struct kgil_stats st;
	uint64_t t0 = now_ns();

	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_LEGACY, 0, 5000000), 0);
	dt_interp_init(in, NTHREADS, fd, sh, ticks, 20, 1, DT_CHECK_ALWAYS, &counter);
	dt_interp_all(in, NTHREADS);
	check_exclusion(in, ticks, counter);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.checks, NTHREADS * ticks);
	/* Legacy: every CHECK is one release and one acquisition. */
	cr_assert_eq(st.c.acquisitions, NTHREADS * (ticks + 1));
	cr_log_info("legacy 8x%ld checks: %.2f s, handoffs %llu, failed %llu\n",
		    ticks, (now_ns() - t0) / 1e9,
		    (unsigned long long)st.c.handoffs,
		    (unsigned long long)st.c.failed_acquires);
}

/*
 * The same under newgil with a short interval (many forced switches);
 * ticks are cheap here (a CHECK only on a drop request): 100000 each.
 */
Test(lock, mutual_exclusion_newgil_8_threads)
{
	long ticks = 4 * dt_env_long("KGIL_TEST_CHECKS", 25000);
	struct dt_interp in[NTHREADS];
	volatile long counter = 0;
	struct kgil_stats st;

	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_NEWGIL,
				   KGIL_POLICY_FORCE_SWITCH, 20000), 0);
	dt_interp_init(in, NTHREADS, fd, sh, ticks, 20, 1, DT_CHECK_DROP, &counter);
	dt_interp_all(in, NTHREADS);
	check_exclusion(in, ticks, counter);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_gt(st.c.drop_requests, 0);
	cr_assert_gt(st.c.handoffs, 0);
	cr_log_info("newgil 8x%ld ticks: handoffs %llu, drop requests %llu, forced %llu\n",
		    ticks, (unsigned long long)st.c.handoffs,
		    (unsigned long long)st.c.drop_requests,
		    (unsigned long long)st.c.forced_switches);
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct waiter_arg {
	int fd;
	uint32_t flags;
	uint64_t timeout_ns;
	int id;
	int ret;
	struct kgil_acquire a;
	pid_t tid;
	volatile int started;
	volatile int done;
};

/* Attach (if not yet) and make one ACQUIRE; report what it returned. */
static void *waiter_thread(void *p)
{
	struct waiter_arg *w = p;

	w->tid = gettid();
	w->id = raw_attach(w->fd);
	w->started = 1;
	w->ret = raw_acquire(w->fd, w->flags, w->timeout_ns, &w->a);
	w->done = 1;
	return NULL;
}

Test(lock, signal_interrupts_a_waiting_acquire)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct waiter_arg w = { .fd = fd };
	struct kgil_stats st;
	pthread_t th;
	int me = raw_attach(fd);

	/* No SA_RESTART, and the module never restarts anyway. */
	sigaction(SIGUSR1, &sa, NULL);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	pthread_create(&th, NULL, waiter_thread, &w);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, 10000000000ull),
		  "the waiter never queued");
	sleep_ns(20000000);
	cr_assert_eq(w.done, 0, "ACQUIRE returned while the lock was held");
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);
	cr_assert_eq(w.ret, -EINTR);
	cr_assert_geq(w.a.wait_ns, 20000000ull);
	cr_assert_eq(sh->nr_waiting, 0);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.holder_id, (uint32_t)me, "the interrupted waiter took nothing");
	cr_assert_eq(st.c.interrupts, 1);
	cr_assert(dt_wait_gone(fd, (uint32_t)w.id, 0),
		  "the waiter thread exited and was not detached");
}

Test(lock, waiter_gets_the_lock_on_release)
{
	struct waiter_arg w = { .fd = fd };
	struct kgil_stats st;
	pthread_t th;

	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	pthread_create(&th, NULL, waiter_thread, &w);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, 10000000000ull));
	sleep_ns(10000000);
	cr_assert_eq(raw_release(fd), 0);
	pthread_join(th, NULL);
	cr_assert_eq(w.ret, 0);
	cr_assert_geq(w.a.wait_ns, 10000000ull);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.handoffs, 1);
	cr_assert_geq(st.c.max_wait_ns, 10000000ull);
}
