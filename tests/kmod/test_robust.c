// SPDX-License-Identifier: GPL-2.0
/*
 * Robustness: holders that die (thread exit, process exit, SIGKILL),
 * threads that exit attached, and a domain closed while threads wait.
 * Other processes are spawned with posix_spawn (tests/helpers/kmod-holder)
 * and share the domain by inheriting its descriptor.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "dt.h"
#include "raw.h"

/* Each test's own domain and its page, fresh (setup() opens them). */
static int fd = -1;
static const volatile struct kgil_shared *sh;
static void setup(void) { dt_domain_open(&fd, &sh); }
static void teardown(void) { dt_domain_close(&fd, &sh); }
TestSuite(robust, .init = setup, .fini = teardown, .timeout = 120);

struct waiter {
	int fd;
	int id;
	int ret;
	struct kgil_acquire a;
	volatile int attached;
	volatile int go;
};

/* Attach, wait to be told, ACQUIRE (blocking), report, release. */
static void *waiter_thread(void *p)
{
	struct waiter *w = p;

	w->id = raw_attach(w->fd);
	w->attached = 1;
	while (!w->go)
		sleep_ns(100000);
	w->ret = raw_acquire(w->fd, 0, 0, &w->a);
	if (!w->ret)
		raw_release(w->fd);
	return NULL;
}

static void start_waiter(struct waiter *w, pthread_t *th)
{
	w->fd = fd;
	pthread_create(th, NULL, waiter_thread, w);
	while (!w->attached)
		sleep_ns(100000);
	w->go = 1;
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, 10000000000ull),
		  "the waiter never queued");
}

static void *hold_and_exit(void *p)
{
	int *id = p;

	*id = raw_attach(fd);
	if (*id > 0 && raw_acquire(fd, 0, 0, NULL))
		*id = -1;
	return NULL;	/* exits holding, never detached */
}

Test(robust, thread_exiting_while_holding_is_an_owner_death)
{
	struct kgil_acquire a;
	struct kgil_stats st;
	pthread_t th;
	int id = 0;

	cr_assert_geq(raw_attach(fd), 1);
	pthread_create(&th, NULL, hold_and_exit, &id);
	pthread_join(th, NULL);
	cr_assert_geq(id, 1);
	/* Blocks until the exit probe released the dead thread's lock. */
	cr_assert_eq(raw_acquire(fd, KGIL_ACQUIRE_TIMEOUT, 10000000000ull, &a), 0);
	cr_assert(a.result & KGIL_ACQUIRED_OWNER_DEAD);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.owner_deaths, 1);
	cr_assert_eq(st.nr_threads, 1, "the dead thread was detached");
	/* Told once only. */
	cr_assert_eq(raw_release(fd), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, &a), 0);
	cr_assert_eq(a.result & KGIL_ACQUIRED_OWNER_DEAD, 0);
}

static void *io_and_exit(void *p)
{
	int *id = p;

	*id = raw_attach(fd);
	if (*id > 0 && (raw_acquire(fd, 0, 0, NULL) || raw_io_begin(fd)))
		*id = -1;
	return NULL;	/* exits in I/O: holds nothing */
}

Test(robust, thread_exiting_in_io_is_detached_quietly)
{
	struct kgil_stats st;
	pthread_t th;
	int id = 0;

	pthread_create(&th, NULL, io_and_exit, &id);
	pthread_join(th, NULL);
	cr_assert_geq(id, 1);
	cr_assert(dt_wait_gone(fd, (uint32_t)id, 0));
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.nr_threads, 0);
	cr_assert_eq(st.c.owner_deaths, 0);
	cr_assert_eq(st.c.io_begins, 1);
	cr_assert_eq(st.holder_id, 0);
}

