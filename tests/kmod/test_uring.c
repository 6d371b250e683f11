// SPDX-License-Identifier: GPL-2.0
/*
 * KGIL_URING_CMD_ACQUIRE against the live module: inline and queued
 * grants under every policy, the refusals, the policy's timing of a
 * queued request, and every way a pending request can end without the
 * lock on Linux 6.1 (detach, thread exit, close, ring teardown, a killed
 * process), plus what IORING_OP_ASYNC_CANCEL really does there.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <liburing.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "dt.h"
#include "kgil.h"
#include "raw.h"

/* Each test's own domain and its page, fresh (setup() opens them). */
static int fd = -1;
static const volatile struct kgil_shared *sh;
static void setup(void) { dt_domain_open(&fd, &sh); }
static void teardown(void) { dt_domain_close(&fd, &sh); }
TestSuite(uring, .init = setup, .fini = teardown, .timeout = 120);

#define ACQ_DATA	0xacULL
#define CANCEL_DATA	0xcaULL
#define LONG_NS		10000000000ULL	/* 10 s: TCG on a loaded host */

/* What a thread with a queued acquire does next. */
enum then { WAIT, ACQUIRE_TOO, CANCEL, DETACH, EXIT, CLOSE_RING };

struct acquirer {
	int fd;
	enum then then;
	struct io_uring ring;
	uint32_t id;
	atomic_int queued;	/* 1: submitted, -1: setup failed */
	atomic_int proceed;	/* the test saw it queued: do "then" */
	atomic_int go;		/* CLOSE_RING: the test says go on */
	atomic_int other_set;
	int err;
	int other;		/* the result of what it did next */
	uint64_t other_data;
	int res;		/* the acquire's CQE */
	uint64_t cqe_ns;
};

static void *acquirer_run(void *p)
{
	struct acquirer *a = p;
	struct io_uring_sqe *sqe;
	int ret = raw_attach(a->fd);

	if (ret >= 0) {
		a->id = (uint32_t)ret;
		ret = io_uring_queue_init(8, &a->ring, 0);
	}
	if (ret >= 0)
		ret = dt_uring_prep_acquire(&a->ring, a->fd, ACQ_DATA) &&
		      io_uring_submit(&a->ring) == 1 ? 0 : -EIO;
	if (ret < 0) {
		a->err = ret;
		atomic_store(&a->queued, -1);
		return NULL;
	}
	atomic_store(&a->queued, 1);
	while (!atomic_load(&a->proceed))
		sleep_ns(1000000);
	switch (a->then) {
	case EXIT:
		return NULL;		/* attached, the request queued */
	case ACQUIRE_TOO:
		a->other = raw_acquire(a->fd, 0, 0, NULL);
		break;
	case CANCEL:
		sqe = io_uring_get_sqe(&a->ring);
		io_uring_prep_cancel64(sqe, ACQ_DATA, 0);
		sqe->user_data = CANCEL_DATA;
		io_uring_submit(&a->ring);
		a->other = dt_uring_next_cqe(&a->ring, LONG_NS, &a->other_data);
		break;
	case DETACH:
		a->other = raw_detach(a->fd);
		break;
	case CLOSE_RING:
		io_uring_queue_exit(&a->ring);
		while (!atomic_load(&a->go))
			sleep_ns(1000000);
		a->other = raw_acquire(a->fd, 0, 0, NULL);
		if (!a->other)
			raw_release(a->fd);
		raw_detach(a->fd);
		return NULL;
	case WAIT:
		break;
	}
	atomic_store(&a->other_set, 1);
	a->res = dt_uring_next_cqe(&a->ring, LONG_NS, NULL);
	a->cqe_ns = now_ns();
	if (a->res >= 0)
		raw_release(a->fd);
	raw_detach(a->fd);
	io_uring_queue_exit(&a->ring);
	return NULL;
}

/* Start an acquirer on dfd and wait until its request is submitted. */
static void start_acquirer(struct acquirer *a, pthread_t *th, int dfd,
			   enum then then)
{
	a->fd = dfd;
	a->then = then;
	pthread_create(th, NULL, acquirer_run, a);
	for (int i = 0; i < 10000 && !atomic_load(&a->queued); i++)
		sleep_ns(1000000);
	cr_assert_eq(atomic_load(&a->queued), 1, "acquirer set-up: %s",
		     strerror(-a->err));
}

/* This thread takes the lock under policy; an acquirer queues behind it. */
static int hold_and_queue(struct acquirer *a, pthread_t *th, uint32_t policy,
			  uint64_t interval, enum then then)
{
	int me = raw_attach(fd);

	cr_assert_geq(me, 1);
	cr_assert_eq(dt_set_policy(fd, policy, policy == KGIL_POLICY_NEWGIL ?
				   KGIL_POLICY_FORCE_SWITCH : 0, interval), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	start_acquirer(a, th, fd, then);
	cr_assert_eq(sh->nr_waiting, 1, "the request did not queue");
	atomic_store(&a->proceed, 1);
	return me;
}

Test(uring, free_lock_is_taken_inline)
{
	struct kgil_features f;
	int me;

	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_FEATURES, &f), 0);
	cr_assert(f.features & KGIL_FEAT_URING_CMD);
	me = raw_attach(fd);
	cr_assert_geq(me, 1);
	cr_assert_eq(dt_uring_acquire_once(fd, KGIL_URING_CMD_ACQUIRE, 0, 0, 0), 0);
	cr_assert_eq(sh->holder_id, (uint32_t)me);
	cr_assert_eq(raw_release(fd), 0, "the thread holds what the CQE said");
}

