// SPDX-License-Identifier: GPL-2.0
/*
 * Resuming a wait a signal ended (uapi kgil.h, "Resuming";
 * KGIL_FEAT_RESUME): -EINTR writes the wait's start into resume_ns, and
 * the thread's next call of the same kind that passes it back keeps the
 * wait's place and deadline.  Issue 25: a periodic signal (a profiler's
 * setitimer) used to make every retry a newcomer, whose switch interval
 * never ran out: the waiter starved beside a CPU-bound holder.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "dt.h"
#include "kgil.h"
#include "raw.h"

static int fd = -1;
static const volatile struct kgil_shared *sh;
static void setup(void) { dt_domain_open(&fd, &sh); }
static void teardown(void) { dt_domain_close(&fd, &sh); }
#define LONG_NS		10000000000ull	/* 10 s: TCG on a loaded host */

TestSuite(resume, .init = setup, .fini = teardown, .timeout = 120);

static volatile sig_atomic_t handled;
static void on_usr1(int sig) { (void)sig; handled++; }

/* A handler without SA_RESTART, as CPython installs its own. */
static void install_usr1(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	handled = 0;
}

static void set_policy(uint32_t policy)
{
	struct kgil_policy p;

	cr_assert_eq(kgil_policy_default(policy, &p), 0);
	p.spin_ns = 0;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY, &p), 0);
}

/* ---- a periodic signal beside a CPU-bound holder ---------------------- */

/*
 * W waits for the lock, retrying after each -EINTR with the struct as the
 * kernel left it (or with resume_ns zeroed: the old behaviour); a timer
 * hits W every millisecond; the test thread holds and, as a Python
 * thread's eval loop does, yields only when asked (the drop request).
 */
struct starve {
	pthread_t w;
	bool zero_resume;
	atomic_int stage;		/* 1 attached, 2 holds, 3 done */
	atomic_int stop;
	int ret;
	int tries;
	uint64_t t_call, t_got;
	uint64_t first_start;		/* resume_ns after the first -EINTR */
	uint64_t t_last;		/* the last call's start */
	struct kgil_acquire a;
};

/*
 * A 1 ms interval timer aimed at the calling thread (SIGEV_THREAD_ID):
 * the kernel's timer, as a profiler's setitimer, so the signals come on
 * time even under TCG, where a signalling thread's sleeps stretch.
 */
static timer_t start_tick(void)
{
	struct sigevent ev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGUSR1,
	};
	struct itimerspec its = {
		.it_interval.tv_nsec = 1000000,
		.it_value.tv_nsec = 1000000,
	};
	timer_t tm;

	ev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &ev, &tm))
		return NULL;
	timer_settime(tm, 0, &its, NULL);
	return tm;
}

static void *starve_waiter(void *p)
{
	struct starve *s = p;
	struct kgil_acquire a = { 0 };
	timer_t tm;

	if (raw_attach(fd) < 1)
		return NULL;
	atomic_store(&s->stage, 1);
	tm = start_tick();
	s->t_call = now_ns();
	do {
		if (s->zero_resume)
			a.resume_ns = 0;
		s->tries++;
		s->t_last = now_ns();
		s->ret = raw_ioctl(fd, KGIL_IOC_ACQUIRE, &a);
		if (s->ret == -EINTR && !s->first_start)
			s->first_start = a.resume_ns;
	} while (s->ret == -EINTR && !atomic_load(&s->stop));
	s->t_got = now_ns();
	if (tm)
		timer_delete(tm);
	s->a = a;
	atomic_store(&s->stage, 2);
	if (!s->ret)
		raw_release(fd);
	raw_detach(fd);
	atomic_store(&s->stage, 3);
	return NULL;
}

/*
 * Hold, yielding (CHECK) only on a drop request, until W holds or limit
 * passes; W's outcome in *s.  The holder never sleeps: a sleeping holder
 * would let the waiter in for another reason.
 */
static void run_starve(struct starve *s, uint32_t policy, uint64_t limit_ns)
{
	uint64_t end;

	set_policy(policy);
	install_usr1();
	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	pthread_create(&s->w, NULL, starve_waiter, s);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, LONG_NS),
		  "the waiter never queued");
	end = now_ns() + limit_ns;
	while (atomic_load(&s->stage) < 2 && now_ns() < end) {
		struct kgil_acquire c = { 0 };
		int r;

		if (!sh->drop_request)
			continue;
		/* Yield; CHECK's own retake may be cut by nothing here. */
		r = raw_ioctl(fd, KGIL_IOC_CHECK, &c);
		cr_assert(r == 0, "the holder's CHECK: %s", strerror(-r));
	}
	atomic_store(&s->stop, 1);
	/* If W still waits, let it in: the stop flag ends its loop. */
	if (atomic_load(&s->stage) < 2)
		raw_release(fd);
	pthread_join(s->w, NULL);
	if (sh->holder_id)
		raw_release(fd);
}