Test(robust, sigkilled_holder_process_releases_with_owner_dead)
{
	struct waiter w = { 0 };
	struct kgil_stats st;
	pthread_t th;
	pid_t pid, tid;
	uint32_t hid;
	int status;

	pid = dt_spawn_holder(fd, "hold", &tid, &hid);
	cr_assert_gt(pid, 0, "spawn kmod-holder: %s", strerror(-pid));
	cr_assert_eq(sh->holder_id, hid);
	start_waiter(&w, &th);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	pthread_join(th, NULL);
	cr_assert_eq(w.ret, 0, "waiter: %s", strerror(-w.ret));
	cr_assert(w.a.result & KGIL_ACQUIRED_OWNER_DEAD);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.owner_deaths, 1);
	cr_assert_eq(raw_thread_stats(fd, hid, &st), -ENOENT);
}

Test(robust, holder_process_exiting_releases_with_owner_dead)
{
	struct kgil_acquire a;
	struct kgil_stats st;
	pid_t pid, tid;
	uint32_t hid;
	int status;

	cr_assert_geq(raw_attach(fd), 1);
	pid = dt_spawn_holder(fd, "hold-exit", &tid, &hid);
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The process is reaped: its exit ran completely. */
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.holder_id, 0);
	cr_assert_eq(st.nr_threads, 1);
	cr_assert_eq(st.c.owner_deaths, 1);
	cr_assert_eq(raw_acquire(fd, 0, 0, &a), 0);
	cr_assert(a.result & KGIL_ACQUIRED_OWNER_DEAD);
}

/* A process that only attached and exits (closing its copy) harms nobody. */
Test(robust, another_process_exiting_does_not_touch_our_lock)
{
	struct kgil_stats st;
	pid_t pid, tid;
	uint32_t hid;
	int status, me = raw_attach(fd);

	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	pid = dt_spawn_holder(fd, "attach-exit", &tid, &hid);
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.holder_id, (uint32_t)me);
	cr_assert_eq(st.nr_threads, 1);
	cr_assert_eq(st.c.owner_deaths, 0);
	cr_assert_eq(raw_release(fd), 0);
}

struct closer_holder {
	int fd;
	volatile int held;
	volatile int stop;
};

static void *hold_until_stopped(void *p)
{
	struct closer_holder *h = p;

	if (raw_attach(h->fd) < 1 || raw_acquire(h->fd, 0, 0, NULL))
		return NULL;
	h->held = 1;
	while (!h->stop)
		sleep_ns(100000);
	return NULL;
}

Test(robust, closing_the_domain_wakes_waiters_with_ebadf)
{
	struct closer_holder h = { .fd = fd };
	struct waiter w = { 0 };
	pthread_t th_h, th_w;

	pthread_create(&th_h, NULL, hold_until_stopped, &h);
	while (!h.held)
		sleep_ns(100000);
	start_waiter(&w, &th_w);
	/* This process's last descriptor: its threads leave the domain. */
	cr_assert_eq(close(fd), 0);
	fd = -1;
	pthread_join(th_w, NULL);
	cr_assert_eq(w.ret, -EBADF);
	/* The mapping outlives the descriptor and shows the lock released. */
	cr_assert_eq(sh->holder_id, 0);
	cr_assert_eq(sh->nr_waiting, 0);
	h.stop = 1;
	pthread_join(th_h, NULL);
}

Test(robust, closing_one_of_two_descriptors_changes_nothing)
{
	int fd2 = dup(fd);
	int me = raw_attach(fd);
	struct kgil_stats st;

	cr_assert_geq(fd2, 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	cr_assert_eq(close(fd), 0);
	fd = fd2;
	cr_assert_eq(sh->holder_id, (uint32_t)me);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.nr_threads, 1);
	cr_assert_eq(raw_release(fd), 0);
}

/*
 * A thread that unshares its file table (unshare(CLONE_FILES)) is, for
 * the close rule, a process of its own: what counts is the table a
 * thread has when a descriptor is closed, not the one it had when it
 * attached.
 */
