// SPDX-License-Identifier: GPL-2.0
/*
 * The policies' behaviour: legacy's GIL battle, newgil's drop request
 * after the switch interval and its forced switch, and policy changes
 * while threads wait and run.  Timing bounds are tolerant (TCG).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "dt.h"
#include "raw.h"

/* Each test's own domain and its page, fresh (setup() opens them). */
static int fd = -1;
static const volatile struct kgil_shared *sh;
static void setup(void) { dt_domain_open(&fd, &sh); }
static void teardown(void) { dt_domain_close(&fd, &sh); }
TestSuite(policy, .init = setup, .fini = teardown, .timeout = 300);

/*
 * Two CPU-bound threads, a check every 100 ticks, the CHECK syscall only
 * when somebody waits: the releaser keeps winning the lock back, the
 * signalled waiter wakes to find it taken.
 */
Test(policy, legacy_two_cpu_bound_threads_battle)
{
	long ticks = dt_env_long("KGIL_TEST_BATTLE_TICKS", 1000000);
	struct dt_interp in[2];
	struct kgil_stats st;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cr_skip_test("needs 2 CPUs");
	cr_assert_gt(dt_legacy_battle(fd, sh, ticks, 10, in), 0,
		     "no failed attempt: no battle");
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_log_info("legacy battle: checks %llu, failed attempts %llu, handoffs %llu\n",
		    (unsigned long long)st.c.checks,
		    (unsigned long long)st.c.failed_acquires,
		    (unsigned long long)st.c.handoffs);
	/* No handoff guarantee: most checks give nothing away. */
	cr_assert_lt(st.c.handoffs * 2, st.c.checks);
	cr_assert_eq(st.c.drop_requests, 0);
	cr_assert_eq(st.c.forced_switches, 0);
}

struct timed_waiter {
	int fd;
	uint32_t id;
	uint64_t start_ns;	/* just before ACQUIRE */
	uint64_t got_ns;	/* when ACQUIRE returned */
	uint64_t hold_ns;	/* how long to keep it */
	int ret;
	struct kgil_acquire a;
};

static void *timed_waiter(void *p)
{
	struct timed_waiter *w = p;
	int id = raw_attach(w->fd);

	if (id < 0) {
		w->ret = id;
		return NULL;
	}
	w->id = (uint32_t)id;
	w->start_ns = now_ns();
	w->ret = raw_acquire(w->fd, 0, 0, &w->a);
	w->got_ns = now_ns();
	if (!w->ret) {
		sleep_ns(w->hold_ns);
		raw_release(w->fd);
	}
	raw_detach(w->fd);
	return NULL;
}

/*
 * This thread attaches and takes the lock under policy; a timed waiter
 * thread queues behind it.  Returns this thread's id.
 */
static int hold_with_waiter(struct timed_waiter *w, pthread_t *th,
			    uint32_t policy, uint32_t flags, uint64_t interval)
{
	int me = raw_attach(fd);

	cr_assert_geq(me, 1);
	cr_assert_eq(dt_set_policy(fd, policy, flags, interval), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	w->fd = fd;
	pthread_create(th, NULL, timed_waiter, w);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, 10000000000ull),
		  "the waiter never queued");
	return me;
}

Test(policy, newgil_drop_request_after_switch_interval_and_forced_switch)
{
	const uint64_t interval = 20000000;	/* 20 ms */
	struct timed_waiter w = { .hold_ns = 5000000 };
	struct kgil_stats st;
	struct kgil_acquire a;
	uint64_t drop_ns, delay;
	pthread_t th;
	int me = hold_with_waiter(&w, &th, KGIL_POLICY_NEWGIL,
				  KGIL_POLICY_FORCE_SWITCH, interval);

	drop_ns = dt_spin_until_drop(sh, 10000000000ull);
	cr_assert_neq(drop_ns, 0, "no drop request within 10 s");
	delay = drop_ns - w.start_ns;
	cr_log_info("drop request %.3f ms after the waiter started (interval %.1f ms)\n",
		    delay / 1e6, interval / 1e6);
	/* An hrtimer never fires early; TCG may make it late. */
	cr_assert_geq(delay, interval, "drop request after %llu ns",
		      (unsigned long long)delay);
	cr_assert_lt(delay, interval + 500000000ull);
	cr_assert_eq(sh->holder_id, (uint32_t)me);

	/* The check gives the lock away and waits until the waiter took it. */
	cr_assert_eq(raw_check(fd, &a), 0);
	pthread_join(th, NULL);
	cr_assert_eq(w.ret, 0);
	cr_assert(a.result & KGIL_ACQUIRED_SWITCHED);
	cr_assert_lt(w.got_ns, now_ns());
	cr_assert_eq(sh->drop_request, 0, "the taker consumed the request");
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.drop_requests, 1);
	cr_assert_eq(st.c.forced_switches, 1);
	cr_assert_eq(st.c.handoffs, 2);
	cr_assert_eq(raw_thread_stats(fd, (uint32_t)me, &st), 0);
	cr_assert_eq(st.c.forced_switches, 1);
	cr_assert_eq(st.c.drop_requests, 0, "the requester is counted, not the holder");
	cr_assert_eq(raw_release(fd), 0);
}

/* As drop_gil() does for any release: IO_BEGIN with a pending request
 * also waits until the requester has the lock. */