Test(uring, refusals)
{
	cr_assert_eq(dt_uring_acquire_once(fd, KGIL_URING_CMD_ACQUIRE, 0, 0, 0), -ENOENT,
		     "not attached");
	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(dt_uring_acquire_once(fd, KGIL_URING_CMD_ACQUIRE + 1, 0, 0, 0), -ENOTTY);
	cr_assert_eq(dt_uring_acquire_once(fd, KGIL_URING_CMD_ACQUIRE, 1, 0, 0), -EINVAL,
		     "nonzero command area");
	cr_assert_eq(sh->holder_id, 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	cr_assert_eq(dt_uring_acquire_once(fd, KGIL_URING_CMD_ACQUIRE, 0, 0, 0), -EDEADLK);
	cr_assert_eq(raw_release(fd), 0);
}

/* Under every policy: queued while held, completed by the release. */
Test(uring, queued_request_completes_when_granted)
{
	static const uint32_t policies[] = {
		KGIL_POLICY_LEGACY, KGIL_POLICY_NEWGIL, KGIL_POLICY_FIFO,
		KGIL_POLICY_IOPRIO,
	};

	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		struct acquirer a = { 0 };
		uint64_t released;
		pthread_t th;

		hold_and_queue(&a, &th, policies[i], 5000000, WAIT);
		sleep_ns(20000000);
		cr_assert_eq(a.cqe_ns, 0, "policy %u: completed while held",
			     policies[i]);
		released = now_ns();
		cr_assert_eq(raw_release(fd), 0);
		pthread_join(th, NULL);
		cr_assert_eq(a.res, 0, "policy %u: res %d", policies[i], a.res);
		cr_assert_gt(a.cqe_ns, released);
		cr_assert_eq(raw_detach(fd), 0);
	}
}

Test(uring, blocking_acquire_while_pending_is_ealready)
{
	struct acquirer a = { 0 };
	pthread_t th;

	hold_and_queue(&a, &th, KGIL_POLICY_FIFO, 5000000, ACQUIRE_TOO);
	cr_assert(dt_wait_flag(&a.other_set, 1, LONG_NS));
	cr_assert_eq(a.other, -EALREADY);
	cr_assert_eq(raw_release(fd), 0);
	pthread_join(th, NULL);
	cr_assert_eq(a.res, 0);
}

/* The request's hrtimer raises newgil's drop request, as a sleeper would. */
Test(uring, newgil_request_times_the_holder)
{
	const uint64_t interval = 20000000;
	struct acquirer a = { 0 };
	struct kgil_acquire ack;
	uint64_t t0 = now_ns(), drop, delay;
	pthread_t th;

	hold_and_queue(&a, &th, KGIL_POLICY_NEWGIL, interval, WAIT);
	drop = dt_spin_until_drop(sh, LONG_NS);
	cr_assert_neq(drop, 0, "no drop request");
	delay = drop - t0;
	cr_log_info("drop request %.1f ms after the request queued\n", delay / 1e6);
	cr_assert_geq(delay, interval);
	cr_assert_eq(raw_check(fd, &ack), 0);
	cr_assert(ack.result & KGIL_ACQUIRED_SWITCHED);
	pthread_join(th, NULL);
	cr_assert_eq(a.res, 0);
	cr_assert_eq(raw_release(fd), 0);
}

/*
 * 6.1 cannot cancel a uring_cmd: ASYNC_CANCEL finds nothing (-ENOENT)
 * and the acquire stays queued, to complete normally.
 */
Test(uring, async_cancel_finds_nothing)
{
	struct acquirer a = { 0 };
	pthread_t th;

	hold_and_queue(&a, &th, KGIL_POLICY_FIFO, 5000000, CANCEL);
	cr_assert(dt_wait_flag(&a.other_set, 1, LONG_NS));
	cr_assert_eq(a.other_data, CANCEL_DATA);
	cr_log_info("IORING_OP_ASYNC_CANCEL on a queued acquire: %d (%s)\n",
		    a.other, strerror(-a.other));
	cr_assert_eq(a.other, -ENOENT);
	cr_assert_eq(sh->nr_waiting, 1, "still queued");
	cr_assert_eq(raw_release(fd), 0);
	pthread_join(th, NULL);
	cr_assert_eq(a.res, 0);
}

