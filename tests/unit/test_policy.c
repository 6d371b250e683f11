// SPDX-License-Identifier: GPL-2.0
/* Policies: defaults, set/get, validation, and what kgil_tick does under each. */
#include <errno.h>
#include <string.h>

#include "clock.h"
#include "unit.h"

TestSuite(policy, .timeout = UT_TIMEOUT);

Test(policy, default_after_open)
{
	struct kgil *g = ut_open();
	struct kgil_policy p, want;

	cr_assert_eq(kgil_get_policy(g, &p), 0);
	cr_assert_eq(kgil_policy_default(ut_default_policy(), &want), 0);
	cr_assert_eq(p.policy, want.policy, "policy %u", p.policy);
	cr_assert_eq(p.flags, want.flags);
	cr_assert_eq(p.check_interval, want.check_interval);
	cr_assert_eq(p.switch_interval_ns, want.switch_interval_ns);
	cr_assert_eq(kgil_close(g), 0);
}

/* Only the handoff policies spin for a due handoff by default. */
Test(policy, default_spin_only_for_handoff_policies)
{
	struct kgil_policy p;

	for (uint32_t id = KGIL_POLICY_LEGACY; id <= KGIL_POLICY_MAX; id++) {
		/* A BPF policy gets fifo's defaults. */
		bool handoff = id == KGIL_POLICY_FIFO || id == KGIL_POLICY_IOPRIO ||
			       id == KGIL_POLICY_BPF;

		cr_assert_eq(kgil_policy_default(id, &p), 0);
		cr_assert_eq(p.spin_ns, handoff ? KGIL_DEFAULT_SPIN_NS : 0,
			     "%s: spin_ns %llu", kgil_policy_name(id),
			     (unsigned long long)p.spin_ns);
	}
}

static void round_trip(struct kgil *g, uint32_t policy)
{
	struct kgil_policy p, got;

	cr_assert_eq(kgil_policy_default(policy, &p), 0);
	p.check_interval = 37;
	p.switch_interval_ns = 1234567;
	p.io_boost_ns = 777777;
	p.spin_ns = 4321;
	p.flags = 0;
	cr_assert_eq(kgil_set_policy(g, &p), 0, "set %s", kgil_policy_name(policy));
	cr_assert_eq(kgil_get_policy(g, &got), 0);
	cr_assert_eq(got.policy, policy);
	cr_assert_eq(got.flags, 0);
	cr_assert_eq(got.check_interval, 37);
	cr_assert_eq(got.switch_interval_ns, 1234567);
	cr_assert_eq(got.io_boost_ns, 777777);
	cr_assert_eq(got.spin_ns, 4321);
	p.flags = KGIL_POLICY_FORCE_SWITCH;
	cr_assert_eq(kgil_set_policy(g, &p), 0);
	cr_assert_eq(kgil_get_policy(g, &got), 0);
	cr_assert_eq(got.flags, KGIL_POLICY_FORCE_SWITCH);
}

Test(policy, set_get_round_trip)
{
	struct kgil *g = ut_open();

	round_trip(g, ut_default_policy());
	cr_assert_eq(kgil_close(g), 0);
}

/* Kernel: every policy the module announces, while a thread holds the lock. */
Test(policy, every_announced_policy_while_held)
{
	struct kgil *g = ut_open();
	struct kgil_features f;
	int n = 0;

	if (!ut_is_kernel())
		cr_skip_test("one policy per user backend");
	cr_assert_eq(kgil_query_features(kgil_fd(g), &f), 0);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	for (uint32_t id = KGIL_POLICY_LEGACY; id <= KGIL_POLICY_MAX; id++) {
		/* A BPF policy is chosen by name (test_policy_bpf.c). */
		if (!(f.features & KGIL_FEAT_POLICY(id)) || id == KGIL_POLICY_BPF)
			continue;
		round_trip(g, id);
		cr_assert_eq(kgil_tick(), 0);
		n++;
	}
	cr_assert_geq(n, 2, "legacy and newgil at least");
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}

Test(policy, other_policy_refused_by_user_backends)
{
	struct kgil *g = ut_open();
	struct kgil_policy p;
	uint32_t other = ut_default_policy() == KGIL_POLICY_LEGACY ?
		KGIL_POLICY_NEWGIL : KGIL_POLICY_LEGACY;

	if (ut_is_kernel())
		cr_skip_test("the kernel implements every policy");
	cr_assert_eq(kgil_policy_default(other, &p), 0);
	cr_assert_eq(kgil_set_policy(g, &p), -EOPNOTSUPP);
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_FIFO, &p), 0);
	cr_assert_eq(kgil_set_policy(g, &p), -EOPNOTSUPP);
	cr_assert_eq(kgil_close(g), 0);
}