Test(policy, newgil_io_begin_with_a_drop_request_forces_the_switch)
{
	struct timed_waiter w = { .hold_ns = 200000000 };
	struct kgil_stats st;
	pthread_t th;

	hold_with_waiter(&w, &th, KGIL_POLICY_NEWGIL, KGIL_POLICY_FORCE_SWITCH,
			 5000000);
	cr_assert_neq(dt_spin_until_drop(sh, 10000000000ull), 0);
	cr_assert_eq(raw_io_begin(fd), 0);
	/* Back from IO_BEGIN only once the waiter holds the lock. */
	cr_assert_eq(sh->holder_id, w.id);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.forced_switches, 1);
	cr_assert_eq(raw_io_end(fd, NULL), 0);
	pthread_join(th, NULL);
	cr_assert_eq(w.ret, 0);
}

Test(policy, newgil_without_forced_switching_does_not_wait)
{
	struct timed_waiter w = { 0 };
	struct kgil_stats st;
	struct kgil_acquire a;
	pthread_t th;

	hold_with_waiter(&w, &th, KGIL_POLICY_NEWGIL, 0, 5000000);
	cr_assert_neq(dt_spin_until_drop(sh, 10000000000ull), 0);
	/* Release and retake at once: it may win or lose, never waits. */
	cr_assert_eq(raw_check(fd, &a), 0);
	cr_assert_eq(raw_release(fd), 0);
	pthread_join(th, NULL);
	cr_assert_eq(w.ret, 0);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.forced_switches, 0);
}

Test(policy, newgil_no_drop_request_before_the_interval)
{
	struct timed_waiter w = { 0 };
	pthread_t th;

	hold_with_waiter(&w, &th, KGIL_POLICY_NEWGIL, KGIL_POLICY_FORCE_SWITCH,
			 300000000);
	/* Well inside the 300 ms interval: nothing may be requested yet. */
	cr_assert_eq(dt_spin_until_drop(sh, 100000000), 0, "drop request too early");
	cr_assert_eq(raw_release(fd), 0);
	pthread_join(th, NULL);
	cr_assert_eq(w.ret, 0);
}

/*
 * A legacy waiter sleeps without a timeout; switching the domain to newgil
 * wakes it, and it starts timing the holder at once.
 */
Test(policy, policy_change_wakes_waiters_to_reevaluate)
{
	struct timed_waiter w = { 0 };
	struct kgil_acquire a;
	struct kgil_stats st;
	pthread_t th;

	hold_with_waiter(&w, &th, KGIL_POLICY_LEGACY, 0, 5000000);
	cr_assert_eq(dt_spin_until_drop(sh, 50000000), 0, "legacy never requests a drop");
	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_NEWGIL,
				   KGIL_POLICY_FORCE_SWITCH, 10000000), 0);
	cr_assert_eq(sh->policy, KGIL_POLICY_NEWGIL);
	cr_assert_neq(dt_spin_until_drop(sh, 10000000000ull), 0,
		      "the waiter did not re-evaluate under newgil");
	cr_assert_eq(raw_check(fd, &a), 0);
	cr_assert(a.result & KGIL_ACQUIRED_SWITCHED);
	pthread_join(th, NULL);
	cr_assert_eq(w.ret, 0);
	cr_assert_eq(w.a.failed_attempts, 0, "a policy kick is not a failed attempt");
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.failed_acquires, 0);
	cr_assert_eq(raw_release(fd), 0);
}

struct flipper {
	int fd;
	volatile int stop;
	int changes;
	int err;
};

static void *flip_policies(void *p)
{
	struct flipper *f = p;

	while (!f->stop) {
		int ret = f->changes % 2 ?
			  dt_set_policy(f->fd, KGIL_POLICY_LEGACY, 0, 5000000) :
			  dt_set_policy(f->fd, KGIL_POLICY_NEWGIL,
					f->changes % 4 ? KGIL_POLICY_FORCE_SWITCH : 0,
					50000 + 10000 * (f->changes % 7));
		if (ret) {
			f->err = ret;
			return NULL;
		}
		f->changes++;
		sleep_ns(2000000);
	}
	return NULL;
}

Test(policy, policy_change_under_load_is_safe)
{
	long ticks = dt_env_long("KGIL_TEST_FLIP_TICKS", 200000);
	struct flipper f = { .fd = fd };
	struct dt_interp in[4];
	volatile long counter = 0;
	struct kgil_stats st;
	pthread_t th;

	dt_interp_init(in, 4, fd, sh, ticks, 4, 100, DT_CHECK_PAGE, &counter);
	pthread_create(&th, NULL, flip_policies, &f);
	dt_interp_all(in, 4);
	f.stop = 1;
	pthread_join(th, NULL);
	cr_assert_eq(f.err, 0, "SET_POLICY: %s", strerror(-f.err));
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(in[i].err, 0, "thread %d: %s", i, strerror(-in[i].err));
		cr_assert_eq(in[i].violations, 0);
	}
	cr_assert_eq(counter, 4 * ticks);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.acquisitions, st.c.releases);
	cr_assert_eq(st.holder_id, 0);
	cr_log_info("%d policy changes under load; handoffs %llu\n", f.changes,
		    (unsigned long long)st.c.handoffs);
	cr_assert_gt(f.changes, 2);
}