struct unsharer {
	int fd;			/* the number, valid in both tables */
	bool close_own;		/* close its copy, or wait for ours to go */
	int id;
	int unshare_ret, close_ret;
	int stats_ret, release_ret;	/* after our close (!close_own) */
	uint32_t nr_threads;
	atomic_int step;	/* 1: it holds in its own table; 2: checked */
	atomic_int go;		/* ours is closed (!close_own); leave */
};

static void *unshare_and_hold(void *p)
{
	struct unsharer *u = p;
	struct kgil_stats st;

	u->id = raw_attach(u->fd);
	if (u->id < 1 || raw_acquire(u->fd, 0, 0, NULL))
		u->id = -1;
	u->unshare_ret = unshare(CLONE_FILES) ? -errno : 0;
	if (u->close_own)
		u->close_ret = close(u->fd) ? -errno : 0;
	atomic_store(&u->step, 1);
	if (!u->close_own) {
		dt_wait_flag(&u->go, 1, 20000000000ull);
		u->stats_ret = raw_thread_stats(u->fd, 0, &st);
		u->release_ret = raw_release(u->fd);
		if (!raw_domain_stats(u->fd, &st))
			u->nr_threads = st.nr_threads;
		close(u->fd);
		atomic_store(&u->step, 2);
	}
	/* Alive until told: its exit would detach it anyway. */
	dt_wait_flag(&u->go, 2, 20000000000ull);
	return NULL;
}

Test(robust, closing_an_unshared_copy_detaches_its_thread)
{
	struct unsharer u = { .fd = fd, .close_own = true };
	struct kgil_acquire a;
	struct kgil_stats st;
	int me = raw_attach(fd), ret;
	pthread_t th;

	cr_assert_geq(me, 1);
	pthread_create(&th, NULL, unshare_and_hold, &u);
	cr_assert(dt_wait_flag(&u.step, 1, 20000000000ull));
	cr_assert_geq(u.id, 1);
	cr_assert_eq(u.unshare_ret, 0, "unshare: %s", strerror(-u.unshare_ret));
	cr_assert_eq(u.close_ret, 0);
	/* Its table's last descriptor is gone: it left, releasing (close). */
	ret = raw_acquire(fd, KGIL_ACQUIRE_TRY, 0, &a);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	atomic_store(&u.go, 2);
	pthread_join(th, NULL);
	cr_assert_eq(ret, 0, "TRY: %s (holder id %u, the closer's %d)",
		     strerror(-ret), st.holder_id, u.id);
	cr_assert_eq(a.result, 0, "a close is not an owner death");
	cr_assert_eq(st.nr_threads, 1);
	cr_assert_eq(st.c.owner_deaths, 0);
	cr_assert_eq(raw_release(fd), 0);
}

Test(robust, closing_the_shared_table_spares_a_thread_that_unshared)
{
	struct unsharer u = { .fd = fd };
	uint32_t held;
	pthread_t th;

	cr_assert_geq(raw_attach(fd), 1);
	pthread_create(&th, NULL, unshare_and_hold, &u);
	cr_assert(dt_wait_flag(&u.step, 1, 20000000000ull));
	cr_assert_geq(u.id, 1);
	cr_assert_eq(u.unshare_ret, 0, "unshare: %s", strerror(-u.unshare_ret));
	/* Our table's last descriptor: we leave, the unsharer keeps its own. */
	cr_assert_eq(close(fd), 0);
	fd = -1;
	held = sh->holder_id;
	atomic_store(&u.go, 1);
	cr_assert(dt_wait_flag(&u.step, 2, 20000000000ull));
	atomic_store(&u.go, 2);
	pthread_join(th, NULL);
	cr_assert_eq(held, (uint32_t)u.id, "the unsharer lost the lock");
	cr_assert_eq(u.stats_ret, 0, "the unsharer was detached: %s",
		     strerror(-u.stats_ret));
	cr_assert_eq(u.release_ret, 0);
	cr_assert_eq(u.nr_threads, 1, "we are still attached");
	/* Its close ended the domain; the page says it is free. */
	cr_assert_eq(sh->holder_id, 0);
}