Test(uring, detach_completes_pending_with_ebadf)
{
	struct acquirer a = { 0 };
	pthread_t th;
	int me = hold_and_queue(&a, &th, KGIL_POLICY_FIFO, 5000000, DETACH);

	pthread_join(th, NULL);
	cr_assert_eq(a.other, 0);
	cr_assert_eq(a.res, -EBADF);
	cr_assert_eq(sh->nr_waiting, 0);
	cr_assert_eq(sh->holder_id, (uint32_t)me);
	cr_assert_eq(raw_release(fd), 0);
}

Test(uring, thread_exit_completes_pending_with_ebadf)
{
	struct acquirer a = { 0 };
	pthread_t th;
	int me = hold_and_queue(&a, &th, KGIL_POLICY_NEWGIL, 5000000, EXIT);

	pthread_join(th, NULL);
	cr_assert_eq(dt_uring_next_cqe(&a.ring, LONG_NS, NULL), -EBADF);
	cr_assert(dt_wait_gone(fd, a.id, 0));
	cr_assert_eq(sh->nr_waiting, 0);
	cr_assert_eq(sh->holder_id, (uint32_t)me);
	cr_assert_eq(raw_release(fd), 0);
	cr_assert_eq(sh->holder_id, 0, "the dead thread's request took nothing");
	io_uring_queue_exit(&a.ring);
}

/*
 * The ring's last user closes it with the acquire queued: the module sees
 * the ring dying, ends the request, and the lock never goes to it.
 */
Test(uring, ring_teardown_ends_pending_request)
{
	struct acquirer a = { 0 };
	pthread_t th;

	hold_and_queue(&a, &th, KGIL_POLICY_FIFO, 5000000, CLOSE_RING);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 0, true, LONG_NS),
		  "the request of a closed ring is still queued");
	cr_assert_eq(raw_release(fd), 0);
	cr_assert_eq(sh->holder_id, 0);
	atomic_store(&a.go, 1);
	pthread_join(th, NULL);
	cr_assert_eq(a.other, 0, "ACQUIRE after the ring went: %s",
		     strerror(-a.other));
}