/* One field of a valid policy set to value: -EINVAL. */
#define REFUSED(field, value)							\
	do {									\
		p = good;							\
		p.field = value;						\
		cr_assert_eq(kgil_set_policy(g, &p), -EINVAL, #field " = " #value); \
	} while (0)

Test(policy, invalid_values)
{
	struct kgil *g = ut_open();
	struct kgil_policy p, good, got;

	cr_assert_eq(kgil_policy_default(ut_default_policy(), &good), 0);
	REFUSED(policy, 0);
	REFUSED(policy, KGIL_POLICY_MAX + 1);
	REFUSED(flags, 0x80);
	REFUSED(check_interval, 0);
	REFUSED(switch_interval_ns, 0);
	REFUSED(switch_interval_ns, KGIL_MAX_SWITCH_INTERVAL_NS + 1);
	REFUSED(reserved0, 1);
	REFUSED(spin_ns, KGIL_MAX_SPIN_NS + 1);
	REFUSED(reserved[2], 1);
	cr_assert_eq(kgil_set_policy(g, NULL), -EINVAL);
	cr_assert_eq(kgil_get_policy(g, NULL), -EINVAL);
	cr_assert_eq(kgil_set_policy(NULL, &good), -EINVAL);
	/* Nothing of that changed the policy. */
	cr_assert_eq(kgil_get_policy(g, &got), 0);
	cr_assert_eq(memcmp(&got, &good, sizeof(got)), 0);
	cr_assert_eq(kgil_close(g), 0);
}

/*
 * Uncontended ticks.  user-legacy does what Python 2 did, a release and
 * retake every check_interval ticks (cheap, but a check each time); the
 * kernel's legacy skips the system call when nobody waits; newgil never
 * checks without a drop request.  None of it changes hands.
 */
Test(policy, uncontended_ticks)
{
	struct kgil *g = ut_open();
	uint32_t policy = ut_default_policy();
	struct kgil_counters c;
	uint64_t want_checks = 0;

	if (policy == KGIL_POLICY_LEGACY)
		ut_use_policy(g, KGIL_POLICY_LEGACY, 10, 0);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	for (int i = 0; i < 100000; i++)
		cr_assert_eq(kgil_tick(), 0);
	c = ut_stats(g);
	if (ut_backend() == KGIL_BACKEND_USER_LEGACY)
		want_checks = 100000 / 10;
	cr_assert_eq(c.checks, want_checks, "checks %llu", (unsigned long long)c.checks);
	cr_assert_eq(c.acquisitions, 1);
	cr_assert_eq(c.releases, 0);
	cr_assert_eq(c.drop_requests, 0);
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}

Test(policy, kernel_legacy_uncontended_tick_makes_no_check)
{
	struct kgil *g;

	if (!ut_is_kernel())
		cr_skip_test("kernel backend only");
	ut_require_kernel_feature(KGIL_FEAT_MMAP);
	g = ut_open();
	ut_use_policy(g, KGIL_POLICY_LEGACY, 10, 0);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	for (int i = 0; i < 10000; i++)
		cr_assert_eq(kgil_tick(), 0);
	cr_assert_eq(ut_stats(g).checks, 0);
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}

/*
 * Contended: a second thread waits in kgil_acquire while the holder only
 * ticks.  newgil with forced switching must hand the lock over through the
 * tick (drop request, forced switch).  Legacy (and newgil without forced
 * switching) only release and retake at a check with no handoff, so the
 * waiter may lose every battle for a long time (Python 2's pathology): for
 * them it is enough that a check either handed over or made the waiter
 * fail an acquisition.
 */
struct waiter {
	struct kgil *g;
	pthread_t thread;
	int err;
	struct kgil_acquire_info info;
	volatile int got;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	int ret = kgil_attach(w->g);

	if (ret >= 0)
		ret = kgil_acquire(w->g, &w->info);
	if (ret >= 0) {
		w->got = 1;
		ut_sleep_ms(2);
		ret = kgil_release(w->g);
	}
	if (ret >= 0)
		ret = kgil_detach(w->g);
	w->err = ret < 0 ? ret : 0;
	return NULL;
}

/* Returns whether a tick reported a switch. */
static bool contend(struct kgil *g, bool must_switch)
{
	struct waiter w = { .g = g };
	uint64_t deadline;
	int ret = 0;
	bool switched = false, battle = false;
	long ticks = 0;

	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	cr_assert_eq(pthread_create(&w.thread, NULL, waiter_main, &w), 0);
	deadline = now_ns() + 20000000000ULL;
	while (!switched && !battle && now_ns() < deadline) {
		for (int i = 0; i < 1000 && !switched; i++, ticks++) {
			ret = kgil_tick();
			cr_assert_geq(ret, 0, "tick: %s", strerror(-ret));
			switched = ret == 1;
		}
		battle = !must_switch && ut_stats(g).failed_acquires > 0;
	}
	cr_assert(switched || battle, "no switch and no failed acquisition after %ld ticks",
		  ticks);
	if (switched)
		cr_assert(w.got, "the tick said switched but the waiter never ran");
	cr_assert_eq(kgil_release(g), 0);
	pthread_join(w.thread, NULL);
	cr_assert_eq(w.err, 0, "waiter: %s", strerror(-w.err));
	cr_assert(w.got);
	cr_assert_eq(kgil_detach(g), 0);
	return switched;
}

Test(policy, legacy_check_releases_through_the_tick)
{
	struct kgil *g = ut_open();
	struct kgil_counters c;

	ut_use_policy(g, KGIL_POLICY_LEGACY, 10, 0);
	contend(g, false);
	c = ut_stats(g);
	cr_assert_geq(c.checks, 1);
	cr_assert_geq(c.handoffs, 1);
	cr_assert_eq(c.drop_requests, 0, "legacy has no drop requests");
	cr_assert_eq(c.forced_switches, 0);
	cr_assert_eq(c.acquisitions, c.releases);
	cr_assert_eq(ut_hist_sum(&c), c.acquisitions);
	cr_assert_eq(kgil_close(g), 0);
}

Test(policy, newgil_drop_request_and_forced_switch)
{
	struct kgil *g = ut_open();
	struct kgil_counters c;

	ut_use_policy(g, KGIL_POLICY_NEWGIL, 0, 1000000);
	cr_assert(contend(g, true));
	c = ut_stats(g);
	cr_assert_geq(c.drop_requests, 1);
	cr_assert_geq(c.forced_switches, 1);
	cr_assert_geq(c.checks, 1);
	cr_assert_geq(c.handoffs, 2, "there and back");
	cr_assert_eq(c.acquisitions, c.releases);
	cr_assert_eq(kgil_close(g), 0);
}

/*
 * The same handoff through the two-step tick an interpreter uses: the
 * waiter's drop request makes a tick due, and running it hands over.
 */
Test(policy, newgil_two_step_tick_hands_over)
{
	struct kgil *g = ut_open();
	struct waiter w = { .g = g };
	uint64_t deadline;
	int ret;
	bool switched = false;

	ut_use_policy(g, KGIL_POLICY_NEWGIL, 0, 1000000);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	cr_assert_eq(pthread_create(&w.thread, NULL, waiter_main, &w), 0);
	deadline = now_ns() + 20000000000ULL;
	while (!switched && now_ns() < deadline) {
		for (int i = 0; i < 1000 && !switched; i++) {
			if (!kgil_tick_due())
				continue;
			ret = kgil_tick_run();
			cr_assert_geq(ret, 0, "run: %s", strerror(-ret));
			switched = ret == 1;
		}
	}
	cr_assert(switched, "no handoff through kgil_tick_due/kgil_tick_run in 20 s");
	cr_assert(w.got, "run said switched but the waiter never ran");
	cr_assert_geq(ut_stats(g).drop_requests, 1);
	cr_assert_eq(kgil_release(g), 0);
	pthread_join(w.thread, NULL);
	cr_assert_eq(w.err, 0, "waiter: %s", strerror(-w.err));
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}

Test(policy, newgil_without_forced_switching)
{
	struct kgil *g = ut_open();
	struct kgil_policy p;
	struct kgil_counters c;

	ut_require_policy(g, KGIL_POLICY_NEWGIL);
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_NEWGIL, &p), 0);
	p.flags = 0;
	p.switch_interval_ns = 1000000;
	cr_assert_eq(kgil_set_policy(g, &p), 0);
	contend(g, false);
	c = ut_stats(g);
	cr_assert_geq(c.drop_requests, 1);
	cr_assert_eq(c.forced_switches, 0);
	cr_assert_eq(c.acquisitions, c.releases);
	cr_assert_eq(kgil_close(g), 0);
}

