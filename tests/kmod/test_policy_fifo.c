// SPDX-License-Identifier: GPL-2.0
/*
 * fifo against the live module: strict round-robin order over many
 * handoffs (also under ioprio, for CPU-bound threads), the direct
 * handoff that leaves no room for barging, the switch interval bounding
 * a CPU-bound holder without a forced-switch wait, the timekeeper duty
 * handed on when its waiter leaves, and policy switches to and from
 * fifo and ioprio under load.  Timing bounds are tolerant (TCG).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "busy.h"
#include "clock.h"
#include "dt.h"
#include "raw.h"

/* Each test's own domain and its page, fresh (setup() opens them). */
static int fd = -1;
static const volatile struct kgil_shared *sh;
static void setup(void) { dt_domain_open(&fd, &sh); }
static void teardown(void) { dt_domain_close(&fd, &sh); }
TestSuite(policy_fifo, .init = setup, .fini = teardown, .timeout = 120);

#define RR_THREADS	4
#define RR_TENURES	160
#define LONG_NS		10000000000ULL

struct rr_log {
	int fd;
	const volatile struct kgil_shared *sh;
	uint32_t ids[RR_TENURES];
	atomic_int pos;
	atomic_int attached;
};

struct rr_thread {
	struct rr_log *log;
	uint32_t id;
	uint32_t failed;
	int err;
};

/* Log each tenure, run until the drop request, yield at the check. */
static void *rr_run(void *p)
{
	struct rr_thread *t = p;
	struct rr_log *log = t->log;
	struct kgil_acquire a = { 0 };
	int ret = raw_attach(log->fd);

	atomic_fetch_add(&log->attached, 1);
	if (ret < 0)
		goto out;
	t->id = (uint32_t)ret;
	ret = raw_acquire(log->fd, 0, 0, &a);
	while (!ret) {
		int i = atomic_fetch_add(&log->pos, 1);

		t->failed += a.failed_attempts;
		if (i >= RR_TENURES)
			break;
		log->ids[i] = t->id;
		while (!log->sh->drop_request)
			busy_work(64);
		ret = raw_check(log->fd, &a);
	}
	if (!ret)
		ret = raw_release(log->fd);
	raw_detach(log->fd);
out:
	t->err = ret < 0 ? ret : 0;
	return NULL;
}

/*
 * Threads queue behind this one in some order; from the first handoff on
 * each tenure must go to the thread that waited longest, so the log
 * repeats with period RR_THREADS exactly.
 */