static void periodic_signal_does_not_starve(uint32_t policy)
{
	static struct starve s;
	const uint64_t limit = 5000000000ull;

	memset(&s, 0, sizeof(s));
	run_starve(&s, policy, limit);
	cr_log_info("%s: the waiter got the lock after %.1f ms, %d tries, "
		    "%d handlers run\n", kgil_policy_name(policy),
		    (s.t_got - s.t_call) / 1e6, s.tries, (int)handled);
	cr_assert_lt(s.t_got - s.t_call, limit, "%s: the waiter retrying "
		     "after every signal was starved (%d tries in %.1f s): its "
		     "retries did not keep the wait's deadline",
		     kgil_policy_name(policy), s.tries,
		     (s.t_got - s.t_call) / 1e9);
	cr_assert_eq(s.ret, 0, "%s", strerror(-s.ret));
	cr_assert_gt(s.tries, 1, "no signal cut the wait: the test tested "
		     "nothing");
	/* Its wait_ns counts from the first call, not the last. */
	cr_assert_geq(s.first_start, s.t_call);
	cr_assert_geq(s.a.wait_ns, s.t_last - s.first_start,
		      "wait_ns %.1f ms: the wait began %.1f ms before its last "
		      "call", s.a.wait_ns / 1e6, (s.t_last - s.first_start) / 1e6);
	cr_assert_eq(s.a.resume_ns, 0, "resume_ns after the lock was granted");
}

Test(resume, periodic_signal_does_not_starve_newgil)
{
	periodic_signal_does_not_starve(KGIL_POLICY_NEWGIL);
}

Test(resume, periodic_signal_does_not_starve_fifo)
{
	periodic_signal_does_not_starve(KGIL_POLICY_FIFO);
}

Test(resume, periodic_signal_does_not_starve_ioprio)
{
	periodic_signal_does_not_starve(KGIL_POLICY_IOPRIO);
}

/* ---- exact results of one cut and its resume --------------------------- */

/* Holders in grant order: each takes a number while it holds the lock. */
static atomic_int grant_seq;

struct cut {
	atomic_int stage;	/* 1 attached, 2 cut, 3 go on, 4 done */
	bool zero_resume;
	bool as_io_end;		/* resume with IO_END (another kind) */
	uint32_t id;
	int ret1, ret2, after1;
	int order;		/* place among the holders (grant_seq) */
	uint64_t t_call, t_ret1, t_ret2;
	struct kgil_acquire a1, a2;
};

static void *cut_waiter(void *p)
{
	struct cut *c = p;
	struct kgil_acquire a = { 0 };
	int id = raw_attach(fd);

	if (id < 1)
		return NULL;
	c->id = (uint32_t)id;
	atomic_store(&c->stage, 1);
	c->t_call = now_ns();
	c->ret1 = raw_ioctl(fd, KGIL_IOC_ACQUIRE, &a);
	c->t_ret1 = now_ns();
	c->a1 = a;
	c->after1 = raw_release(fd);
	atomic_store(&c->stage, 2);
	if (!dt_wait_flag(&c->stage, 3, LONG_NS))
		return NULL;
	if (c->zero_resume)
		a.resume_ns = 0;
	c->ret2 = raw_ioctl(fd, c->as_io_end ? KGIL_IOC_IO_END : KGIL_IOC_ACQUIRE,
			    &a);
	c->t_ret2 = now_ns();
	c->a2 = a;
	if (!c->ret2) {
		c->order = atomic_fetch_add(&grant_seq, 1);
		raw_release(fd);
	}
	raw_detach(fd);
	atomic_store(&c->stage, 4);
	return NULL;
}