/* The requester's process closes its last descriptor of the domain. */
Test(uring, close_completes_pending_with_ebadf)
{
	int fd2 = raw_open(O_CLOEXEC), status;
	struct acquirer a = { 0 };
	uint32_t hid;
	pthread_t th;
	pid_t pid, htid;

	cr_assert_geq(fd2, 0);
	pid = dt_spawn_holder(fd2, "hold", &htid, &hid);
	cr_assert_gt(pid, 0);
	start_acquirer(&a, &th, fd2, WAIT);
	atomic_store(&a.proceed, 1);
	sleep_ns(20000000);
	close(fd2);
	pthread_join(th, NULL);
	cr_assert_eq(a.res, -EBADF);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

Test(uring, owner_death_reaches_the_request)
{
	struct acquirer a = { 0 };
	uint32_t hid;
	pthread_t th;
	pid_t pid, htid;
	int status;

	pid = dt_spawn_holder(fd, "hold", &htid, &hid);
	cr_assert_gt(pid, 0);
	start_acquirer(&a, &th, fd, WAIT);
	cr_assert_eq(sh->nr_waiting, 1);
	atomic_store(&a.proceed, 1);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	pthread_join(th, NULL);
	cr_assert_eq(a.res, KGIL_ACQUIRED_OWNER_DEAD);
}

/* A process dies, or exits, with its request queued and its ring open. */
Test(uring, process_dies_with_pending_request)
{
	static const char *const modes[] = { "pending", "pending-exit" };
	int me = raw_attach(fd), status;

	cr_assert_geq(me, 1);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	for (int i = 0; i < 2; i++) {
		uint32_t id;
		pid_t tid, pid = dt_spawn_helper("pol-uring", fd, modes[i],
						 &tid, &id);

		cr_assert_gt(pid, 0, "pol-uring %s: %s", modes[i],
			     strerror(-pid));
		if (i == 0)
			kill(pid, SIGKILL);
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(dt_wait_gone(fd, id, 0), "%s: still attached",
			  modes[i]);
		cr_assert_eq(sh->nr_waiting, 0);
		cr_assert_eq(sh->holder_id, (uint32_t)me);
	}
	cr_assert_eq(raw_release(fd), 0);
	cr_assert_eq(sh->holder_id, 0);
}

/*
 * execve() waits for all the task's io_uring requests: the module sees
 * the task cancelling and ends the queued acquire, so the exec goes on
 * while the lock is still held by somebody else.
 */
Test(uring, exec_with_pending_request_goes_on)
{
	int me = raw_attach(fd), status = -1;
	uint32_t id;
	pid_t tid, pid;

	cr_assert_geq(me, 1);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	pid = dt_spawn_helper("pol-uring", fd, "pending-exec", &tid, &id);
	cr_assert_gt(pid, 0);
	for (int i = 0; i < 10000 && waitpid(pid, &status, WNOHANG) == 0; i++)
		sleep_ns(1000000);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the exec did not go on (status %#x)", status);
	cr_assert(dt_wait_gone(fd, id, 0));
	cr_assert_eq(sh->holder_id, (uint32_t)me);
	cr_assert_eq(raw_release(fd), 0);
}

/* libkgil: one io_uring_enter for a timeout and the lock after it. */
Test(uring, library_io_acquire)
{
	struct io_uring_sqe *sqe, spare;
	struct kgil_counters c;
	struct io_uring ring;
	struct kgil *g, *u;
	int io_res = 0;
	struct __kernel_timespec ts = { .tv_nsec = 5000000 };

	cr_assert_eq(kgil_open(KGIL_BACKEND_KERNEL, &g), 0);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	cr_assert_eq(io_uring_queue_init(4, &ring, 0), 0);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_timeout(sqe, &ts, 0, 0);
	cr_assert_eq(kgil_uring_io_acquire(g, &ring, sqe, &io_res, NULL), 0);
	cr_assert_eq(io_res, -ETIME);
	cr_assert_eq(kgil_stats(g, &c), 0);
	cr_assert_eq(c.io_begins, 1);
	cr_assert_eq(c.acquisitions, 2);
	cr_assert_eq(kgil_release(g), 0, "held again after the one wait");
	/* An I/O that completes inline: the lock is never let go. */
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	cr_assert_eq(kgil_uring_io_acquire(g, &ring, sqe, &io_res, NULL), 0);
	cr_assert_eq(io_res, 0);
	cr_assert_eq(kgil_stats(g, &c), 0);
	cr_assert_eq(c.io_begins, 1, "released for an I/O that did not block");
	cr_assert_eq(c.acquisitions, 3);
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
	io_uring_queue_exit(&ring);

	cr_assert_eq(kgil_open(KGIL_BACKEND_USER_NEWGIL, &u), 0);
	cr_assert_eq(kgil_uring_prep_acquire(&spare, u), -EOPNOTSUPP);
	cr_assert_eq(kgil_close(u), 0);
}

/*
 * The io-wq races (issue 24, finding 8): the acquire issued by an io-wq
 * worker (IOSQE_ASYNC) while the request can already be completed and
 * freed by somebody else.  Each loop runs KGIL_URING_LOOP_SECONDS (2 by
 * default; scripts/debug-kernel.sh gives the KASAN kernel longer).  Half
 * of the rounds put the worker on the submitter's CPU, where a woken
 * submitter can preempt the worker (preempt=full) right after the
 * completion is queued; the other half let them run side by side.
 */
static uint64_t loop_ns(void)
{
	return (uint64_t)dt_env_long("KGIL_URING_LOOP_SECONDS", 2) *
	       1000000000ULL;
}

/* This thread, and the ring's io-wq workers when same, on one CPU. */
static int pin_round(struct io_uring *ring, int cpu, bool same)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	if (!same)
		return 0;
	return io_uring_register_iowq_aff(ring, sizeof(set), &set);
}

static int nr_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

struct closer {
	int fd;
	uint64_t end;
	int rounds, queued;	/* rounds run; how many the module queued */
	int err;		/* the first thing that went wrong */
	const char *what;
};

/*
 * Submit the acquire through io-wq and close the ring at once: the ring's
 * teardown cancels the request (IO_URING_F_CANCEL, 6.7+) while the
 * worker may still be in kgil_uring_cmd(), marking it cancelable.
 */
static void *closer_run(void *p)
{
	struct closer *c = p;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int ret = raw_attach(c->fd);

	if (ret < 0) {
		c->err = ret;
		c->what = "attach";
		return NULL;
	}
	while (now_ns() < c->end) {
		ret = io_uring_queue_init(4, &ring, 0);
		if (ret < 0) {
			c->what = "ring";
			break;
		}
		ret = pin_round(&ring, c->rounds % nr_cpus(), c->rounds & 1);
		if (ret < 0) {
			io_uring_queue_exit(&ring);
			c->what = "pin";
			break;
		}
		sqe = dt_uring_prep_acquire(&ring, c->fd, ACQ_DATA);
		sqe->flags |= IOSQE_ASYNC;
		ret = io_uring_submit(&ring);
		io_uring_queue_exit(&ring);
		if (ret != 1) {
			ret = ret < 0 ? ret : -EIO;
			c->what = "submit";
			break;
		}
		c->rounds++;
		/* Cancelled (-ECANCELED, no CQE left to read): off the queue. */
		if (!dt_wait_u32(&sh->nr_waiting, 0, true, LONG_NS)) {
			ret = -ETIMEDOUT;
			c->what = "the request of a closed ring stayed queued";
			break;
		}
		ret = 0;
	}
	c->err = ret;
	raw_detach(c->fd);
	return NULL;
}

Test(uring, async_acquire_vs_ring_close_loop, .timeout = 600)
{
	struct closer c = { .fd = fd };
	pthread_t th;
	int me = raw_attach(fd);

	cr_assert_geq(me, 1);
	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_FIFO, 0, 5000000), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	c.end = now_ns() + loop_ns();
	pthread_create(&th, NULL, closer_run, &c);
	pthread_join(th, NULL);
	cr_log_info("%d rounds of acquire-then-close\n", c.rounds);
	cr_assert_eq(c.err, 0, "round %d: %s: %s", c.rounds, c.what,
		     strerror(-c.err));
	cr_assert_gt(c.rounds, 0);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 0, true, LONG_NS));
	cr_assert_eq(sh->holder_id, (uint32_t)me, "a cancelled request took it");
	cr_assert_eq(raw_release(fd), 0);
	cr_assert_eq(sh->holder_id, 0);
}