static void round_robin_once(uint32_t policy, uint64_t spin_ns,
			     struct kgil_stats *out)
{
	struct rr_log log = { .fd = fd, .sh = sh };
	struct rr_thread th[RR_THREADS] = { 0 };
	pthread_t pt[RR_THREADS];
	struct kgil_stats st;
	uint32_t failed = 0;

	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(dt_set_policy_spin(fd, policy, 1000000, spin_ns), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	for (int i = 0; i < RR_THREADS; i++) {
		th[i].log = &log;
		pthread_create(&pt[i], NULL, rr_run, &th[i]);
	}
	cr_assert(dt_wait_u32(&sh->nr_waiting, RR_THREADS, true, LONG_NS));
	cr_assert_eq(raw_release(fd), 0);
	cr_assert_eq(raw_detach(fd), 0);
	for (int i = 0; i < RR_THREADS; i++) {
		pthread_join(pt[i], NULL);
		cr_assert_eq(th[i].err, 0, "thread %d: %s", i, strerror(-th[i].err));
		failed += th[i].failed;
	}
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	for (int i = RR_THREADS; i < RR_TENURES; i++)
		cr_assert_eq(log.ids[i], log.ids[i - RR_THREADS],
			     "tenure %d went to %u, not %u (interrupts %llu, "
			     "timeouts %llu)", i, log.ids[i],
			     log.ids[i - RR_THREADS],
			     (unsigned long long)st.c.interrupts,
			     (unsigned long long)st.c.timeouts);
	for (int i = 1; i < RR_THREADS; i++)
		cr_assert_neq(log.ids[i], log.ids[0]);
	cr_log_info("%s, spin %llu ns: %llu handoffs, %llu drop requests, "
		    "%llu failed, %llu spins, %llu granted spinning\n",
		    policy == KGIL_POLICY_FIFO ? "fifo" : "ioprio",
		    (unsigned long long)spin_ns,
		    (unsigned long long)st.c.handoffs,
		    (unsigned long long)st.c.drop_requests,
		    (unsigned long long)st.c.failed_acquires,
		    (unsigned long long)st.c.spins,
		    (unsigned long long)st.c.spin_grants);
	cr_assert_eq(failed, 0);
	cr_assert_eq(st.c.failed_acquires, 0, "no barging: no failed attempt");
	cr_assert_eq(st.c.forced_switches, 0);
	cr_assert_geq(st.c.handoffs, RR_TENURES);
	*out = st;
}

/*
 * The order, and with spinning: the head times the holder and spins
 * after its own drop request, so nearly every handoff is spun for.
 * Whether a spin sees the grant depends on the holder staying on its
 * vCPU, which a loaded TCG host does not promise: a run without a grant
 * spun for is run again, up to 4 times on the same domain (its counters
 * add up), and some grant must have been taken spinning.
 */
static void round_robin(uint32_t policy, uint64_t spin_ns)
{
	struct kgil_stats st;

	for (int attempt = 1;; attempt++) {
		round_robin_once(policy, spin_ns, &st);
		if (!spin_ns || st.c.spin_grants || attempt == 4)
			break;
		cr_log_warn("run %d: no grant taken spinning, again\n", attempt);
	}
	if (!spin_ns) {
		cr_assert_eq(st.c.spins, 0, "spin_ns 0 must never spin");
	} else {
		cr_assert_geq(st.c.spins, st.c.drop_requests / 2);
		cr_assert_geq(st.c.spin_grants, 1);
	}
	cr_assert_leq(st.c.spin_grants, st.c.spins);
}

Test(policy_fifo, order_is_round_robin_over_many_handoffs)
{
	round_robin(KGIL_POLICY_FIFO, 0);
}

Test(policy_fifo, ioprio_cpu_bound_threads_round_robin_too)
{
	round_robin(KGIL_POLICY_IOPRIO, 0);
}

/* Spinning for the handoff changes who waits how, never the order. */
Test(policy_fifo, round_robin_with_handoff_spinning)
{
	round_robin(KGIL_POLICY_FIFO, 2000000);
}

Test(policy_fifo, ioprio_round_robin_with_handoff_spinning)
{
	round_robin(KGIL_POLICY_IOPRIO, 2000000);
}

struct waiter {
	int fd;
	uint32_t id;
	uint32_t flags;
	uint64_t timeout_ns;
	uint64_t hold_ns;
	/* Hold until told instead (hold_until_told), not for hold_ns. */
	bool hold_until_told;
	atomic_int told;
	atomic_int queued;
	int ret;
};

static void *waiter_run(void *p)
{
	struct waiter *w = p;
	int id = raw_attach(w->fd);

	if (id < 0) {
		w->ret = id;
		atomic_store(&w->queued, 1);
		return NULL;
	}
	w->id = (uint32_t)id;
	atomic_store(&w->queued, 1);
	w->ret = raw_acquire(w->fd, w->flags, w->timeout_ns, NULL);
	if (!w->ret) {
		if (w->hold_until_told)
			while (!atomic_load(&w->told))
				sleep_ns(100000);
		else
			sleep_ns(w->hold_ns);
		raw_release(w->fd);
	}
	raw_detach(w->fd);
	return NULL;
}

/* Start a waiter and wait until nr_waiting says it queued. */
static void queue_waiter(struct waiter *w, pthread_t *th, uint32_t nr)
{
	w->fd = fd;
	pthread_create(th, NULL, waiter_run, w);
	cr_assert(dt_wait_u32(&sh->nr_waiting, nr, true, LONG_NS),
		  "waiter %u never queued", nr);
}

/* The release hands the lock over before the waiter even runs. */
Test(policy_fifo, release_hands_over_directly)
{
	/*
	 * The waiter holds until the TRY below has been made: with a timed
	 * hold, a main thread preempted for longer than it (a loaded TCG
	 * host) would find the lock released, not barged.
	 */
	struct waiter w = { .hold_until_told = true };
	pthread_t th;
	int me = raw_attach(fd);

	cr_assert_geq(me, 1);
	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_FIFO, 0, 5000000), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	queue_waiter(&w, &th, 1);
	cr_assert_eq(raw_release(fd), 0);
	cr_assert_eq(sh->holder_id, w.id, "not handed to the waiter");
	cr_assert_eq(raw_acquire(fd, KGIL_ACQUIRE_TRY, 0, NULL), -EBUSY,
		     "the releaser barged back in");
	atomic_store(&w.told, 1);
	pthread_join(th, NULL);
	cr_assert_eq(w.ret, 0);
}

Test(policy_fifo, switch_interval_bounds_the_holder)
{
	const uint64_t interval = 20000000;
	struct waiter w = { .hold_ns = 5000000 };
	struct kgil_acquire a;
	struct kgil_stats st;
	uint64_t t0, drop, released;
	pthread_t th;

	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_FIFO, 0, interval), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	t0 = now_ns();
	queue_waiter(&w, &th, 1);
	drop = dt_spin_until_drop(sh, LONG_NS);
	cr_assert_neq(drop, 0, "no drop request");
	cr_log_info("drop request %.1f ms after the waiter came\n",
		    (drop - t0) / 1e6);
	cr_assert_geq(drop - t0, interval);
	/* The check hands over and returns once the lock is back. */
	cr_assert_eq(raw_check(fd, &a), 0);
	released = now_ns();
	cr_assert(a.result & KGIL_ACQUIRED_SWITCHED);
	cr_assert_geq(released - drop, w.hold_ns);
	pthread_join(th, NULL);
	cr_assert_eq(w.ret, 0);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.forced_switches, 0);
	cr_assert_eq(raw_release(fd), 0);
}