Test(resume, eintr_writes_the_start_and_the_resume_continues_the_wait)
{
	static struct cut c;
	pthread_t th;
	uint64_t t_sig, t_rel;
	int me = raw_attach(fd);
	struct kgil_stats st;

	set_policy(KGIL_POLICY_NEWGIL);
	cr_assert_geq(me, 1);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	install_usr1();
	pthread_create(&th, NULL, cut_waiter, &c);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, LONG_NS));
	sleep_ns(100000000ull);
	t_sig = now_ns();
	pthread_kill(th, SIGUSR1);
	cr_assert(dt_wait_flag(&c.stage, 2, LONG_NS), "the wait went on");
	cr_assert_eq(c.ret1, -EINTR);
	cr_assert_eq(c.after1, -EPERM, "after -EINTR the waiter holds the lock");
	cr_assert_eq(sh->holder_id, (uint32_t)me);
	cr_assert_eq(sh->nr_waiting, 0, "the cut waiter is still queued");
	cr_assert_geq(c.a1.resume_ns, c.t_call, "resume_ns %llu: not the "
		      "wait's start (call at %llu)",
		      (unsigned long long)c.a1.resume_ns,
		      (unsigned long long)c.t_call);
	cr_assert_leq(c.a1.resume_ns, t_sig);
	cr_assert_eq(c.a1.deadline_ns, 0, "deadline_ns without TIMEOUT");
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.interrupts, 1);

	atomic_store(&c.stage, 3);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, LONG_NS),
		  "the resumed wait did not queue");
	sleep_ns(100000000ull);
	t_rel = now_ns();
	cr_assert_eq(raw_release(fd), 0);
	cr_assert(dt_wait_flag(&c.stage, 4, LONG_NS), "the resumed wait hung");
	pthread_join(th, NULL);
	cr_assert_eq(c.ret2, 0, "resumed: %s", strerror(-c.ret2));
	cr_assert_eq(c.a2.resume_ns, 0, "resume_ns not cleared by the grant");
	/* From the first start: longer than the second call itself. */
	cr_assert_geq(c.a2.wait_ns, t_rel - c.a1.resume_ns,
		      "wait_ns %.1f ms: not counted from the first start "
		      "(%.1f ms before the release)", c.a2.wait_ns / 1e6,
		      (t_rel - c.a1.resume_ns) / 1e6);
	cr_assert_leq(c.a2.wait_ns, c.t_ret2 - c.a1.resume_ns);
}

/*
 * fifo: A queues before B; a signal cuts A; A comes back.  Resumed, A is
 * ahead of B again and the release hands A the lock; with resume_ns 0
 * (a new wait), or with IO_END (another kind), A is behind B.
 */
struct order {
	struct cut a;
	uint32_t b_id;
	int b_ret, b_order;
	atomic_int b_stage;	/* 1 attached, 2 holds, 3 done */
};

static void *order_b(void *p)
{
	struct order *o = p;
	int id = raw_attach(fd);

	if (id < 1)
		return NULL;
	o->b_id = (uint32_t)id;
	atomic_store(&o->b_stage, 1);
	o->b_ret = raw_acquire(fd, 0, 0, NULL);
	atomic_store(&o->b_stage, 2);
	if (!o->b_ret) {
		o->b_order = atomic_fetch_add(&grant_seq, 1);
		raw_release(fd);
	}
	raw_detach(fd);
	atomic_store(&o->b_stage, 3);
	return NULL;
}

/* Who holds first after the test's release: A's or B's id. */
static uint32_t who_goes_first(struct order *o)
{
	pthread_t ta, tb;
	int me = raw_attach(fd);

	set_policy(KGIL_POLICY_FIFO);
	cr_assert_geq(me, 1);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	install_usr1();
	pthread_create(&ta, NULL, cut_waiter, &o->a);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, LONG_NS));
	pthread_create(&tb, NULL, order_b, o);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 2, true, LONG_NS));
	pthread_kill(ta, SIGUSR1);
	cr_assert(dt_wait_flag(&o->a.stage, 2, LONG_NS), "A's wait went on");
	cr_assert_eq(o->a.ret1, -EINTR);
	cr_assert_eq(sh->nr_waiting, 1);
	atomic_store(&o->a.stage, 3);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 2, true, LONG_NS),
		  "A did not queue again");
	cr_assert_eq(raw_release(fd), 0);
	cr_assert(dt_wait_flag(&o->a.stage, 4, LONG_NS), "A hung");
	cr_assert(dt_wait_flag(&o->b_stage, 3, LONG_NS), "B hung");
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	cr_assert_eq(o->a.ret2, 0);
	cr_assert_eq(o->b_ret, 0);
	return o->a.order < o->b_order ? o->a.id : o->b_id;
}

Test(resume, a_resumed_wait_keeps_its_place)
{
	static struct order o;
	uint32_t first = who_goes_first(&o);

	cr_assert_eq(first, o.a.id, "fifo gave the lock to %s after A "
		     "resumed the wait it began before B's (A's first call: "
		     "resume_ns %llu, %.3f ms after its call; its second: "
		     "waited %.3f ms)", first == o.b_id ? "B" : "?",
		     (unsigned long long)o.a.a1.resume_ns,
		     (o.a.a1.resume_ns - o.a.t_call) / 1e6,
		     o.a.a2.wait_ns / 1e6);
}

Test(resume, resume_ns_zero_starts_a_new_wait_at_the_tail)
{
	static struct order o;
	uint32_t first;

	o.a.zero_resume = true;
	first = who_goes_first(&o);
	cr_assert_eq(first, o.b_id, "A's new wait (resume_ns 0) went ahead "
		     "of B");
}

Test(resume, another_kind_of_wait_does_not_resume)
{
	static struct order o;
	uint32_t first;

	o.a.as_io_end = true;
	first = who_goes_first(&o);
	cr_assert_eq(first, o.b_id, "an IO_END resumed A's cut ACQUIRE");
}
