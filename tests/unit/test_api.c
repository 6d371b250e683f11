// SPDX-License-Identifier: GPL-2.0
/* libkgil's API contract: names, domains, attach/detach, misuse errors. */
#include <errno.h>
#include <stdlib.h>

#include "clock.h"
#include "unit.h"

TestSuite(api, .timeout = UT_TIMEOUT);

Test(api, backend_names_round_trip)
{
	enum kgil_backend b;

	for (int i = 0; i <= KGIL_BACKEND_USER_NEWGIL; i++) {
		const char *name = kgil_backend_name((enum kgil_backend)i);

		cr_assert_not_null(name);
		cr_assert_eq(kgil_backend_parse(name, &b), 0);
		cr_assert_eq((int)b, i);
	}
	cr_assert_null(kgil_backend_name((enum kgil_backend)7));
	cr_assert_eq(kgil_backend_parse("user", &b), -EINVAL);
	cr_assert_eq(kgil_backend_parse(NULL, &b), -EINVAL);
}

Test(api, backend_from_env)
{
	enum kgil_backend b;

	setenv("KGIL_BACKEND", "user-legacy", 1);
	cr_assert_eq(kgil_backend_from_env(KGIL_BACKEND_KERNEL, &b), 0);
	cr_assert_eq(b, KGIL_BACKEND_USER_LEGACY);
	setenv("KGIL_BACKEND", "nonsense", 1);
	cr_assert_eq(kgil_backend_from_env(KGIL_BACKEND_KERNEL, &b), -EINVAL);
	unsetenv("KGIL_BACKEND");
	cr_assert_eq(kgil_backend_from_env(KGIL_BACKEND_USER_NEWGIL, &b), 0);
	cr_assert_eq(b, KGIL_BACKEND_USER_NEWGIL);
}

Test(api, policy_names_and_defaults)
{
	struct kgil_policy p;
	uint32_t id;

	for (uint32_t i = KGIL_POLICY_LEGACY; i <= KGIL_POLICY_IOPRIO; i++) {
		cr_assert_not_null(kgil_policy_name(i));
		cr_assert_eq(kgil_policy_parse(kgil_policy_name(i), &id), 0);
		cr_assert_eq(id, i);
		cr_assert_eq(kgil_policy_default(i, &p), 0);
		cr_assert_eq(p.policy, i);
		cr_assert_eq(p.check_interval, KGIL_DEFAULT_CHECK_INTERVAL);
		cr_assert_eq(p.switch_interval_ns, KGIL_DEFAULT_SWITCH_INTERVAL_NS);
	}
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_NEWGIL, &p), 0);
	cr_assert_eq(p.flags, KGIL_POLICY_FORCE_SWITCH);
	cr_assert_null(kgil_policy_name(0));
	/* Id 5 is retired: no name, but a well-formed struct to hand the module. */
	cr_assert_null(kgil_policy_name(5));
	cr_assert_eq(kgil_policy_parse("bfs", &id), -EINVAL);
	cr_assert_eq(kgil_policy_default(5, &p), 0);
	cr_assert_null(kgil_policy_name(KGIL_POLICY_MAX + 1));
	cr_assert_eq(kgil_policy_parse("gil", &id), -EINVAL);
	cr_assert_eq(kgil_policy_default(0, &p), -EINVAL);
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_MAX + 1, &p), -EINVAL);
}

Test(api, open_close)
{
	struct kgil *g = ut_open();

	cr_assert_eq(kgil_backend_of(g), ut_backend());
	if (ut_is_kernel())
		cr_assert_geq(kgil_fd(g), 0);
	else
		cr_assert_eq(kgil_fd(g), -1);
	cr_assert_eq(kgil_close(g), 0);
	cr_assert_eq(kgil_close(NULL), -EINVAL);
	cr_assert_eq(kgil_open(ut_backend(), NULL), -EINVAL);
	cr_assert_eq(kgil_open((enum kgil_backend)42, &g), -EINVAL);
}

Test(api, attach_detach)
{
	struct kgil *g = ut_open();
	int id;

	cr_assert_eq(kgil_self_id(), 0);
	id = kgil_attach(g);
	cr_assert_geq(id, 1);
	cr_assert_eq(kgil_self_id(), (uint32_t)id);
	cr_assert_eq(kgil_attach(g), -EBUSY);
	cr_assert_eq(kgil_close(g), -EBUSY, "close with a thread attached");
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_self_id(), 0);
	cr_assert_eq(kgil_detach(g), -ENOENT);
	cr_assert_eq(kgil_attach(NULL), -EINVAL);
	cr_assert_eq(kgil_close(g), 0);
}

Test(api, acquire_release)
{
	struct kgil *g = ut_open();
	struct kgil_acquire_info info = { .switched = true, .owner_dead = true };

	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, &info), 0);
	cr_assert_not(info.owner_dead);
	cr_assert_eq(info.failed_attempts, 0);
	cr_assert_eq(kgil_acquire(g, NULL), -EDEADLK);
	cr_assert_eq(kgil_acquire_timeout(g, 1000, NULL), -EDEADLK);
	cr_assert_eq(kgil_tick(), 0);
	cr_assert_geq(kgil_check(g, NULL), 0);
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_acquire_timeout(g, 0, NULL), 0, "try on a free lock");
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_acquire_timeout(g, 1000000, NULL), 0);
	/* Detach while holding releases the lock. */
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire_timeout(g, 0, NULL), 0, "detach released it");
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}

