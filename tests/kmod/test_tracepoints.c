// SPDX-License-Identifier: GPL-2.0
/*
 * Every kgil tracepoint fires at its moment with the right fields, read
 * back from a private tracefs instance (tests/lib/tracecap).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "dt.h"
#include "raw.h"
#include "tracecap.h"

TestSuite(tracepoints, .timeout = 120);

static long long field(const struct tracecap_event *ev, const char *name)
{
	long long v;

	cr_assert(tracecap_field(ev, name, &v), "%s has no field %s",
		  ev->name, name);
	return v;
}

/* The n-th event called name in domain dom, or NULL. */
static const struct tracecap_event *find(const struct tracecap *tc,
					 const char *name, long long dom,
					 size_t n)
{
	const struct tracecap_event *ev;

	for (size_t i = 0; (ev = tracecap_find(tc, name, i)); i++)
		if (field(ev, "domain") == dom && n-- == 0)
			return ev;
	return NULL;
}

static size_t count(const struct tracecap *tc, const char *name, long long dom)
{
	size_t n = 0;

	while (find(tc, name, dom, n))
		n++;
	return n;
}

static void expect_thread(const struct tracecap_event *ev, pid_t tid, int id)
{
	cr_assert_not_null(ev);
	cr_assert_eq(field(ev, "tid"), tid, "%s: tid", ev->name);
	cr_assert_eq(field(ev, "id"), id, "%s: id", ev->name);
}

static void expect_release(const struct tracecap_event *ev, pid_t tid, int id,
			   int reason)
{
	expect_thread(ev, tid, id);
	cr_assert_eq(field(ev, "reason"), reason, "release reason");
	cr_assert_gt(field(ev, "hold_ns"), 0);
}

/* Open, policy, attach, acquire, release, check, I/O, detach, close. */
Test(tracepoints, lifecycle_of_one_thread)
{
	struct tracecap *tc = tracecap_start("kgil", NULL);
	const struct tracecap_event *ev;
	struct kgil_stats st;
	pid_t tid = gettid();
	long long dom;
	int fd, id;

	cr_assert_not_null(tc, "cannot enable the kgil events");
	fd = raw_open(O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	dom = (long long)st.domain_id;
	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_LEGACY, 0, 3000000), 0);
	id = raw_attach(fd);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	sleep_ns(2000000);
	cr_assert_eq(raw_release(fd), 0);			/* explicit */
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	cr_assert_eq(raw_check(fd, NULL), 0);			/* check */
	cr_assert_eq(raw_io_begin(fd), 0);			/* io */
	cr_assert_eq(raw_io_end(fd, NULL), 0);
	cr_assert_eq(raw_detach(fd), 0);				/* detach */
	close(fd);
	cr_assert_gt(tracecap_stop(tc), 0);

	ev = find(tc, "kgil_open", dom, 0);
	cr_assert_not_null(ev);
	cr_assert_eq(field(ev, "pid"), getpid());
	ev = find(tc, "kgil_policy_change", dom, 0);
	cr_assert_not_null(ev);
	cr_assert_eq(field(ev, "old_policy"), KGIL_POLICY_NEWGIL);
	cr_assert_eq(field(ev, "new_policy"), KGIL_POLICY_LEGACY);
	cr_assert_eq(field(ev, "check_interval"), 100);
	cr_assert_eq(field(ev, "switch_interval_ns"), 3000000);
	cr_assert_eq(field(ev, "flags"), 0);
	expect_thread(find(tc, "kgil_attach", dom, 0), tid, id);

	cr_assert_eq(count(tc, "kgil_acquire_begin", dom), 4);
	cr_assert_eq(count(tc, "kgil_acquire_end", dom), 4);
	for (size_t i = 0; i < 4; i++) {
		ev = find(tc, "kgil_acquire_begin", dom, i);
		expect_thread(ev, tid, id);
		cr_assert_eq(field(ev, "io"), i == 3, "only IO_END is tagged io");
		ev = find(tc, "kgil_acquire_end", dom, i);
		expect_thread(ev, tid, id);
		cr_assert_eq(field(ev, "ret"), 0);
		cr_assert_eq(field(ev, "failed"), 0);
		cr_assert_eq(field(ev, "owner_dead"), 0);
		cr_assert_lt(field(ev, "wait_ns"), 1000000000ll);
	}
	cr_assert_eq(count(tc, "kgil_release", dom), 4);
	ev = find(tc, "kgil_release", dom, 0);
	expect_release(ev, tid, id, 0 /* explicit */);
	cr_assert_geq(field(ev, "hold_ns"), 2000000);
	expect_release(find(tc, "kgil_release", dom, 1), tid, id, 1 /* check */);
	expect_release(find(tc, "kgil_release", dom, 2), tid, id, 2 /* io */);
	expect_release(find(tc, "kgil_release", dom, 3), tid, id, 3 /* detach */);
	expect_thread(find(tc, "kgil_detach", dom, 0), tid, id);
	ev = find(tc, "kgil_close", dom, 0);
	cr_assert_not_null(ev);
	cr_assert_eq(field(ev, "nr_threads"), 0);
	/* One thread only: nothing changed hands. */
	cr_assert_eq(count(tc, "kgil_handoff", dom), 0);
	cr_assert_eq(count(tc, "kgil_drop_request", dom), 0);
	tracecap_free(tc);
}

