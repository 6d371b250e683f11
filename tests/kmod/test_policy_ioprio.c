// SPDX-License-Identifier: GPL-2.0
/*
 * ioprio against the live module, with a CPU-bound holder that checks
 * the drop request at every tick as CPython's eval loop does: a thread
 * back from I/O gets the lock at the holder's next check (newgil makes it
 * wait the switch interval: the same measurement shows it), a thread
 * that holds long after its I/O returns loses the priority and wins it
 * back by behaving, and a flood of I/O threads cannot starve a CPU-bound
 * thread.  Timing bounds are tolerant (TCG).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "busy.h"
#include "clock.h"
#include "dt.h"
#include "kgil.h"
#include "raw.h"

/* Each test's own domain and its page, fresh (setup() opens them). */
static int fd = -1;
static const volatile struct kgil_shared *sh;
static void setup(void) { dt_domain_open(&fd, &sh); }
static void teardown(void) { dt_domain_close(&fd, &sh); }
TestSuite(policy_ioprio, .init = setup, .fini = teardown, .timeout = 120);

#define MS		1000000ULL
#define LONG_NS		(10000ULL * MS)

static void set_policy(uint32_t policy, uint64_t interval, uint64_t boost)
{
	struct kgil_policy p;

	cr_assert_eq(kgil_policy_default(policy, &p), 0);
	p.spin_ns = 0;	/* no handoff spinning: test_spin.c has it */
	p.switch_interval_ns = interval;
	p.io_boost_ns = boost;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY, &p), 0);
}

/*
 * A CPU-bound thread: run until *stop, checking at every tick; its
 * share of the lock (hold time over wall time) goes to *share.
 */
struct cpu_thread {
	atomic_int *stop;
	double share;
	uint32_t id;
	int err;
};

static void *cpu_run(void *p)
{
	struct cpu_thread *c = p;
	struct kgil_stats st;
	uint64_t t0 = now_ns();
	int ret = raw_attach(fd);

	if (ret < 0)
		goto out;
	c->id = (uint32_t)ret;
	ret = raw_acquire(fd, 0, 0, NULL);
	while (!ret && !atomic_load(c->stop)) {
		busy_work(64);
		if (sh->drop_request)
			ret = raw_check(fd, NULL);
	}
	if (!ret)
		ret = raw_release(fd);
	if (!ret && !(ret = raw_thread_stats(fd, 0, &st)))
		c->share = st.c.total_hold_ns / (double)(now_ns() - t0);
	raw_detach(fd);
out:
	c->err = ret < 0 ? ret : 0;
	return NULL;
}

/*
 * An I/O-bound thread: `rounds` times, I/O of io_ns with the lock
 * released, then a burst of burst_ns (its handler), checking as it runs.
 * Its IO_END waits go to waits[].
 */
struct io_thread {
	int rounds;
	uint64_t io_ns;
	const uint64_t *burst_ns;	/* per round */
	atomic_int *stop;		/* optional: run until set */
	uint64_t waits[64];
	int done;
	int err;
};