Test(api, misuse_not_attached)
{
	struct kgil *g = ut_open();

	cr_assert_eq(kgil_acquire(g, NULL), -ENOENT);
	cr_assert_eq(kgil_acquire_timeout(g, 0, NULL), -ENOENT);
	cr_assert_eq(kgil_release(g), -ENOENT);
	cr_assert_eq(kgil_check(g, NULL), -ENOENT);
	cr_assert_eq(kgil_io_begin(g), -ENOENT);
	cr_assert_eq(kgil_io_end(g, NULL), -ENOENT);
	/* Every tick of a thread that is not attached is refused. */
	cr_assert_eq(kgil_tick(), -ENOENT);
	cr_assert_eq(kgil_tick(), -ENOENT);
	cr_assert_eq(kgil_acquire(NULL, NULL), -EINVAL);
	cr_assert_eq(kgil_release(NULL), -EINVAL);
	cr_assert_eq(kgil_close(g), 0);
}

Test(api, misuse_not_holding)
{
	struct kgil *g = ut_open();

	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_release(g), -EPERM);
	cr_assert_eq(kgil_check(g, NULL), -EPERM);
	cr_assert_eq(kgil_io_begin(g), -EPERM);
	cr_assert_eq(kgil_io_end(g, NULL), -EPERM);
	cr_assert_eq(kgil_tick(), -EPERM);
	/* Still refused after holding and releasing once. */
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	cr_assert_eq(kgil_release(g), 0);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(kgil_tick(), -EPERM);
	cr_assert_eq(kgil_release(g), -EPERM);
	/* io_end only after io_begin. */
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	cr_assert_eq(kgil_io_end(g, NULL), -EPERM);
	cr_assert_eq(kgil_io_begin(g), 0);
	cr_assert_eq(kgil_io_begin(g), -EPERM);
	cr_assert_eq(kgil_tick(), -EPERM);
	cr_assert_eq(kgil_io_end(g, NULL), 0);
	cr_assert_eq(kgil_io_end(g, NULL), -EPERM);
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}

Test(api, misuse_other_domain)
{
	struct kgil *g = ut_open(), *h = ut_open();

	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_attach(h), -EBUSY, "one domain per thread");
	cr_assert_eq(kgil_acquire(h, NULL), -ENOENT);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	cr_assert_eq(kgil_release(h), -ENOENT);
	cr_assert_eq(kgil_detach(h), -ENOENT);
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(h), 0);
	cr_assert_eq(kgil_close(g), 0);
}

Test(api, independent_domains)
{
	struct kgil *g = ut_open(), *h = ut_open();
	struct ut_holder holder;

	/* Another thread holds g's lock: h's is still free. */
	ut_holder_start(&holder, g);
	cr_assert_geq(kgil_attach(h), 1);
	cr_assert_eq(kgil_acquire_timeout(h, 0, NULL), 0);
	cr_assert_eq(kgil_release(h), 0);
	cr_assert_eq(kgil_detach(h), 0);
	ut_holder_stop(&holder);
	cr_assert_eq(kgil_close(h), 0);
	cr_assert_eq(kgil_close(g), 0);
}

Test(api, try_and_timeout_while_held)
{
	struct kgil *g = ut_open();
	struct ut_holder holder;
	uint64_t t0, waited;

	ut_holder_start(&holder, g);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire_timeout(g, 0, NULL), -EBUSY);
	t0 = now_ns();
	cr_assert_eq(kgil_acquire_timeout(g, 20000000, NULL), -ETIMEDOUT);
	waited = now_ns() - t0;
	cr_assert_geq(waited, 20000000, "gave up early: %llu ns",
		      (unsigned long long)waited);
	cr_assert_eq(ut_self_stats(g).timeouts, 1);
	cr_assert_eq(kgil_release(g), -EPERM, "a timed-out acquire holds nothing");
	ut_holder_stop(&holder);
	cr_assert_eq(kgil_acquire_timeout(g, 10000000000ULL, NULL), 0);
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}

/*
 * The two-step tick: due at exactly every check_interval-th tick under
 * legacy (on every backend: the kernel one counts in userspace too), due
 * again until run, and run gives kgil_tick's results.
 */
Test(api, tick_due_then_run)
{
	struct kgil *g = ut_open();

	ut_use_policy(g, KGIL_POLICY_LEGACY, 5, 0);
	cr_assert(kgil_tick_due(), "not attached: due, so that run can refuse");
	cr_assert_eq(kgil_tick_run(), -ENOENT);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert(kgil_tick_due(), "attached, not holding");
	cr_assert_eq(kgil_tick_run(), -EPERM);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	for (int round = 0; round < 3; round++) {
		for (int i = 1; i < 5; i++)
			cr_assert_not(kgil_tick_due(), "round %d tick %d", round, i);
		cr_assert(kgil_tick_due(), "round %d: the 5th tick", round);
		cr_assert(kgil_tick_due(), "round %d: still due until run", round);
		cr_assert_eq(kgil_tick_run(), 0, "nobody waits: no switch");
	}
	cr_assert_eq(kgil_release(g), 0);
	cr_assert(kgil_tick_due(), "released: due again");
	cr_assert_eq(kgil_tick_run(), -EPERM);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}