struct peer {
	int fd;
	int id;
	pid_t tid;
	int ret;
	int timeout_ret;
};

/*
 * Time out once (ACQUIRE with a 1 ms timeout), then wait for real: a
 * drop request under newgil; take the lock and exit holding it.
 */
static void *peer_thread(void *p)
{
	struct peer *pe = p;

	pe->tid = gettid();
	pe->id = raw_attach(pe->fd);
	pe->timeout_ret = raw_acquire(pe->fd, KGIL_ACQUIRE_TIMEOUT, 1000000, NULL);
	pe->ret = raw_acquire(pe->fd, 0, 0, NULL);
	return NULL;
}

Test(tracepoints, drop_request_handoff_owner_death_timeout_close)
{
	struct tracecap *tc = tracecap_start("kgil", NULL);
	const volatile struct kgil_shared *sh;
	const struct tracecap_event *ev;
	struct peer pe = { 0 };
	struct kgil_acquire a;
	struct kgil_stats st;
	pid_t tid = gettid();
	long long dom;
	pthread_t th;
	int fd, id;

	cr_assert_not_null(tc);
	fd = raw_open(O_CLOEXEC);
	cr_assert_geq(fd, 0);
	sh = raw_map(fd);
	cr_assert_not_null(sh);
	dom = (long long)sh->domain_id;
	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_NEWGIL,
				   KGIL_POLICY_FORCE_SWITCH, 10000000), 0);
	id = raw_attach(fd);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	pe.fd = fd;
	pthread_create(&th, NULL, peer_thread, &pe);
	cr_assert(dt_wait_u32(&sh->drop_request, 1, true, 10000000000ull));
	cr_assert_eq(raw_check(fd, &a), 0);	/* waits for the peer */
	pthread_join(th, NULL);
	cr_assert_eq(pe.timeout_ret, -ETIMEDOUT);
	cr_assert_eq(pe.ret, 0);
	cr_assert(a.result & KGIL_ACQUIRED_OWNER_DEAD,
		  "the peer exited holding the lock");
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	raw_unmap(sh);
	close(fd);
	cr_assert_gt(tracecap_stop(tc), 0);

	/* The peer's first, timed-out acquisition. */
	ev = find(tc, "kgil_acquire_end", dom, 1);
	expect_thread(ev, pe.tid, pe.id);
	cr_assert_eq(field(ev, "ret"), -ETIMEDOUT);
	cr_assert_geq(field(ev, "wait_ns"), 1000000);

	ev = find(tc, "kgil_drop_request", dom, 0);
	cr_assert_not_null(ev);
	cr_assert_eq(field(ev, "requester"), pe.id);
	cr_assert_eq(field(ev, "holder"), id);
	cr_assert_eq(count(tc, "kgil_drop_request", dom), st.c.drop_requests);

	expect_release(find(tc, "kgil_release", dom, 0), tid, id, 1 /* check */);
	cr_assert_eq(count(tc, "kgil_handoff", dom), 2);
	ev = find(tc, "kgil_handoff", dom, 0);
	cr_assert_not_null(ev);
	cr_assert_eq(field(ev, "from_tid"), tid);
	cr_assert_eq(field(ev, "from"), id);
	cr_assert_eq(field(ev, "to_tid"), pe.tid);
	cr_assert_eq(field(ev, "to"), pe.id);
	cr_assert_gt(field(ev, "latency_ns"), 0);
	ev = find(tc, "kgil_handoff", dom, 1);
	cr_assert_eq(field(ev, "from"), pe.id);
	cr_assert_eq(field(ev, "to"), id);

	expect_thread(find(tc, "kgil_owner_death", dom, 0), pe.tid, pe.id);
	cr_assert_eq(count(tc, "kgil_owner_death", dom), 1);
	expect_release(find(tc, "kgil_release", dom, 1), pe.tid, pe.id, 5 /* exit */);
	/* Our acquisition inside CHECK was told about the death. */
	ev = find(tc, "kgil_acquire_end", dom, 3);
	expect_thread(ev, tid, id);
	cr_assert_eq(field(ev, "owner_dead"), 1);
	cr_assert_eq(field(ev, "ret"), 0);
	/*
	 * Closing while holding: this process's last descriptor, so its
	 * thread releases (reason close) and leaves before the final close.
	 */
	expect_release(find(tc, "kgil_release", dom, 2), tid, id, 4 /* close */);
	cr_assert_eq(count(tc, "kgil_detach", dom), 2);
	expect_thread(find(tc, "kgil_detach", dom, 0), pe.tid, pe.id);
	expect_thread(find(tc, "kgil_detach", dom, 1), tid, id);
	ev = find(tc, "kgil_close", dom, 0);
	cr_assert_not_null(ev);
	cr_assert_eq(field(ev, "nr_threads"), 0);
	tracecap_free(tc);
}