/*
 * A policy switch at run time must reach a holder that only ticks: under
 * newgil its countdown only paces a re-read of the shared page, and the
 * re-read must start legacy's checks (the waiter is never served by newgil
 * here: its switch interval is 10 s).
 */
Test(policy, kernel_switch_to_legacy_reaches_a_ticking_holder)
{
	struct kgil *g;
	struct waiter w;
	uint64_t deadline;
	long ticks = 0;

	if (!ut_is_kernel())
		cr_skip_test("the user backends have one policy each");
	ut_require_kernel_feature(KGIL_FEAT_MMAP);
	g = ut_open();
	w = (struct waiter){ .g = g };
	ut_require_policy(g, KGIL_POLICY_LEGACY);
	ut_use_policy(g, KGIL_POLICY_NEWGIL, 0, KGIL_MAX_SWITCH_INTERVAL_NS);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	cr_assert_eq(pthread_create(&w.thread, NULL, waiter_main, &w), 0);
	for (int i = 0; i < 200000; i++)
		cr_assert_eq(kgil_tick(), 0);
	cr_assert_eq(ut_stats(g).checks, 0, "newgil checked without a drop request");
	ut_use_policy(g, KGIL_POLICY_LEGACY, 10, 0);
	deadline = now_ns() + 20000000000ULL;
	while (ut_stats(g).checks == 0 && now_ns() < deadline)
		for (int i = 0; i < 1000; i++, ticks++)
			cr_assert_geq(kgil_tick(), 0);
	cr_assert_geq(ut_stats(g).checks, 1, "no legacy check after %ld ticks", ticks);
	cr_assert_eq(kgil_release(g), 0);
	pthread_join(w.thread, NULL);
	cr_assert_eq(w.err, 0, "waiter: %s", strerror(-w.err));
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}
