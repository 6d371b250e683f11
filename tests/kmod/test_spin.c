// SPDX-License-Identifier: GPL-2.0
/*
 * Handoff spinning (kgil_policy.spin_ns) against the live module: a
 * waiter spins only while the holder runs, at most spin_ns and once per
 * tenure, a signal ends the spin, and under ioprio both handoffs of an
 * I/O round trip are taken spinning.  The spin's cost is read as the
 * waiter's own CPU time (CLOCK_THREAD_CPUTIME_ID counts kernel time).
 * Bounds are wide: the VM is TCG on a shared host.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "busy.h"
#include "clock.h"
#include "dt.h"
#include "raw.h"

/* Each test's own domain and its page, fresh (setup() opens them). */
static int fd = -1;
static const volatile struct kgil_shared *sh;
static void setup(void) { dt_domain_open(&fd, &sh); }
static void teardown(void) { dt_domain_close(&fd, &sh); }
TestSuite(spin, .init = setup, .fini = teardown, .timeout = 120);

#define LONG_NS		10000000000ULL

struct spinner {
	uint32_t id;
	atomic_int queued;
	uint64_t cpu_ns;	/* its CPU time in ACQUIRE */
	uint64_t wall_ns;
	int ret;
};

static void *spinner_run(void *p)
{
	struct spinner *s = p;
	int id = raw_attach(fd);
	uint64_t cpu, wall;

	if (id < 0) {
		s->ret = id;
		atomic_store(&s->queued, 1);
		return NULL;
	}
	s->id = (uint32_t)id;
	atomic_store(&s->queued, 1);
	cpu = thread_cpu_ns();
	wall = now_ns();
	s->ret = raw_acquire(fd, 0, 0, NULL);
	s->cpu_ns = thread_cpu_ns() - cpu;
	s->wall_ns = now_ns() - wall;
	if (!s->ret)
		raw_release(fd);
	raw_detach(fd);
	return NULL;
}

static void start_spinner(struct spinner *s, pthread_t *th)
{
	pthread_create(th, NULL, spinner_run, s);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, LONG_NS),
		  "the waiter never queued");
}

/*
 * Hold the lock for hold_ns under fifo while a waiter queues, busy on
 * the CPU (never checking) or asleep; then release and collect.
 */
