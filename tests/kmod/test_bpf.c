// SPDX-License-Identifier: GPL-2.0
/*
 * BPF policies (KGIL_FEAT_BPF, Linux 6.12): the named-policy ioctls'
 * exact results, loading and unloading through libkgil, the verifier's
 * refusals, the fallback to fifo with waiters blocked, the core's bounds
 * on bad answers, and the lottery example following its map.  On a
 * kernel without the feature, the same calls must say -EOPNOTSUPP.
 *
 * The objects are build/bpf/NAME.bpf.o (user/bpf) and
 * build/tests/bpf/NAME.bpf.o (tests/bpf).
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "busy.h"
#include "clock.h"
#include "dt.h"
#include "kgil.h"
#include "raw.h"

static int fd = -1;
static const volatile struct kgil_shared *sh;
static bool have_bpf;

static void setup(void)
{
	struct kgil_features f;

	dt_domain_open(&fd, &sh);
	cr_assert_eq(raw_features(fd, &f), 0);
	have_bpf = f.features & KGIL_FEAT_BPF;
}

static void teardown(void)
{
	dt_domain_close(&fd, &sh);
}

TestSuite(bpf, .init = setup, .fini = teardown, .timeout = 120);

/* build/tests/kmod-tests -> build/bpf/NAME.bpf.o or build/tests/bpf/... */
static const char *obj(const char *name, bool test, char *buf, size_t len)
{
	char dir[512];
	char *slash;

	dt_helper_path("x", dir, sizeof(dir));	/* build/tests/helpers/x */
	slash = strrchr(dir, '/');
	*slash = 0;
	slash = strrchr(dir, '/');
	*slash = 0;				/* build/tests */
	if (test)
		snprintf(buf, len, "%s/bpf/%s.bpf.o", dir, name);
	else
		snprintf(buf, len, "%s/../bpf/%s.bpf.o", dir, name);
	return buf;
}

static struct kgil_bpf *load(const char *name, bool test)
{
	char path[600], log[4096] = "";
	struct kgil_bpf *bp = NULL;
	int ret = kgil_bpf_load(obj(name, test, path, sizeof(path)), log,
				sizeof(log), &bp);

	cr_assert_eq(ret, 0, "loading %s: %s\n%s", path, strerror(-ret), log);
	return bp;
}

static int named(uint32_t policy, const char *name)
{
	struct kgil_policy_named n;

	memset(&n, 0, sizeof(n));
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_FIFO, &n.p), 0);
	n.p.policy = policy;
	n.p.switch_interval_ns = 2000000;
	strncpy(n.name, name, sizeof(n.name) - 1);
	return raw_ioctl(fd, KGIL_IOC_SET_POLICY_NAMED, &n);
}

static void expect_name(const char *want, uint32_t want_id)
{
	struct kgil_policy_named n;
	struct kgil_stats st;

	memset(&n, 0xa5, sizeof(n));
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_GET_POLICY_NAMED, &n), 0);
	cr_assert_str_eq(n.name, want);
	cr_assert_eq(n.p.policy, want_id);
	cr_assert_eq(n.reserved[0], 0);
	cr_assert_eq(n.reserved[1], 0);
	for (size_t i = strlen(want); i < sizeof(n.name); i++)
		cr_assert_eq(n.name[i], 0, "byte %zu after the name", i);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_str_eq(st.policy_name, want);
	cr_assert_eq(sh->policy, want_id);
}

static bool listed(const char *name)
{
	char names[16][KGIL_POLICY_NAME_LEN];
	unsigned int count = 0;

	cr_assert_eq(kgil_bpf_list(names, 16, &count), 0);
	for (unsigned int i = 0; i < count && i < 16; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

Test(bpf, named_policy_rejects_bad_names_exactly)
{
	struct kgil_policy_named n;

	memset(&n, 0, sizeof(n));
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_IOPRIO, &n.p), 0);
	memset(n.name, 'a', sizeof(n.name));		/* no NUL */
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY_NAMED, &n), -EINVAL);
	memset(n.name, 0, sizeof(n.name));
	strcpy(n.name, "ioprio");
	n.name[10] = 'x';				/* after the NUL */
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY_NAMED, &n), -EINVAL);
	n.name[10] = 0;
	n.reserved[1] = 1;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY_NAMED, &n), -EINVAL);
	n.reserved[1] = 0;
	strcpy(n.name, "fifo");				/* another's name */
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY_NAMED, &n), -EINVAL);
	n.p.reserved0 = 1;				/* the policy's rules */
	strcpy(n.name, "ioprio");
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY_NAMED, &n), -EINVAL);
	n.p.reserved0 = 0;
	expect_name("newgil", KGIL_POLICY_NEWGIL);	/* nothing changed */
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY_NAMED, &n), 0);
	expect_name("ioprio", KGIL_POLICY_IOPRIO);
	memset(n.name, 0, sizeof(n.name));		/* empty: the id's */
	n.p.policy = KGIL_POLICY_LEGACY;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY_NAMED, &n), 0);
	expect_name("legacy", KGIL_POLICY_LEGACY);
	/* A BPF policy needs a name, on every kernel. */
	cr_assert_eq(named(KGIL_POLICY_BPF, ""), -EINVAL);
	expect_name("legacy", KGIL_POLICY_LEGACY);
}