static void *die_holding(void *p)
{
	int dfd = *(int *)p;

	if (raw_attach(dfd) >= 1)
		raw_acquire(dfd, 0, 0, NULL);
	return NULL;		/* attached and holding: the exit probe */
}

/*
 * The holder died: the free lock is taken inline by the io-wq worker,
 * whose completion (KGIL_ACQUIRED_OWNER_DEAD) the submitter, waiting for
 * it, may run and free before the worker has left kgil_uring_cmd().
 */
Test(uring, async_acquire_after_owner_death_loop, .timeout = 600)
{
	uint64_t end = now_ns() + loop_ns();
	int me = raw_attach(fd), rounds = 0;

	cr_assert_geq(me, 1);
	while (now_ns() < end) {
		struct io_uring_sqe *sqe;
		struct io_uring ring;
		pthread_t th;
		int res;

		pthread_create(&th, NULL, die_holding, &fd);
		pthread_join(th, NULL);
		cr_assert(dt_wait_u32(&sh->holder_id, 0, true, LONG_NS),
			  "round %d: the dead holder still holds", rounds);
		cr_assert_eq(io_uring_queue_init(4, &ring, 0), 0);
		cr_assert_eq(pin_round(&ring, rounds % nr_cpus(),
				       !(rounds & 1)), 0);
		sqe = dt_uring_prep_acquire(&ring, fd, ACQ_DATA);
		sqe->flags |= IOSQE_ASYNC;
		cr_assert_eq(io_uring_submit(&ring), 1);
		res = dt_uring_next_cqe(&ring, LONG_NS, NULL);
		io_uring_queue_exit(&ring);
		cr_assert_eq(res, KGIL_ACQUIRED_OWNER_DEAD, "round %d: res %d",
			     rounds, res);
		cr_assert_eq(sh->holder_id, (uint32_t)me);
		cr_assert_eq(raw_release(fd), 0);
		rounds++;
	}
	cr_log_info("%d rounds of owner death then an io-wq acquire\n", rounds);
}

/*
 * Issue 24, outside pass 2, F2: the thread closes its ring right after
 * submitting an acquire of the free lock through io-wq (IOSQE_ASYNC).
 * The worker may issue it long after the close has returned (a loaded
 * machine): it must not take the lock then, nobody can learn of that
 * grant.  A grant that came before the close is told by the thread's
 * next call (ACQUIRE: -EDEADLK); after its RELEASE nothing takes the
 * lock for it any more.
 */
Test(uring, closed_ring_acquire_takes_no_lock_later_loop, .timeout = 600)
{
	uint64_t end = now_ns() + loop_ns();
	int me = raw_attach(fd), rounds = 0, before = 0;

	cr_assert_geq(me, 1);
	while (now_ns() < end) {
		struct io_uring_sqe *sqe;
		struct io_uring ring;
		int ret;

		cr_assert_eq(io_uring_queue_init(4, &ring, 0), 0);
		cr_assert_eq(pin_round(&ring, rounds % nr_cpus(),
				       rounds & 1), 0);
		sqe = dt_uring_prep_acquire(&ring, fd, ACQ_DATA);
		sqe->flags |= IOSQE_ASYNC;
		cr_assert_eq(io_uring_submit(&ring), 1);
		io_uring_queue_exit(&ring);
		ret = raw_acquire(fd, 0, 0, NULL);
		cr_assert(ret == 0 || ret == -EDEADLK, "round %d: ACQUIRE %d",
			  rounds, ret);
		before += ret == -EDEADLK;
		cr_assert_eq(raw_release(fd), 0);
		sleep_ns(5000000);
		cr_assert_eq(sh->holder_id, 0,
			     "round %d: 5 ms after ACQUIRE (%d) and RELEASE, the closed ring's acquire took the lock (holder %u, me %d)",
			     rounds, ret, sh->holder_id, me);
		rounds++;
	}
	cr_log_info("%d rounds of submit-then-close, %d granted before the close\n",
		    rounds, before);
}

/*
 * Issue 24, finding 11: under newgil's forced switch a thread that has
 * released for I/O sleeps until another thread has taken the lock.  Its
 * own acquire, linked behind the I/O and issued by io-wq while it sleeps
 * there, can take the free lock first (newgil lets anybody take a free
 * lock): the lock then never goes to another thread, and the sleeper
 * must not sleep on holding it while the others wait.
 *
 * The shape, made certain: B waits (and asked for the drop), then is kept
 * off its CPU by a SCHED_FIFO spinner, so that the release's wake-up
 * cannot get B running.  Y holds and, on a DEFER_TASKRUN ring (whose
 * completions do not interrupt Y) with one io-wq worker, submits an open
 * of a FIFO (the worker blocks in it until a writer comes) and, once the
 * worker sleeps there, the acquire (IOSQE_ASYNC), which waits for the
 * worker; submitted before, it would make the sleeping worker ask Y,
 * through task work that also cuts Y's wait, for another worker.  Y
 * releases for I/O: the forced switch.  The test then opens the FIFO's
 * other end, and the worker issues Y's acquire.
 */