/*
 * Only the last waiter times the holder.  A policy change makes everyone
 * re-evaluate (the first waiter now sleeps untimed); when the timed last
 * waiter gives up (timeout), its duty must pass to the first, or the
 * holder would never be asked to drop.
 */
Test(policy_fifo, timekeeper_duty_passes_on_when_it_leaves)
{
	const uint64_t interval = 300000000;
	struct waiter w1 = { .hold_ns = 0 };
	struct waiter w2 = {
		.flags = KGIL_ACQUIRE_TIMEOUT, .timeout_ns = 100000000,
	};
	pthread_t t1, t2;
	uint64_t drop;

	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_FIFO, 0, interval), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	queue_waiter(&w1, &t1, 1);
	queue_waiter(&w2, &t2, 2);
	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_FIFO, 0, interval), 0);
	pthread_join(t2, NULL);
	cr_assert_eq(w2.ret, -ETIMEDOUT);
	drop = dt_spin_until_drop(sh, LONG_NS);
	cr_assert_neq(drop, 0, "the remaining waiter never timed the holder");
	cr_assert_eq(raw_release(fd), 0);
	pthread_join(t1, NULL);
	cr_assert_eq(w1.ret, 0);
}

/*
 * Issue 24 (9): a CHECK with KGIL_ACQUIRE_TRY hands the lock to the head
 * and does not queue again.  Without spinning the yielder was the one
 * meant to time its successor (as the new tail); the other waiters were
 * armed untimed while the drop request was up.  H holds, A and B queue
 * (B, the tail, times H and raises the drop request), H's CHECK|TRY
 * hands to A: someone must still time A, or A, which yields only when
 * asked, keeps the lock and B's 2 s ACQUIRE times out.
 */
struct yielder_succ {
	int id;
	int ret;		/* A: its ACQUIRE, then its first failing CHECK */
	atomic_int stage;	/* 1 attached, 2 got the lock */
	atomic_int stop;	/* A: release and leave */
};

/* A: holds, works, and CHECKs only when asked to drop. */
static void *succ_run(void *p)
{
	struct yielder_succ *a = p;

	a->id = raw_attach(fd);
	atomic_store(&a->stage, 1);
	if (a->id < 1)
		return NULL;
	a->ret = raw_acquire(fd, 0, 0, NULL);
	if (!a->ret)
		atomic_store(&a->stage, 2);
	while (!a->ret && !atomic_load(&a->stop)) {
		if (sh->drop_request)
			a->ret = raw_check(fd, NULL);
		else
			busy_work(64);
	}
	if (!a->ret)
		raw_release(fd);
	raw_detach(fd);
	return NULL;
}

struct timed_waiter {
	int id;
	int ret;
	uint32_t holder_seen;	/* sh->holder_id once its ACQUIRE returned */
	uint64_t waited_ns;
	atomic_int stage;	/* 1 attached, 2 ACQUIRE returned */
	atomic_int go;		/* 1 release and leave */
};

/* B: a 2 s ACQUIRE; holds until told. */
static void *timed_waiter_run(void *p)
{
	struct timed_waiter *b = p;
	uint64_t t0;

	b->id = raw_attach(fd);
	atomic_store(&b->stage, 1);
	if (b->id < 1)
		return NULL;
	t0 = now_ns();
	b->ret = raw_acquire(fd, KGIL_ACQUIRE_TIMEOUT, 2000000000ull, NULL);
	b->waited_ns = now_ns() - t0;
	b->holder_seen = sh->holder_id;
	atomic_store(&b->stage, 2);
	if (!b->ret) {
		dt_wait_flag(&b->go, 1, LONG_NS);
		raw_release(fd);
	}
	raw_detach(fd);
	return NULL;
}