Test(bpf, without_the_feature_every_bpf_call_is_eopnotsupp)
{
	struct kgil_bpf_policies l = { 0 };

	if (have_bpf)
		cr_skip_test("this kernel has KGIL_FEAT_BPF");
	cr_assert_eq(named(KGIL_POLICY_BPF, "bpf_fifo"), -EOPNOTSUPP);
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_BPF_POLICIES, &l), -EOPNOTSUPP);
	expect_name("newgil", KGIL_POLICY_NEWGIL);
}

Test(bpf, list_checks_its_fields)
{
	struct kgil_bpf_policies l = { 0 };

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	l.reserved0 = 1;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_BPF_POLICIES, &l), -EINVAL);
	l.reserved0 = 0;
	l.count = 1;					/* room, no pointer */
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_BPF_POLICIES, &l), -EINVAL);
	l.names = 8;					/* a bad pointer */
	struct kgil_bpf *bp = load("fifo", false);
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_BPF_POLICIES, &l), -EFAULT);
	l.count = 0;
	l.names = 0;					/* just count */
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_BPF_POLICIES, &l), 0);
	cr_assert_geq(l.count, 1);
	kgil_bpf_unload(bp);
}

Test(bpf, unknown_name_is_enoent_and_changes_nothing)
{
	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	cr_assert_eq(named(KGIL_POLICY_BPF, "no_such_policy"), -ENOENT);
	expect_name("newgil", KGIL_POLICY_NEWGIL);
}

Test(bpf, load_select_unload_falls_back_to_fifo)
{
	struct kgil_policy p;
	struct kgil_bpf *bp;

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	bp = load("fifo", false);
	cr_assert_str_eq(kgil_bpf_name(bp), "bpf_fifo");
	cr_assert(listed("bpf_fifo"));
	cr_assert_eq(named(KGIL_POLICY_BPF, "bpf_fifo"), 0);
	expect_name("bpf_fifo", KGIL_POLICY_BPF);
	/* GET_POLICY says BPF; SET_POLICY cannot take that back as is. */
	cr_assert_eq(raw_get_policy(fd, &p), 0);
	cr_assert_eq(p.policy, KGIL_POLICY_BPF);
	cr_assert_eq(p.switch_interval_ns, 2000000);
	cr_assert_eq(raw_set_policy(fd, &p), -EINVAL);
	/* The lock works under it. */
	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	cr_assert_eq(sh->holder_id, 1);
	cr_assert_eq(raw_release(fd), 0);
	kgil_bpf_unload(bp);
	cr_assert_not(listed("bpf_fifo"));
	expect_name("fifo", KGIL_POLICY_FIFO);
	cr_assert_eq(raw_get_policy(fd, &p), 0);
	cr_assert_eq(p.switch_interval_ns, 2000000, "parameters kept");
	cr_assert_eq(named(KGIL_POLICY_BPF, "bpf_fifo"), -ENOENT);
}

Test(bpf, a_second_policy_with_the_same_name_is_refused)
{
	char path[600], log[4096] = "";
	struct kgil_bpf *bp, *again = NULL;

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	bp = load("fifo", false);
	cr_assert_eq(kgil_bpf_load(obj("fifo", false, path, sizeof(path)),
				   log, sizeof(log), &again), -EEXIST, "%s", log);
	cr_assert_null(again);
	cr_assert(listed("bpf_fifo"));
	kgil_bpf_unload(bp);
}