/* An io-wq worker of this process sleeps in a FIFO's open. */
static bool iowq_in_fifo_open(void)
{
	char path[320], buf[64];
	struct dirent *de;
	bool found = false;
	DIR *d = opendir("/proc/self/task");

	while (d && !found && (de = readdir(d))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		found = fgets(buf, sizeof(buf), f) &&
			!strncmp(buf, "iou-wrk-", 8);
		fclose(f);
		if (!found)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/wchan",
			 de->d_name);
		f = fopen(path, "r");
		found = f && fgets(buf, sizeof(buf), f) &&
			(strstr(buf, "fifo") || strstr(buf, "partner"));
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

struct yielder {
	int fd;
	const char *fifo;
	atomic_int stage;	/* 1: holding, 2: go, 3: IO_BEGIN returned */
	int id, err, io_begin, open_res, acq_res;
	uint32_t holder;	/* as IO_BEGIN returned: the holder, */
	uint64_t switches;	/* the switch number */
	bool held_after;	/* held the lock once the CQEs were in */
};

static void *yielder_run(void *p)
{
	struct yielder *y = p;
	struct io_uring_params params = {
		.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	unsigned int workers[2] = { 1, 1 };	/* bounded, unbounded */
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	uint64_t data;
	int ret;

	y->id = raw_attach(y->fd);
	ret = y->id < 1 ? -EIO : raw_acquire(y->fd, 0, 0, NULL);
	if (!ret)
		ret = io_uring_queue_init_params(8, &ring, &params);
	if (!ret)
		ret = pin_round(&ring, 0, true);
	if (!ret)
		ret = io_uring_register_iowq_max_workers(&ring, workers);
	if (ret) {
		y->err = ret;
		atomic_store(&y->stage, -1);
		return NULL;
	}
	atomic_store(&y->stage, 1);
	dt_wait_flag(&y->stage, 2, LONG_NS);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_openat(sqe, AT_FDCWD, y->fifo, O_RDONLY, 0);
	sqe->flags |= IOSQE_ASYNC;
	sqe->user_data = 1;
	ret = io_uring_submit(&ring) == 1 ? 0 : -EIO;
	for (int i = 0; !ret && !iowq_in_fifo_open(); i++) {
		if (i == 2000)
			ret = -ETIMEDOUT;
		sleep_ns(1000000);
	}
	sqe = ret ? NULL : dt_uring_prep_acquire(&ring, y->fd, ACQ_DATA);
	if (sqe) {
		sqe->flags |= IOSQE_ASYNC;
		ret = io_uring_submit(&ring) == 1 ? 0 : -EIO;
	}
	if (ret) {
		y->err = ret;
		atomic_store(&y->stage, -1);
		return NULL;
	}
	y->io_begin = raw_io_begin(y->fd);
	y->holder = sh->holder_id;
	y->switches = sh->switch_number;
	atomic_store(&y->stage, 3);
	y->open_res = y->acq_res = DT_NO_CQE;
	for (int i = 0; i < 2; i++) {
		ret = dt_uring_next_cqe(&ring, LONG_NS, &data);
		if (data == ACQ_DATA)
			y->acq_res = ret;
		else
			y->open_res = ret;
	}
	if (y->open_res >= 0)
		close(y->open_res);
	y->held_after = sh->holder_id == (uint32_t)y->id;
	if (y->held_after)
		raw_release(y->fd);
	raw_detach(y->fd);
	io_uring_queue_exit(&ring);
	return NULL;
}

struct spinner {
	atomic_int stop;
	atomic_int running;
	int err;
};

/* SCHED_FIFO on CPU 1 until told (or 3 s): nothing else runs there. */
static void *spinner_run(void *p)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct spinner *s = p;
	uint64_t end = now_ns() + 3000000000ULL;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	s->err = sched_setaffinity(0, sizeof(set), &set) ? errno :
		 pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	atomic_store(&s->running, s->err ? -1 : 1);
	while (!s->err && !atomic_load(&s->stop) && now_ns() < end)
		;
	return NULL;
}

struct waiter_b {
	int fd;
	atomic_int attached;
	int res;
	uint64_t got_ns;	/* when its ACQUIRE returned */
};

static void *waiter_b_run(void *p)
{
	struct waiter_b *b = p;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	b->res = raw_attach(b->fd);
	atomic_store(&b->attached, 1);
	if (b->res < 1)
		return NULL;
	b->res = raw_acquire(b->fd, KGIL_ACQUIRE_TIMEOUT, 3000000000ULL, NULL);
	b->got_ns = now_ns();
	if (!b->res)
		raw_release(b->fd);
	raw_detach(b->fd);
	return NULL;
}

Test(uring, own_acquire_ends_forced_switch_wait)
{
	char fifo[64] = "/tmp/kgil-uring-fifo-XXXXXX";
	struct yielder y = { .fd = fd, .fifo = fifo };
	struct waiter_b b = { .fd = fd };
	struct spinner s = { 0 };
	pthread_t yt, bt, st;
	uint64_t switches, t0, t1;
	uint32_t holder;
	bool returned;
	int wfd;

	if (nr_cpus() < 2)
		cr_skip_test("needs two CPUs");
	cr_assert_neq(mkdtemp(fifo), NULL);
	strcat(fifo, "/f");
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_NEWGIL,
				   KGIL_POLICY_FORCE_SWITCH, 1000000), 0);
	pthread_create(&yt, NULL, yielder_run, &y);
	cr_assert(dt_wait_flag(&y.stage, 1, LONG_NS));
	cr_assert_eq(y.stage, 1, "yielder set-up: %s", strerror(-y.err));
	pthread_create(&bt, NULL, waiter_b_run, &b);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, LONG_NS));
	cr_assert_neq(dt_spin_until_drop(sh, LONG_NS), 0, "B asked no drop");
	cr_assert_eq(pin_round(NULL, 0, false), 0, "this thread off CPU 1");
	pthread_create(&st, NULL, spinner_run, &s);
	cr_assert(dt_wait_flag(&s.running, 1, LONG_NS));
	cr_assert_eq(s.err, 0, "SCHED_FIFO spinner: %s", strerror(s.err));
	atomic_store(&y.stage, 2);
	cr_assert(dt_wait_u32(&sh->holder_id, 0, true, LONG_NS),
		  "the yielder did not release (set-up: %s)", strerror(-y.err));
	sleep_ns(20000000);
	cr_assert_eq(atomic_load(&y.stage), 2,
		     "no forced-switch wait (IO_BEGIN returned %d)", y.io_begin);
	cr_assert_eq(sh->nr_waiting, 1, "B is still queued, kept off its CPU");
	switches = sh->switch_number;
	t0 = now_ns();
	wfd = open(fifo, O_WRONLY);
	cr_assert_geq(wfd, 0);
	/* The worker issues Y's acquire: it takes the free lock before B. */
	returned = dt_wait_flag(&y.stage, 3, 500000000ULL);
	t1 = now_ns();
	holder = sh->holder_id;
	atomic_store(&s.stop, 1);
	pthread_join(st, NULL);
	pthread_join(yt, NULL);
	pthread_join(bt, NULL);
	close(wfd);
	unlink(fifo);
	*strrchr(fifo, '/') = 0;
	rmdir(fifo);
	cr_log_info("IO_BEGIN %s %.1f ms after the FIFO opened (holder %u, the yielder %d); B's ACQUIRE: %d, %.1f ms after\n",
		    returned ? "returned" : "still asleep", (t1 - t0) / 1e6,
		    holder, y.id, b.res, (b.got_ns - t0) / 1e6);
	cr_assert(returned, "IO_BEGIN slept on, the lock's holder %u (the yielder is %d), while B waited",
		  holder, y.id);
	cr_assert_eq(y.holder, (uint32_t)y.id, "its own acquire took the lock");
	cr_assert_eq(y.switches, switches, "B had the lock first");
	cr_assert_eq(y.io_begin, 0);
	cr_assert_geq(y.open_res, 0);
	cr_assert_eq(y.acq_res, 0);
	cr_assert(y.held_after, "the acquire's CQE said it holds the lock");
	cr_assert_eq(b.res, 0, "B got the lock once the yielder released it");
}