static void *io_run(void *p)
{
	struct io_thread *t = p;
	struct kgil_acquire a;
	int ret = raw_attach(fd);

	if (ret >= 0)
		ret = raw_acquire(fd, 0, 0, NULL);
	for (int r = 0; !ret && (t->stop ? !atomic_load(t->stop) : r < t->rounds); r++) {
		uint64_t end;

		ret = raw_io_begin(fd);
		if (ret)
			break;
		sleep_ns(t->io_ns);
		ret = raw_io_end(fd, &a);
		if (ret)
			break;
		t->waits[r % 64] = a.wait_ns;
		t->done++;
		end = now_ns() + t->burst_ns[t->stop ? 0 : r];
		while (!ret && now_ns() < end) {
			busy_work(16);
			if (sh->drop_request)
				ret = raw_check(fd, NULL);
		}
	}
	if (!ret)
		ret = raw_release(fd);
	raw_detach(fd);
	t->err = ret < 0 ? ret : 0;
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The I/O thread io runs its rounds beside a CPU-bound holder. */
static void beside_a_cpu_holder(struct io_thread *io, uint32_t policy,
				uint64_t interval, uint64_t boost)
{
	atomic_int stop = 0;
	struct cpu_thread cpu = { .stop = &stop };
	pthread_t ct, it;

	set_policy(policy, interval, boost);
	pthread_create(&ct, NULL, cpu_run, &cpu);
	dt_wait_u32(&sh->holder_id, 0, false, LONG_NS);
	pthread_create(&it, NULL, io_run, io);
	pthread_join(it, NULL);
	atomic_store(&stop, 1);
	pthread_join(ct, NULL);
	cr_assert_eq(io->err, 0, "I/O thread: %s", strerror(-io->err));
	cr_assert_eq(cpu.err, 0, "CPU thread: %s", strerror(-cpu.err));
	cr_assert_eq(io->done, io->rounds);
}

/* The I/O thread's median wait for the lock after its I/O. */
static uint64_t io_wait_p50(uint32_t policy, uint64_t interval, int rounds)
{
	static const uint64_t burst[64] = { 0 };
	struct io_thread io = { .rounds = rounds, .io_ns = 2 * MS, .burst_ns = burst };

	beside_a_cpu_holder(&io, policy, interval, 20 * MS);
	qsort(io.waits, (size_t)rounds, sizeof(io.waits[0]), cmp_u64);
	return io.waits[rounds / 2];
}

Test(policy_ioprio, io_return_gets_the_lock_at_the_next_check)
{
	const uint64_t interval = 100 * MS;
	uint64_t newgil = io_wait_p50(KGIL_POLICY_NEWGIL, interval, 6);
	uint64_t ioprio = io_wait_p50(KGIL_POLICY_IOPRIO, interval, 20);

	cr_log_info("I/O thread's median wait beside a CPU-bound holder: newgil %.2f ms, ioprio %.3f ms (interval %.0f ms)\n",
		    newgil / 1e6, ioprio / 1e6, interval / 1e6);
	cr_assert_geq(newgil, interval / 2, "newgil: the convoy did not show");
	cr_assert_lt(ioprio, interval / 10, "ioprio: the I/O thread waited");
}

/*
 * A thread that holds 40 ms after an I/O return (io_boost 10 ms) loses
 * the priority: its next return waits for the CPU-bound holder's switch
 * interval; a short burst that ends in I/O wins the priority back.
 */
Test(policy_ioprio, long_burst_after_io_loses_the_priority)
{
	const uint64_t interval = 200 * MS;
	static const uint64_t burst[] = { 40 * MS, 0, 0, 0 };
	struct io_thread io = { .rounds = 4, .io_ns = 2 * MS, .burst_ns = burst };

	beside_a_cpu_holder(&io, KGIL_POLICY_IOPRIO, interval, 10 * MS);
	cr_log_info("waits: %.1f (then 40 ms held), %.1f (demoted), %.1f, %.1f ms\n",
		    io.waits[0] / 1e6, io.waits[1] / 1e6, io.waits[2] / 1e6,
		    io.waits[3] / 1e6);
	cr_assert_lt(io.waits[0], interval / 2, "first return not prioritised");
	cr_assert_geq(io.waits[1], interval * 3 / 4, "the abuser kept the priority");
	cr_assert_lt(io.waits[3], interval / 2, "good behaviour not rewarded");
}

/*
 * Six I/O threads whose bursts together want more than the whole lock,
 * beside one CPU-bound thread: the priority budget leaves the CPU-bound
 * thread real turns.
 */
Test(policy_ioprio, io_flood_does_not_starve_a_cpu_bound_thread)
{
	static const uint64_t burst[] = { 2 * MS };
	atomic_int stop = 0, io_stop = 0;
	struct cpu_thread cpu = { .stop = &stop };
	struct io_thread io[6];
	pthread_t ct, it[6];

	/* io_boost above the bursts: only the budget stands in their way. */
	set_policy(KGIL_POLICY_IOPRIO, 5 * MS, 10 * MS);
	pthread_create(&ct, NULL, cpu_run, &cpu);
	dt_wait_u32(&sh->holder_id, 0, false, LONG_NS);
	for (int i = 0; i < 6; i++) {
		io[i] = (struct io_thread){
			.io_ns = 300000, .burst_ns = burst, .stop = &io_stop,
		};
		pthread_create(&it[i], NULL, io_run, &io[i]);
	}
	sleep_ns(1000 * MS);
	atomic_store(&stop, 1);
	pthread_join(ct, NULL);
	atomic_store(&io_stop, 1);
	for (int i = 0; i < 6; i++) {
		pthread_join(it[i], NULL);
		cr_assert_eq(io[i].err, 0, "I/O thread %d: %s", i, strerror(-io[i].err));
	}
	cr_assert_eq(cpu.err, 0);
	cr_log_info("CPU-bound thread's share of the lock under the flood: %.1f%% (I/O returns: %d..%d each)\n",
		    cpu.share * 100, io[0].done, io[5].done);
	cr_assert_gt(cpu.share, 0.08, "the CPU-bound thread starved");
}