static void refused(const char *name, int err, const char *why)
{
	char path[600], log[16384] = "";
	struct kgil_bpf *bp = NULL;
	int ret;

	ret = kgil_bpf_load(obj(name, true, path, sizeof(path)), log,
			    sizeof(log), &bp);
	cr_assert_eq(ret, err, "%s: %d (%s)\n%s", name, ret, strerror(-ret), log);
	cr_assert_null(bp);
	cr_assert(strstr(log, why), "%s: the log does not say \"%s\":\n%s",
		  name, why, log);
	cr_assert_not(listed(name));
}

Test(bpf, verifier_refuses_a_write_to_core_state)
{
	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	refused("bad_write", -EACCES,
		"write to kgil_domain at offset");
}

Test(bpf, verifier_refuses_an_unbounded_loop)
{
	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	refused("bad_loop", -EINVAL, "infinite loop detected");
}

Test(bpf, verifier_refuses_an_unchecked_nullable_waiter)
{
	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	refused("bad_ctx", -EACCES, "invalid mem access");
}

/* ---- under load ------------------------------------------------------ */

struct blocked {
	atomic_int got;
	int err;
};

static void *block_on_acquire(void *arg)
{
	struct blocked *b = arg;
	int ret = raw_attach(fd);

	if (ret < 0) {
		b->err = ret;
		return NULL;
	}
	ret = raw_acquire(fd, KGIL_ACQUIRE_TIMEOUT, 20000000000ull, NULL);
	if (!ret) {
		atomic_fetch_add(&b->got, 1);
		busy_for_ns(200000);
		ret = raw_release(fd);
	}
	if (ret && !b->err)
		b->err = ret;
	raw_detach(fd);
	return NULL;
}

/*
 * The link goes while three threads sleep in ACQUIRE behind a holder:
 * the domain falls back to fifo and kicks them, and every one of them
 * gets the lock when the holder lets go (no lost wake-up).
 */
Test(bpf, unload_with_waiters_blocked_loses_no_wakeup)
{
	struct blocked b[3] = { 0 };
	pthread_t pt[3];
	struct kgil_stats st;
	struct kgil_bpf *bp;

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	bp = load("ioprio", false);
	cr_assert_eq(named(KGIL_POLICY_BPF, "bpf_ioprio"), 0);
	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	for (int i = 0; i < 3; i++)
		pthread_create(&pt[i], NULL, block_on_acquire, &b[i]);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 3, true, 10000000000ull));
	kgil_bpf_unload(bp);
	expect_name("fifo", KGIL_POLICY_FIFO);
	cr_assert_eq(sh->nr_waiting, 3, "the waiters still wait");
	cr_assert_eq(raw_release(fd), 0);
	for (int i = 0; i < 3; i++) {
		pthread_join(pt[i], NULL);
		cr_assert_eq(b[i].err, 0, "waiter %d: %s", i, strerror(-b[i].err));
		cr_assert_eq(atomic_load(&b[i].got), 1, "waiter %d", i);
	}
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.acquisitions, 4);
	cr_assert_eq(st.c.timeouts, 0);
	cr_assert_eq(raw_detach(fd), 0);
}

/* ---- CPU-bound threads, each counting its tenures ---------------------- */

#define SPIN_THREADS	3

struct spinner {
	pthread_barrier_t *ready, *go;
	uint64_t run_ns;
	pid_t tid;
	uint32_t id;
	long tenures;
	int err;
};

/* Attach, then hold the lock in turns until run_ns passes: CHECK on drop. */
static void *spin_run(void *arg)
{
	struct spinner *s = arg;
	struct kgil_acquire a;
	uint64_t end;
	int ret;

	s->tid = (pid_t)syscall(SYS_gettid);
	ret = raw_attach(fd);
	s->id = ret > 0 ? (uint32_t)ret : 0;
	pthread_barrier_wait(s->ready);
	pthread_barrier_wait(s->go);
	if (ret < 0) {
		s->err = ret;
		return NULL;
	}
	end = now_ns() + s->run_ns;
	ret = raw_acquire(fd, 0, 0, NULL);
	s->tenures = 1;
	while (!ret && now_ns() < end) {
		busy_work(200);
		if (!sh->drop_request)
			continue;
		ret = raw_check(fd, &a);
		if (!ret && (a.result & KGIL_ACQUIRED_SWITCHED))
			s->tenures++;
	}
	if (!ret)
		ret = raw_release(fd);
	s->err = ret;
	raw_detach(fd);
	return NULL;
}