/*
 * A legacy battle with kgil_failed_acquire traced: under TCG on 6.1 a
 * round of 200000 ticks took 20 to over 120 s (the timeout) with or
 * without the VM's tracepoint pins, so rounds are shorter (the first
 * failed attempt is all it needs) and it has more time.
 */
Test(tracepoints, failed_acquire_matches_the_counter, .timeout = 300)
{
	struct tracecap *tc = tracecap_start("kgil", "kgil_failed_acquire");
	const volatile struct kgil_shared *sh;
	const struct tracecap_event *ev;
	struct dt_interp in[2];
	struct kgil_stats st;
	long long dom;
	int fd;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cr_skip_test("needs 2 CPUs");
	cr_assert_not_null(tc);
	fd = raw_open(O_CLOEXEC);
	sh = raw_map(fd);
	cr_assert_not_null(sh);
	dom = (long long)sh->domain_id;
	cr_assert_gt(dt_legacy_battle(fd, sh, 50000, 40, in), 0,
		     "no failed attempt in 20 rounds");
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	raw_unmap(sh);
	close(fd);
	tracecap_stop(tc);
	cr_assert_eq(count(tc, "kgil_failed_acquire", dom), st.c.failed_acquires);
	ev = find(tc, "kgil_failed_acquire", dom, 0);
	cr_assert_not_null(ev);
	cr_assert_geq(field(ev, "id"), 1);
	cr_assert_leq(field(ev, "id"), in[1].id > in[0].id ? in[1].id : in[0].id);
	cr_assert_gt(field(ev, "tid"), 0);
	tracecap_free(tc);
}
