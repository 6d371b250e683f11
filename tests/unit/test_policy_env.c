// SPDX-License-Identifier: GPL-2.0
/* kgil_policy_from_env(): the policy an interpreter takes from its environment. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static const char *const vars[] = {
	"KGIL_POLICY", "KGIL_CHECK_INTERVAL", "KGIL_SWITCH_INTERVAL_NS",
	"KGIL_IO_BOOST_NS", "KGIL_SPIN_NS", "KGIL_FORCE_SWITCH",
};

/* Criterion runs each test in a process of its own: setenv stays there. */
static void clear_env(void)
{
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

TestSuite(policy_env, .init = clear_env, .timeout = UT_TIMEOUT);

static void assert_same(const struct kgil_policy *a, const struct kgil_policy *b)
{
	cr_assert_eq(memcmp(a, b, sizeof(*a)), 0,
		     "policy %u/%u flags %u/%u check %u/%u switch %llu/%llu "
		     "boost %llu/%llu spin %llu/%llu", a->policy, b->policy,
		     a->flags, b->flags, a->check_interval, b->check_interval,
		     (unsigned long long)a->switch_interval_ns,
		     (unsigned long long)b->switch_interval_ns,
		     (unsigned long long)a->io_boost_ns,
		     (unsigned long long)b->io_boost_ns,
		     (unsigned long long)a->spin_ns, (unsigned long long)b->spin_ns);
}

Test(policy_env, unset_gives_defaults_of_def)
{
	struct kgil_policy p, want;

	for (uint32_t id = KGIL_POLICY_LEGACY; id <= KGIL_POLICY_IOPRIO; id++) {
		cr_assert_eq(kgil_policy_from_env(id, &p), 0);
		cr_assert_eq(kgil_policy_default(id, &want), 0);
		assert_same(&p, &want);
	}
	/* Empty counts as unset. */
	setenv("KGIL_POLICY", "", 1);
	setenv("KGIL_SPIN_NS", "", 1);
	cr_assert_eq(kgil_policy_from_env(KGIL_POLICY_NEWGIL, &p), 0);
	cr_assert_eq(p.policy, KGIL_POLICY_NEWGIL);
}

Test(policy_env, policy_and_fields)
{
	struct kgil_policy p, want;

	setenv("KGIL_POLICY", "ioprio", 1);
	cr_assert_eq(kgil_policy_from_env(KGIL_POLICY_NEWGIL, &p), 1);
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_IOPRIO, &want), 0);
	assert_same(&p, &want);

	setenv("KGIL_SWITCH_INTERVAL_NS", "1000000", 1);
	setenv("KGIL_IO_BOOST_NS", "250000", 1);
	setenv("KGIL_SPIN_NS", "0", 1);
	cr_assert_eq(kgil_policy_from_env(KGIL_POLICY_NEWGIL, &p), 1);
	want.switch_interval_ns = 1000000;
	want.io_boost_ns = 250000;
	want.spin_ns = 0;
	assert_same(&p, &want);

	clear_env();
	setenv("KGIL_CHECK_INTERVAL", "7", 1);
	cr_assert_eq(kgil_policy_from_env(KGIL_POLICY_LEGACY, &p), 1);
	cr_assert_eq(p.policy, KGIL_POLICY_LEGACY);
	cr_assert_eq(p.check_interval, 7);
}

Test(policy_env, force_switch)
{
	struct kgil_policy p;

	setenv("KGIL_FORCE_SWITCH", "0", 1);
	cr_assert_eq(kgil_policy_from_env(KGIL_POLICY_NEWGIL, &p), 1);
	cr_assert_eq(p.flags, 0);
	setenv("KGIL_POLICY", "fifo", 1);
	setenv("KGIL_FORCE_SWITCH", "1", 1);
	cr_assert_eq(kgil_policy_from_env(KGIL_POLICY_NEWGIL, &p), 1);
	cr_assert_eq(p.policy, KGIL_POLICY_FIFO);
	cr_assert_eq(p.flags, KGIL_POLICY_FORCE_SWITCH);
}

Test(policy_env, bounds_are_inclusive)
{
	struct kgil_policy p;

	setenv("KGIL_SWITCH_INTERVAL_NS", "1000", 1);
	setenv("KGIL_CHECK_INTERVAL", "2147483647", 1);
	setenv("KGIL_SPIN_NS", "100000000", 1);
	setenv("KGIL_IO_BOOST_NS", "10000000000", 1);
	cr_assert_eq(kgil_policy_from_env(KGIL_POLICY_NEWGIL, &p), 1);
	cr_assert_eq(p.switch_interval_ns, KGIL_MIN_SWITCH_INTERVAL_NS);
	cr_assert_eq(p.check_interval, KGIL_MAX_CHECK_INTERVAL);
	cr_assert_eq(p.spin_ns, KGIL_MAX_SPIN_NS);
	cr_assert_eq(p.io_boost_ns, KGIL_MAX_IO_BOOST_NS);
}

Test(policy_env, errors)
{
	static const struct { const char *var, *val; } bad[] = {
		{ "KGIL_POLICY", "gil" },
		{ "KGIL_POLICY", "bpf" },
		{ "KGIL_POLICY", "Newgil" },
		{ "KGIL_CHECK_INTERVAL", "0" },
		{ "KGIL_CHECK_INTERVAL", "2147483648" },
		{ "KGIL_CHECK_INTERVAL", "-1" },
		{ "KGIL_CHECK_INTERVAL", "+5" },
		{ "KGIL_CHECK_INTERVAL", " 5" },
		{ "KGIL_CHECK_INTERVAL", "5 " },
		{ "KGIL_SWITCH_INTERVAL_NS", "999" },
		{ "KGIL_SWITCH_INTERVAL_NS", "10000000001" },
		{ "KGIL_SWITCH_INTERVAL_NS", "5ms" },
		{ "KGIL_SWITCH_INTERVAL_NS", "99999999999999999999999" },
		{ "KGIL_IO_BOOST_NS", "0" },
		{ "KGIL_SPIN_NS", "100000001" },
		{ "KGIL_FORCE_SWITCH", "2" },
		{ "KGIL_FORCE_SWITCH", "yes" },
	};
	struct kgil_policy p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		clear_env();
		setenv(bad[i].var, bad[i].val, 1);
		errno = 1234;
		cr_assert_eq(kgil_policy_from_env(KGIL_POLICY_NEWGIL, &p), -EINVAL,
			     "%s=%s", bad[i].var, bad[i].val);
		cr_assert_eq(errno, 1234, "errno left alone");
	}
	clear_env();
	cr_assert_eq(kgil_policy_from_env(KGIL_POLICY_NEWGIL, NULL), -EINVAL);
	cr_assert_eq(kgil_policy_from_env(0, &p), -EINVAL);
	cr_assert_eq(kgil_policy_from_env(KGIL_POLICY_BPF, &p), -EINVAL);
	cr_assert_eq(kgil_policy_from_env(KGIL_POLICY_MAX + 1, &p), -EINVAL);
}
