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
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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
#include "modparam.h"
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

/* A test that lowered kgil.bpf_budget_ns and failed: put it back. */
static char saved_budget[32];

static void teardown(void)
{
	if (saved_budget[0])
		modparam_set("bpf_budget_ns", saved_budget);
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

static int named_as(uint32_t policy, const char *name, uint64_t interval_ns,
		    uint64_t spin_ns)
{
	struct kgil_policy_named n;

	memset(&n, 0, sizeof(n));
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_FIFO, &n.p), 0);
	n.p.policy = policy;
	n.p.switch_interval_ns = interval_ns;
	n.p.spin_ns = spin_ns;
	strncpy(n.name, name, sizeof(n.name) - 1);
	return raw_ioctl(fd, KGIL_IOC_SET_POLICY_NAMED, &n);
}

static int named(uint32_t policy, const char *name)
{
	struct kgil_policy p;

	cr_assert_eq(kgil_policy_default(KGIL_POLICY_FIFO, &p), 0);
	return named_as(policy, name, 2000000, p.spin_ns);
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

/*
 * A pointer the program walked to (dom->holder) is not the hook's own:
 * it may be NULL, and writing through it oopsed the kernel.
 */
Test(bpf, verifier_refuses_a_write_through_a_walked_pointer)
{
	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	refused("walk_write", -EACCES, "kgil: write through a pointer");
}

/* bpf_loop() and the open-coded iterators can run 2^23 times a call. */
Test(bpf, verifier_refuses_bpf_loop)
{
	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	refused("loop_helper", -EINVAL, "cannot use helper bpf_loop");
}

Test(bpf, verifier_refuses_an_open_coded_iterator)
{
	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	refused("loop_iter", -EINVAL, "kgil refuses");
}

/*
 * A helper call is one instruction to the verifier, whatever it costs:
 * only helpers and maps of bounded cost (an LPM trie's lookup walks 2048
 * levels; a 64 KiB value is copied whole by each update).
 */
Test(bpf, verifier_refuses_a_helper_of_unbounded_cost)
{
	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	refused("probe_read", -EINVAL, "cannot use helper bpf_probe_read_kernel");
}

Test(bpf, verifier_refuses_an_lpm_trie)
{
	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	refused("lpm_map", -EINVAL, "kgil refuses");
}

Test(bpf, verifier_refuses_a_map_of_large_values)
{
	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	refused("big_value", -EINVAL, "kgil refuses");
}

/* Global functions are verified once, not per call: nested in loops, 10^10. */
Test(bpf, verifier_refuses_global_functions)
{
	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	refused("nest_global", -EINVAL, "kgil refuses");
}

/*
 * A struct_ops map without a link would stay registered after its
 * loader, `kgil policy unload` and block rmmod: the module refuses it,
 * and libkgil says why before trying.
 */
Test(bpf, a_policy_without_a_link_is_refused)
{
	char path[600], log[4096] = "";
	struct bpf_object *o;
	struct bpf_link *l;
	struct bpf_map *m;
	struct kgil_bpf *bp = NULL;
	int ret;

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	ret = kgil_bpf_load(obj("no_link", true, path, sizeof(path)), log,
			    sizeof(log), &bp);
	cr_assert_eq(ret, -EINVAL, "%d\n%s", ret, log);
	cr_assert(strstr(log, ".struct_ops.link"), "%s", log);
	/* Past libkgil, straight to the kernel. */
	o = bpf_object__open_file(path, NULL);
	cr_assert_not_null(o);
	cr_assert_eq(bpf_object__load(o), 0);
	m = bpf_object__find_map_by_name(o, "no_link");
	cr_assert_not_null(m);
	l = bpf_map__attach_struct_ops(m);
	ret = l ? 0 : -errno;
	if (l) {
		uint32_t zero = 0;

		/* Registered: take it out again, or rmmod fails. */
		bpf_map_delete_elem(bpf_map__fd(m), &zero);
		bpf_link__destroy(l);
	}
	bpf_object__close(o);
	cr_assert_eq(ret, -EOPNOTSUPP, "registration without a link: %d", ret);
	cr_assert_not(listed("no_link"));
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
 * KGIL_MAX_TENURE_INTERVALS switch intervals and hands over to the head,
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

/*
 * Each release goes to the tail, or each arrival jumps to the head: the
 * core bounds the wait of the oldest waiter all the same (every thread
 * gets turns, and nobody waits more than the bound, KGIL_MAX_WAIT_INTERVALS
 * + KGIL_MAX_TENURE_INTERVALS (20) intervals of 2 ms, with room for TCG).
 */
static void starves_nobody(const char *name)
{
	struct spinner s[SPIN_THREADS];
	struct kgil_stats st;
	struct kgil_bpf *bp;

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	bp = load(name, true);
	cr_assert_eq(named(KGIL_POLICY_BPF, name), 0);
	spin_all(s, SPIN_THREADS, 1000000000ull, NULL, NULL);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_log_info("%s: turns %ld, %ld, %ld; longest wait %.1f ms; %llu clamps\n",
		    name, s[0].tenures, s[1].tenures, s[2].tenures,
		    st.c.max_wait_ns / 1e6,
		    (unsigned long long)st.c.policy_clamps);
	for (int i = 0; i < SPIN_THREADS; i++)
		cr_assert_geq(s[i].tenures, 3, "%s: thread %d had %ld turns",
			      name, i, s[i].tenures);
	cr_assert_lt(st.c.max_wait_ns, 200000000ull,
		     "%s: a waiter waited %.1f ms", name, st.c.max_wait_ns / 1e6);
	kgil_bpf_unload(bp);
}

Test(bpf, release_to_the_tail_starves_nobody)
{
	starves_nobody("tail_pick");
}

Test(bpf, arrivals_jumping_ahead_starve_nobody)
{
	starves_nobody("climb");
}

/*
 * handoff_due flapping between "now" and "never": a past due time is due
 * now, so the timekeeper asks it about once per handoff instead of
 * looping on it without sleeping.
 */
Test(bpf, a_past_due_time_is_due_now)
{
	struct spinner s[2];
	struct kgil_stats st;
	struct kgil_bpf *bp;
	uint32_t key = 0;
	uint64_t calls = 0;
	int map;

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	bp = load("flap_due", true);
	map = kgil_bpf_map_fd(bp, "calls");
	cr_assert_geq(map, 0);
	cr_assert_eq(named_as(KGIL_POLICY_BPF, "flap_due", 20000000, 0), 0);
	spin_all(s, 2, 500000000ull, NULL, NULL);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(bpf_map_lookup_elem(map, &key, &calls), 0);
	cr_log_info("flap_due: %llu calls for %llu handoffs\n",
		    (unsigned long long)calls,
		    (unsigned long long)st.c.handoffs);
	cr_assert_geq(st.c.handoffs, 4);
	cr_assert_leq(calls, 8 * (st.c.handoffs + 1),
		      "%llu calls of handoff_due for %llu handoffs",
		      (unsigned long long)calls,
		      (unsigned long long)st.c.handoffs);
	kgil_bpf_unload(bp);
}

/* Whether the trace buffer holds needle. */
static bool traced(const char *needle)
{
	static char buf[1 << 20];
	ssize_t n;
	int tfd;

	tfd = open("/sys/kernel/tracing/trace", O_RDONLY);
	if (tfd < 0)
		return false;
	n = read(tfd, buf, sizeof(buf) - 1);
	close(tfd);
	buf[n > 0 ? n : 0] = 0;
	return strstr(buf, needle);
}

static void trace_event(const char *event, bool on)
{
	char path[256];
	int tfd;

	if (on) {
		tfd = open("/sys/kernel/tracing/trace", O_WRONLY | O_TRUNC);
		if (tfd >= 0)
			close(tfd);
	}
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/kgil/%s/enable",
		 event);
	tfd = open(path, O_WRONLY);
	cr_assert_geq(tfd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(tfd, on ? "1" : "0", 1), 1);
	close(tfd);
}

/*
 * A hook that overruns kgil.bpf_budget_ns is ejected: its domains go to
 * fifo, with a tracepoint naming it, and the lock goes on working.
 */
Test(bpf, a_hook_over_budget_is_ejected_to_fifo)
{
	struct spinner s[2];
	struct kgil_bpf *bp;

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	cr_assert_eq(modparam_get("bpf_budget_ns", saved_budget,
				  sizeof(saved_budget)), 0,
		     "no module parameter bpf_budget_ns");
	bp = load("slow", true);
	cr_assert_eq(named(KGIL_POLICY_BPF, "slow"), 0);
	trace_event("kgil_bpf_eject", true);
	cr_assert_eq(modparam_set("bpf_budget_ns", "20000"), 0);
	spin_all(s, 2, 1000000000ull, NULL, NULL);
	cr_assert_eq(modparam_set("bpf_budget_ns", saved_budget), 0);
	saved_budget[0] = 0;
	trace_event("kgil_bpf_eject", false);
	expect_name("fifo", KGIL_POLICY_FIFO);
	cr_assert(traced("name=slow"),
		  "no kgil_bpf_eject event naming the policy");
	cr_assert_not(listed("slow"), "an ejected policy cannot be chosen");
	cr_assert_eq(named(KGIL_POLICY_BPF, "slow"), -ENOENT);
	for (int i = 0; i < 2; i++)
		cr_assert_geq(s[i].tenures, 2);
	kgil_bpf_unload(bp);
}

/* ---- global locks never wait for a domain ----------------------------- */

struct opener {
	atomic_int stop;
	uint64_t max_ns;
	long opens;
};

static void *open_close_loop(void *arg)
{
	struct opener *o = arg;

	while (!atomic_load(&o->stop)) {
		uint64_t t0 = now_ns();
		int dfd = open("/dev/kgil", O_RDWR | O_CLOEXEC);
		uint64_t ns = now_ns() - t0;

		if (dfd >= 0)
			close(dfd);
		if (ns > o->max_ns)
			o->max_ns = ns;
		o->opens++;
	}
	return NULL;
}

struct unloader {
	struct kgil_bpf *bp;
	struct opener *o;
	uint64_t ns;
};

static void *unload_later(void *arg)
{
	struct unloader *u = arg;
	uint64_t t0;

	usleep(50000);			/* into the crawl */
	t0 = now_ns();
	kgil_bpf_unload(u->bp);
	u->ns = now_ns() - t0;
	return NULL;
}

#define CRAWL_WAITERS	512

/* Two rounds: queue when told, take the lock, hand it on. */
static atomic_int crawl_go, crawl_done;

static void *crawl_waiter(void *arg)
{
	struct blocked *b = arg;
	int ret = raw_attach(fd);

	for (int round = 1; ret >= 0 && round <= 2; round++) {
		while (atomic_load(&crawl_go) < round)
			usleep(1000);
		ret = raw_acquire(fd, 0, 0, NULL);
		if (!ret)
			ret = raw_release(fd);
		atomic_fetch_add(&crawl_done, 1);
	}
	b->err = ret < 0 ? ret : 0;
	raw_detach(fd);
	return NULL;
}

static void crawl_set(int map, uint32_t n)
{
	uint32_t key = 0;

	cr_assert_eq(bpf_map_update_elem(map, &key, &n, BPF_ANY), 0);
}

/* Main holds; the waiters queue behind it; a RELEASE runs the crawl. */
static uint64_t crawl_release(int map, int round, uint32_t rounds,
			      void *(*beside)(void *), void *arg)
{
	pthread_t bt;
	uint64_t t0, ns;

	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	atomic_store(&crawl_go, round);
	cr_assert(dt_wait_u32(&sh->nr_waiting, CRAWL_WAITERS, true,
			      60000000000ull));
	crawl_set(map, rounds);
	if (beside)
		pthread_create(&bt, NULL, beside, arg);
	t0 = now_ns();
	cr_assert_eq(raw_release(fd), 0);
	ns = now_ns() - t0;
	crawl_set(map, 0);		/* the waiters' releases go fast */
	if (beside)
		pthread_join(bt, NULL);
	while (atomic_load(&crawl_done) < round * CRAWL_WAITERS)
		usleep(1000);
	return ns;
}

static void *unload_and_open(void *arg)
{
	struct unloader *u = arg;
	pthread_t opt;

	pthread_create(&opt, NULL, open_close_loop, u->o);
	unload_later(u);
	atomic_store(&u->o->stop, 1);
	pthread_join(opt, NULL);
	return NULL;
}

/*
 * crawl.bpf.o's on_release walks the queue of 512 waiters 60,000 times:
 * 3 x 10^7 steps.
 *  - Within bpf_waiter_steps (2^20 a call by default) the walk stops
 *    early, and the release is short.
 *  - With the limit lifted (and the budget, which would eject it), the
 *    release holds the domain's lock for a good fraction of a second.
 *    Unloading a policy walks every domain, and it used to hold the
 *    global list's lock while it waited for each domain's lock: an
 *    unrelated unload, and every open() of /dev/kgil behind it, waited
 *    for the whole release.  Now neither waits.
 */
Test(bpf, a_busy_domain_holds_up_no_unload_nor_open, .timeout = 300)
{
	static struct blocked b[CRAWL_WAITERS];
	static pthread_t pt[CRAWL_WAITERS];
	struct opener o = { 0 };
	struct unloader u = { .o = &o };
	char saved_steps[32] = "";
	struct kgil_bpf *bp;
	uint64_t capped_ns, release_ns;
	int map;

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	bp = load("crawl", true);
	u.bp = load("greedy", true);		/* unrelated, unused */
	map = kgil_bpf_map_fd(bp, "rounds");
	cr_assert_geq(map, 0);
	cr_assert_eq(named(KGIL_POLICY_BPF, "crawl"), 0);
	cr_assert_geq(raw_attach(fd), 1);
	atomic_store(&crawl_go, 0);
	atomic_store(&crawl_done, 0);
	for (int i = 0; i < CRAWL_WAITERS; i++)
		cr_assert_eq(pthread_create(&pt[i], NULL, crawl_waiter, &b[i]), 0);
	/* A module before these bounds had neither parameter. */
	bool bounded = !modparam_get("bpf_waiter_steps", saved_steps,
				     sizeof(saved_steps));

	capped_ns = crawl_release(map, 1, 60000, NULL, NULL);
	if (bounded) {
		cr_assert_eq(modparam_get("bpf_budget_ns", saved_budget,
					  sizeof(saved_budget)), 0);
		cr_assert_eq(modparam_set("bpf_budget_ns", "4000000000"), 0);
		cr_assert_eq(modparam_set("bpf_waiter_steps", "4294967295"), 0);
	}
	release_ns = crawl_release(map, 2, 60000, unload_and_open, &u);
	for (int i = 0; i < CRAWL_WAITERS; i++) {
		pthread_join(pt[i], NULL);
		cr_assert_eq(b[i].err, 0, "waiter %d: %s", i, strerror(-b[i].err));
	}
	if (bounded) {
		cr_assert_eq(modparam_set("bpf_waiter_steps", saved_steps), 0);
		cr_assert_eq(modparam_set("bpf_budget_ns", saved_budget), 0);
		saved_budget[0] = 0;
	}
	cr_log_info("crawl: release %.1f ms within the steps, %.1f ms without; unrelated unload %.1f ms, longest open %.1f ms\n",
		    capped_ns / 1e6, release_ns / 1e6, u.ns / 1e6, o.max_ns / 1e6);
	cr_assert_geq(release_ns, 100000000ull,
		      "the crawl took %.1f ms: too short to tell", release_ns / 1e6);
	cr_assert_lt(capped_ns, release_ns / 4,
		     "within bpf_waiter_steps the release took %.1f ms (%.1f ms without)",
		     capped_ns / 1e6, release_ns / 1e6);
	cr_assert_lt(u.ns, release_ns / 4,
		     "unloading an unused policy waited %.1f ms for a domain busy for %.1f ms",
		     u.ns / 1e6, release_ns / 1e6);
	cr_assert_lt(o.max_ns, release_ns / 4,
		     "an open() waited %.1f ms behind an unload that waited %.1f ms for a domain busy for %.1f ms",
		     o.max_ns / 1e6, u.ns / 1e6, release_ns / 1e6);
	cr_assert_eq(raw_detach(fd), 0);
	kgil_bpf_unload(bp);
}

/*
 * BPF_POLICIES copies the names out after letting the registry go: a
 * caller whose buffer faults for ever (a userfaultfd page nobody
 * serves) holds up nobody's SET_POLICY_NAMED.
 */
struct lister {
	char *names;
	int ret;
	atomic_int done;
};

static void *list_into(void *arg)
{
	struct lister *l = arg;
	struct kgil_bpf_policies req = { .count = 4 };

	req.names = (uintptr_t)l->names;
	l->ret = raw_ioctl(fd, KGIL_IOC_BPF_POLICIES, &req);
	atomic_store(&l->done, 1);
	return NULL;
}

static void *select_named(void *arg)
{
	atomic_int *done = arg;
	int dfd = open("/dev/kgil", O_RDWR | O_CLOEXEC);
	struct kgil_policy_named n;

	memset(&n, 0, sizeof(n));
	kgil_policy_default(KGIL_POLICY_FIFO, &n.p);
	n.p.policy = KGIL_POLICY_BPF;
	strcpy(n.name, "bpf_fifo");
	if (dfd >= 0) {
		atomic_store(done, raw_ioctl(dfd, KGIL_IOC_SET_POLICY_NAMED, &n) ? 2 : 1);
		close(dfd);
	}
	return NULL;
}

Test(bpf, a_list_into_a_stuck_page_blocks_nobody)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	struct lister l = { 0 };
	atomic_int selected = 0;
	pthread_t lt, st;
	struct kgil_bpf *bp;
	long page = sysconf(_SC_PAGESIZE);
	int uffd;

	if (!have_bpf)
		cr_skip_test("no KGIL_FEAT_BPF");
	bp = load("fifo", false);
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	cr_assert_geq(uffd, 0, "userfaultfd: %s", strerror(errno));
	cr_assert_eq(ioctl(uffd, UFFDIO_API, &api), 0);
	l.names = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(l.names, MAP_FAILED);
	reg.range.start = (uintptr_t)l.names;
	reg.range.len = (uint64_t)page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	cr_assert_eq(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);
	pthread_create(&lt, NULL, list_into, &l);
	usleep(300000);		/* the list is stuck in its fault */
	cr_assert_eq(atomic_load(&l.done), 0, "the list did not fault");
	pthread_create(&st, NULL, select_named, &selected);
	for (int i = 0; i < 300 && !atomic_load(&selected); i++)
		usleep(10000);
	int got = atomic_load(&selected);

	close(uffd);		/* the fault ends (-EFAULT), the list returns */
	pthread_join(lt, NULL);
	pthread_join(st, NULL);
	cr_assert_eq(got, 1, "SET_POLICY_NAMED waited for a stuck BPF_POLICIES (%d)",
		     got);
	kgil_bpf_unload(bp);
	munmap(l.names, (size_t)page);
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
	/*
	 * The draws are never out of range; the core overrules one only
	 * when a thread has lost for KGIL_MAX_WAIT_INTERVALS (16) intervals:
	 * about 7 losses in a row at these odds, one wait in 700, but under
	 * TCG a tenure lasts 2 to 3 intervals (14 clamps in 304 handoffs
	 * seen), so the limit is loose.
	 */
	cr_assert_leq(st.c.policy_clamps, st.c.handoffs / 10 + 1,
		      "%llu clamps in %llu handoffs",
		      (unsigned long long)st.c.policy_clamps,
		      (unsigned long long)st.c.handoffs);
	kgil_bpf_unload(bp);
}