/*
 * Issue 24, outside pass 2, F3: the same forced switch, entered by CHECK,
 * with the acquire linked behind a timeout on an ordinary ring.  The
 * timeout's completion is task work for the checker: it cuts CHECK's
 * forced-switch wait, the call restarts transparently, and io-wq issues
 * the acquire, which takes the free lock (B is kept off its CPU), around
 * that restart.  Exactly one of the two may claim the lock: the
 * acquire's CQE (res 0), and CHECK then returns -EDEADLK.  The io-wq
 * worker is made idle beforehand, so that it issues the acquire as soon
 * as the task work has queued it, typically before the restart.
 */
struct checker {
	int fd;
	atomic_int stage;	/* 1: holding, 2: go, 3: CHECK returned */
	int id, err, check, timeout_res, acq_res;
	uint32_t holder;	/* as CHECK returned */
	uint64_t check_ns, acquisitions;
	bool held_after;
};

static void *checker_run(void *p)
{
	static struct __kernel_timespec ts = { .tv_nsec = 100000000 };
	struct kgil_acquire a = { 0 };
	struct checker *c = p;
	struct io_uring_sqe *sqe;
	struct kgil_stats st;
	struct io_uring ring;
	uint64_t data, t0;
	int ret;

	c->id = raw_attach(c->fd);
	ret = c->id < 1 ? -EIO : raw_acquire(c->fd, 0, 0, NULL);
	if (!ret)
		ret = io_uring_queue_init(8, &ring, 0);
	if (!ret)
		ret = pin_round(&ring, 0, true);
	/* An idle worker, woken at once when the acquire is queued. */
	sqe = ret ? NULL : io_uring_get_sqe(&ring);
	if (sqe) {
		io_uring_prep_nop(sqe);
		sqe->flags |= IOSQE_ASYNC;
		ret = io_uring_submit(&ring) == 1 ? 0 : -EIO;
		if (!ret)
			ret = dt_uring_next_cqe(&ring, LONG_NS, NULL);
	}
	if (ret) {
		c->err = ret;
		atomic_store(&c->stage, -1);
		return NULL;
	}
	atomic_store(&c->stage, 1);
	dt_wait_flag(&c->stage, 2, LONG_NS);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_timeout(sqe, &ts, 0, 0);
	sqe->flags |= IOSQE_IO_HARDLINK;
	sqe->user_data = 1;
	sqe = dt_uring_prep_acquire(&ring, c->fd, ACQ_DATA);
	sqe->flags |= IOSQE_ASYNC;
	if (io_uring_submit(&ring) != 2) {
		c->err = -EIO;
		atomic_store(&c->stage, -1);
		return NULL;
	}
	t0 = now_ns();
	c->check = raw_check(c->fd, &a);
	c->check_ns = now_ns() - t0;
	c->holder = sh->holder_id;
	atomic_store(&c->stage, 3);
	c->timeout_res = c->acq_res = DT_NO_CQE;
	for (int i = 0; i < 2; i++) {
		ret = dt_uring_next_cqe(&ring, LONG_NS, &data);
		if (data == ACQ_DATA)
			c->acq_res = ret;
		else
			c->timeout_res = ret;
	}
	if (!raw_thread_stats(c->fd, (uint32_t)c->id, &st))
		c->acquisitions = st.c.acquisitions;
	c->held_after = sh->holder_id == (uint32_t)c->id;
	if (c->held_after)
		raw_release(c->fd);
	raw_detach(c->fd);
	io_uring_queue_exit(&ring);
	return NULL;
}