static void hold_beside_waiter(uint64_t interval, uint64_t spin,
			       uint64_t hold, bool busy, struct spinner *s,
			       struct kgil_stats *st)
{
	pthread_t th;

	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(dt_set_policy_spin(fd, KGIL_POLICY_FIFO, interval, spin), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	start_spinner(s, &th);
	if (busy)
		busy_for_ns(hold);
	else
		sleep_ns(hold);
	cr_assert_eq(raw_release(fd), 0);
	pthread_join(th, NULL);
	cr_assert_eq(s->ret, 0);
	cr_assert_eq(raw_domain_stats(fd, st), 0);
	cr_log_info("waited %.1f ms, %.2f ms of it on the CPU; %llu spins\n",
		    s->wall_ns / 1e6, s->cpu_ns / 1e6,
		    (unsigned long long)st->c.spins);
	cr_assert_eq(raw_detach(fd), 0);
}

/*
 * A holder that runs on without checking: the waiter raises the drop
 * request after the interval, spins for spin_ns, then sleeps until the
 * release.  One spin, not granted, and its CPU time is the spin.
 */
Test(spin, bounded_by_spin_ns_and_once_per_tenure)
{
	const uint64_t interval = 2000000, spin = 20000000, hold = 300000000;
	struct spinner s = { 0 };
	struct kgil_stats st;

	hold_beside_waiter(interval, spin, hold, true, &s, &st);
	cr_assert_eq(st.c.spins, 1, "one spin per tenure");
	cr_assert_eq(st.c.spin_grants, 0);
	cr_assert_geq(s.wall_ns, hold / 2);
	/* The spin, plus wake-ups; far below the 300 ms it waited. */
	cr_assert_lt(s.cpu_ns, spin + 60000000ULL, "spun %.1f ms",
		     s.cpu_ns / 1e6);
}

/* A holder off the CPU (asleep holding the lock) is not spun for. */
Test(spin, not_while_the_holder_sleeps)
{
	const uint64_t spin = 100000000, hold = 300000000;
	struct spinner s = { 0 };
	struct kgil_stats st;

	hold_beside_waiter(1000000, spin, hold, false, &s, &st);
	/* 100 ms of spinning were allowed; an asleep owner ends it at once. */
	cr_assert_lt(s.cpu_ns, 30000000ULL, "spun %.1f ms", s.cpu_ns / 1e6);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* A signal ends the spin, and the wait, with -EINTR. */
Test(spin, a_signal_ends_the_spin)
{
	const uint64_t spin = KGIL_MAX_SPIN_NS;
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct spinner s = { 0 };
	struct kgil_stats st;
	uint64_t sent;
	pthread_t th;

	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(dt_set_policy_spin(fd, KGIL_POLICY_FIFO, 1000000, spin), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	start_spinner(&s, &th);
	/* The waiter raises the request, then spins (we keep running). */
	cr_assert_neq(dt_spin_until_drop(sh, LONG_NS), 0, "no drop request");
	busy_for_ns(10000000);
	sent = now_ns();
	pthread_kill(th, SIGUSR1);
	while (sh->nr_waiting && now_ns() - sent < LONG_NS)
		busy_work(64);
	cr_log_info("the waiter left %.2f ms after the signal\n",
		    (now_ns() - sent) / 1e6);
	cr_assert_lt(now_ns() - sent, spin / 2, "the signal did not end the spin");
	pthread_join(th, NULL);
	cr_assert_eq(s.ret, -EINTR);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.spins, 1);
	cr_assert_eq(st.c.interrupts, 1);
	cr_assert_eq(raw_release(fd), 0);
	cr_assert_eq(raw_detach(fd), 0);
}

struct io_thread {
	int rounds;
	uint32_t id;
	atomic_int done;
	int ret;
};

/* Short bursts between simulated I/O waits, as a server's thread. */
static void *io_run(void *p)
{
	struct io_thread *io = p;
	int ret = raw_attach(fd);

	if (ret < 0)
		goto out;
	io->id = (uint32_t)ret;
	ret = raw_acquire(fd, 0, 0, NULL);
	for (int i = 0; !ret && i < io->rounds; i++) {
		ret = raw_io_begin(fd);
		if (ret)
			break;
		sleep_ns(2000000);
		ret = raw_io_end(fd, NULL);
		if (!ret)
			busy_for_ns(50000);
	}
	if (!ret)
		ret = raw_release(fd);
	raw_detach(fd);
out:
	io->ret = ret;
	atomic_store(&io->done, 1);
	return NULL;
}

/*
 * ioprio beside a CPU-bound thread: the I/O return spins for the CPU
 * thread's check, and the CPU thread spins through the I/O burst.  Both
 * get the lock spinning, and the ordering rules are untouched.  Whether
 * a spin sees its grant depends on the holder staying on its vCPU, which
 * a loaded TCG host does not promise: a round of 40 round trips in which
 * either side took no grant spinning is run again, up to 4 times (the
 * counters add up).
 */
Test(spin, ioprio_both_handoffs_of_a_round_trip_spin)
{
	struct kgil_stats cpu_st, st;
	struct kgil_acquire a;
	pthread_t th;
	int ret = 0;
	int me = raw_attach(fd);

	cr_assert_geq(me, 1);
	cr_assert_eq(dt_set_policy_spin(fd, KGIL_POLICY_IOPRIO, 5000000, 2000000), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	for (int attempt = 1;; attempt++) {
		struct io_thread io = { .rounds = 40 };

		pthread_create(&th, NULL, io_run, &io);
		while (!ret && !atomic_load(&io.done)) {
			busy_work(64);
			if (sh->drop_request)
				ret = raw_check(fd, &a);
		}
		cr_assert_eq(ret, 0);
		pthread_join(th, NULL);
		cr_assert_eq(io.ret, 0);
		cr_assert_eq(raw_thread_stats(fd, (uint32_t)me, &cpu_st), 0);
		cr_assert_eq(raw_domain_stats(fd, &st), 0);
		if ((cpu_st.c.spin_grants && st.c.spin_grants > cpu_st.c.spin_grants) ||
		    attempt == 4)
			break;
		cr_log_warn("round %d: a side took no grant spinning, again\n",
			    attempt);
	}
	cr_log_info("cpu thread: %llu spins, %llu granted spinning; domain: "
		    "%llu spins, %llu granted, %llu failed, %llu handoffs\n",
		    (unsigned long long)cpu_st.c.spins,
		    (unsigned long long)cpu_st.c.spin_grants,
		    (unsigned long long)st.c.spins,
		    (unsigned long long)st.c.spin_grants,
		    (unsigned long long)st.c.failed_acquires,
		    (unsigned long long)st.c.handoffs);
	cr_assert_eq(st.c.failed_acquires, 0);
	cr_assert_geq(cpu_st.c.spin_grants, 1, "the CPU thread never took it spinning");
	/* The I/O threads have detached: their share is the domain's minus mine. */
	cr_assert_geq(st.c.spin_grants - cpu_st.c.spin_grants, 1,
		      "the I/O thread never took it spinning");
	cr_assert_eq(raw_release(fd), 0);
	cr_assert_eq(raw_detach(fd), 0);
}