static void check_try_hands_over_timed(uint32_t policy)
{
	static struct yielder_succ a;	/* static: outlive a failed assert */
	static struct timed_waiter b;
	struct kgil_acquire ca;
	struct kgil_stats st;
	pthread_t ta, tb;
	int me = raw_attach(fd), ret;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	cr_assert_geq(me, 1);
	cr_assert_eq(dt_set_policy_spin(fd, policy, 1000000, 0), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	pthread_create(&ta, NULL, succ_run, &a);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, LONG_NS),
		  "A never queued");
	pthread_create(&tb, NULL, timed_waiter_run, &b);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 2, true, LONG_NS),
		  "B never queued");
	/* B, the tail, times H: then both sleep untimed until a grant. */
	cr_assert_neq(dt_spin_until_drop(sh, LONG_NS), 0, "no drop request");
	ret = raw_lock(fd, KGIL_IOC_CHECK, KGIL_ACQUIRE_TRY, 0, &ca);
	cr_assert_eq(ret, -EBUSY, "H's CHECK|TRY: %s, not -EBUSY (handed over)",
		     strerror(-ret));
	cr_assert_neq(sh->holder_id, (uint32_t)me, "H's CHECK kept the lock");
	cr_assert(dt_wait_flag(&a.stage, 2, LONG_NS), "the lock did not go "
		  "to A, the head");
	cr_assert(dt_wait_flag(&b.stage, 2, LONG_NS), "B's ACQUIRE hung");
	cr_log_info("B: %s after %.3f s\n", strerror(-b.ret),
		    b.waited_ns / 1e9);
	cr_assert_eq(b.ret, 0, "B's 2 s ACQUIRE: %s after %.3f s: nobody timed "
		     "A, the holder H's CHECK|TRY made", strerror(-b.ret),
		     b.waited_ns / 1e9);
	cr_assert_eq(b.holder_seen, (uint32_t)b.id);
	cr_assert_eq(sh->holder_id, (uint32_t)b.id);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.holder_id, (uint32_t)b.id);
	cr_assert_eq(st.c.timeouts, 0);
	cr_assert_eq(a.ret, 0, "A: %s", strerror(-a.ret));
	atomic_store(&b.go, 1);
	atomic_store(&a.stop, 1);
	pthread_join(tb, NULL);
	pthread_join(ta, NULL);
	cr_assert_eq(a.ret, 0, "A: %s", strerror(-a.ret));
	cr_assert_eq(sh->holder_id, 0);
}

Test(policy_fifo, check_try_leaves_the_new_holder_timed)
{
	check_try_hands_over_timed(KGIL_POLICY_FIFO);
}

Test(policy_fifo, ioprio_check_try_leaves_the_new_holder_timed)
{
	check_try_hands_over_timed(KGIL_POLICY_IOPRIO);
}

struct flipper {
	int fd;
	atomic_int stop;
	int changes;
	int err;
};

static void *flip_policies(void *p)
{
	static const uint32_t order[] = {
		KGIL_POLICY_FIFO, KGIL_POLICY_LEGACY, KGIL_POLICY_IOPRIO,
		KGIL_POLICY_NEWGIL, KGIL_POLICY_IOPRIO, KGIL_POLICY_FIFO,
	};
	struct flipper *f = p;

	while (!atomic_load(&f->stop)) {
		uint32_t pol = order[f->changes % 6];
		int ret = dt_set_policy(f->fd, pol, pol == KGIL_POLICY_NEWGIL ?
					KGIL_POLICY_FORCE_SWITCH : 0,
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

/* An I/O-bound thread beside the CPU-bound ones, for ioprio's paths. */
static void *io_loop(void *p)
{
	struct flipper *f = p;
	int ret = raw_attach(f->fd);

	if (ret < 0)
		return NULL;
	ret = raw_acquire(f->fd, 0, 0, NULL);
	while (!ret && !atomic_load(&f->stop)) {
		ret = raw_io_begin(f->fd);
		sleep_ns(200000);
		if (!ret)
			ret = raw_io_end(f->fd, NULL);
	}
	if (!ret)
		raw_release(f->fd);
	raw_detach(f->fd);
	return NULL;
}

Test(policy_fifo, policy_switches_to_and_from_fifo_and_ioprio_under_load)
{
	long ticks = dt_env_long("KGIL_TEST_FLIP_TICKS", 200000);
	struct flipper f = { .fd = fd }, io = { .fd = fd };
	struct dt_interp in[4];
	volatile long counter = 0;
	pthread_t th, ioth;

	dt_interp_init(in, 4, fd, sh, ticks, 4, 100, DT_CHECK_PAGE, &counter);
	pthread_create(&th, NULL, flip_policies, &f);
	pthread_create(&ioth, NULL, io_loop, &io);
	dt_interp_all(in, 4);
	atomic_store(&f.stop, 1);
	atomic_store(&io.stop, 1);
	pthread_join(th, NULL);
	pthread_join(ioth, NULL);
	cr_log_info("%d policy changes under load\n", f.changes);
	cr_assert_eq(f.err, 0, "SET_POLICY: %s", strerror(-f.err));
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(in[i].err, 0, "thread %d: %s", i, strerror(-in[i].err));
		cr_assert_eq(in[i].violations, 0);
	}
	cr_assert_eq(counter, 4 * ticks);
	cr_assert_gt(f.changes, 6);
}