static void spin_all(struct spinner *s, int n, uint64_t run_ns,
		     void (*between)(struct spinner *s, int n, void *arg),
		     void *arg)
{
	pthread_barrier_t ready, go;
	pthread_t pt[SPIN_THREADS];

	pthread_barrier_init(&ready, NULL, (unsigned int)n + 1);
	pthread_barrier_init(&go, NULL, (unsigned int)n + 1);
	for (int i = 0; i < n; i++) {
		s[i] = (struct spinner){ .ready = &ready, .go = &go,
					 .run_ns = run_ns };
		pthread_create(&pt[i], NULL, spin_run, &s[i]);
	}
	pthread_barrier_wait(&ready);
	if (between)
		between(s, n, arg);
	pthread_barrier_wait(&go);
	for (int i = 0; i < n; i++) {
		pthread_join(pt[i], NULL);
		cr_assert_eq(s[i].err, 0, "thread %d: %s", i, strerror(-s[i].err));
	}
	pthread_barrier_destroy(&ready);
	pthread_barrier_destroy(&go);
}

/*
 * greedy.bpf.o answers "never" for the handoff and a position far past
 * the queue at every release: the core bounds the tenure at
 * KGIL_BPF_MAX_INTERVALS switch intervals and hands over to the head,
 * counting each overruled answer.  Every thread gets turns.
 */
Test(bpf, bad_answers_are_clamped_and_counted)
{
	struct spinner s[SPIN_THREADS];
	struct kgil_stats st;
	struct kgil_bpf *bp;

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	bp = load("greedy", true);
	cr_assert_eq(named(KGIL_POLICY_BPF, "greedy"), 0);
	spin_all(s, SPIN_THREADS, 1000000000ull, NULL, NULL);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	for (int i = 0; i < SPIN_THREADS; i++)
		cr_assert_geq(s[i].tenures, 2, "thread %d had %ld turns", i,
			      s[i].tenures);
	cr_assert_gt(st.c.policy_clamps, 0);
	cr_assert_gt(st.c.handoffs, SPIN_THREADS);
	cr_log_info("greedy: %llu handoffs, %llu clamps in 1 s\n",
		    (unsigned long long)st.c.handoffs,
		    (unsigned long long)st.c.policy_clamps);
	kgil_bpf_unload(bp);
}

static void give_tickets(struct spinner *s, int n, void *arg)
{
	int map = *(int *)arg;

	for (int i = 0; i < n; i++) {
		uint32_t key = (uint32_t)s[i].tid;
		uint32_t val = i == n - 1 ? 8 : 1;

		cr_assert_eq(bpf_map_update_elem(map, &key, &val, BPF_ANY), 0);
	}
}

/*
 * lottery.bpf.o with 1, 1 and 8 tickets.  The releaser is not queued
 * when the draw is made (CHECK releases first, then queues again), so
 * each draw is between the two others: after A or B the 8-ticket C wins
 * 8 draws in 9, after C it is A or B evenly.  The chain's steady state
 * gives C 16/34 of the turns and A and B 9/34 each: C has 16/9 = 1.78
 * times the turns of each (1 with equal tickets).  The test asks for
 * 1.4 to 2.3 times.
 */
Test(bpf, lottery_follows_the_tickets_userspace_sets)
{
	struct spinner s[SPIN_THREADS];
	struct kgil_stats st;
	struct kgil_bpf *bp;
	int map;

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	bp = load("lottery", false);
	map = kgil_bpf_map_fd(bp, "tickets");
	cr_assert_geq(map, 0);
	cr_assert_eq(named(KGIL_POLICY_BPF, "lottery"), 0);
	spin_all(s, SPIN_THREADS, 1500000000ull, give_tickets, &map);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_log_info("lottery 1:1:8: turns %ld, %ld, %ld; %llu handoffs\n",
		    s[0].tenures, s[1].tenures, s[2].tenures,
		    (unsigned long long)st.c.handoffs);
	cr_assert_geq(st.c.handoffs, 20, "too few draws to judge");
	for (int i = 0; i < 2; i++) {
		double r = (double)s[2].tenures / (double)s[i].tenures;

		cr_assert(r >= 1.4 && r <= 2.3,
			  "8 tickets against 1: %.2f times the turns (1.78 expected)",
			  r);
	}
	cr_assert_eq(st.c.policy_clamps, 0);
	kgil_bpf_unload(bp);
}