/* One round: the checker's CHECK, cut by its acquire's task work. */
static void check_round(int round)
{
	struct checker c = { .fd = fd };
	struct waiter_b b = { .fd = fd };
	struct spinner s = { 0 };
	pthread_t ct, bt, st;
	uint64_t switches;
	bool returned;

	pthread_create(&ct, NULL, checker_run, &c);
	cr_assert(dt_wait_flag(&c.stage, 1, LONG_NS));
	cr_assert_eq(c.stage, 1, "checker set-up: %s", strerror(-c.err));
	pthread_create(&bt, NULL, waiter_b_run, &b);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, LONG_NS));
	cr_assert_neq(dt_spin_until_drop(sh, LONG_NS), 0, "B asked no drop");
	pthread_create(&st, NULL, spinner_run, &s);
	cr_assert(dt_wait_flag(&s.running, 1, LONG_NS));
	cr_assert_eq(s.err, 0, "SCHED_FIFO spinner: %s", strerror(s.err));
	switches = sh->switch_number;
	atomic_store(&c.stage, 2);
	returned = dt_wait_flag(&c.stage, 3, 1000000000ULL);
	atomic_store(&s.stop, 1);
	pthread_join(st, NULL);
	pthread_join(ct, NULL);
	pthread_join(bt, NULL);
	cr_log_info("round %d: CHECK %d after %.1f ms (holder %u, the checker %d); CQEs: timeout %d, acquire %d; the checker's acquisitions %llu\n",
		    round, c.check, c.check_ns / 1e6, c.holder, c.id,
		    c.timeout_res, c.acq_res,
		    (unsigned long long)c.acquisitions);
	cr_assert(returned, "round %d: CHECK slept on while B waited", round);
	cr_assert_eq(c.err, 0, "checker: %s", strerror(-c.err));
	cr_assert_eq(c.timeout_res, -ETIME);
	cr_assert_eq(c.acq_res, 0, "the acquire's CQE: it took the lock");
	cr_assert_eq(c.holder, (uint32_t)c.id, "the checker held the lock");
	cr_assert_eq(sh->switch_number - switches, 1,
		     "B took the lock only after the checker released it");
	cr_assert_eq(c.acquisitions, 2, "one grant, to the acquire");
	cr_assert_eq(c.check, -EDEADLK,
		     "round %d: CHECK %d (%.1f ms), but the acquire's CQE claims the lock: want -EDEADLK",
		     round, c.check, c.check_ns / 1e6);
	cr_assert(c.held_after);
	cr_assert_eq(b.res, 0, "B got the lock once the checker released it");
}

Test(uring, check_cut_by_own_acquire_is_edeadlk)
{
	if (nr_cpus() < 2)
		cr_skip_test("needs two CPUs");
	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_NEWGIL,
				   KGIL_POLICY_FORCE_SWITCH, 1000000), 0);
	cr_assert_eq(pin_round(NULL, 0, false), 0, "this thread off CPU 1");
	for (int round = 0; round < 5; round++)
		check_round(round);
}
