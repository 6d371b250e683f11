// SPDX-License-Identifier: GPL-2.0
/*
 * Every ioctl's success and error paths, one thread at a time: arguments
 * are checked field by field (reserved fields, flags, sizes, pointers) and
 * each misuse gets its documented errno.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clock.h"
#include "dt.h"
#include "kgil.h"
#include "modparam.h"
#include "raw.h"

static int fd = -1;
static char saved_max_threads[32];
static char saved_max_domains[32];
static char saved_max_thread_id[32];

static void setup(void)
{
	modparam_get("max_threads", saved_max_threads, sizeof(saved_max_threads));
	modparam_get("max_domains_per_user", saved_max_domains,
		     sizeof(saved_max_domains));
	modparam_get("max_thread_id", saved_max_thread_id,
		     sizeof(saved_max_thread_id));
	fd = raw_open(O_CLOEXEC);
	cr_assert_geq(fd, 0, "open: %s", strerror(-fd));
}

/* Runs after a failed assertion too: a test's parameter never leaks. */
static void teardown(void)
{
	if (saved_max_threads[0])
		modparam_set("max_threads", saved_max_threads);
	if (saved_max_domains[0])
		modparam_set("max_domains_per_user", saved_max_domains);
	if (saved_max_thread_id[0])
		modparam_set("max_thread_id", saved_max_thread_id);
	if (fd >= 0)
		close(fd);
}

TestSuite(ioctl, .init = setup, .fini = teardown, .timeout = 60);

/* An unmapped address that is not NULL. */
#define BAD_PTR ((void *)16)

/* ---- features ---------------------------------------------------- */

Test(ioctl, features_report_real_bits)
{
	struct kgil_features f;

	memset(&f, 0xa5, sizeof(f));
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_FEATURES, &f), 0);
	cr_assert_eq(f.api_version, KGIL_API_VERSION);
	for (uint64_t b = KGIL_FEAT_LOCK; b <= KGIL_FEAT_TRACEPOINTS; b <<= 1)
		cr_assert(f.features & b, "feature bit %#llx missing",
			  (unsigned long long)b);
	cr_assert(f.features & KGIL_FEAT_POLICY(KGIL_POLICY_LEGACY));
	cr_assert(f.features & KGIL_FEAT_POLICY(KGIL_POLICY_NEWGIL));
	cr_assert(!(f.features & KGIL_FEAT_POLICY(0)));
	for (int id = KGIL_POLICY_MAX + 1; id < 32; id++)
		cr_assert(!(f.features & KGIL_FEAT_POLICY(id)));
	cr_assert(f.features & KGIL_FEAT_URING_CMD);
	cr_assert(f.features & KGIL_FEAT_SPIN);
	cr_assert(f.features & KGIL_FEAT_RESTART);
	cr_assert(f.features & KGIL_FEAT_RESUME);
	cr_assert_eq(f.features & 0xfffff000ull, 0, "undefined feature bits");
	/* BPF policies come as a pair: the feature and the policy id. */
	cr_assert_eq(!!(f.features & KGIL_FEAT_BPF),
		     !!(f.features & KGIL_FEAT_POLICY(KGIL_POLICY_BPF)));
	cr_assert_gt(f.max_threads, 0);
	cr_assert_eq(f.reserved0, 0);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(f.reserved[i], 0);
}

Test(ioctl, features_match_module_parameters)
{
	struct kgil_features f;
	char buf[32];

	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_FEATURES, &f), 0);
	cr_assert_eq(modparam_get("max_threads", buf, sizeof(buf)), 0);
	cr_assert_eq(f.max_threads, strtoul(buf, NULL, 10));
	cr_assert_eq(modparam_get("max_domains_per_user", buf, sizeof(buf)), 0);
	cr_assert_eq(f.max_domains_per_user, strtoul(buf, NULL, 10));
}

Test(ioctl, bad_pointers_are_efault)
{
	unsigned long cmds[] = {
		KGIL_IOC_FEATURES, KGIL_IOC_SET_POLICY, KGIL_IOC_GET_POLICY,
		KGIL_IOC_ATTACH, KGIL_IOC_ACQUIRE, KGIL_IOC_CHECK,
		KGIL_IOC_IO_END, KGIL_IOC_STATS,
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		cr_assert_eq(raw_ioctl(fd, cmds[i], NULL), -EFAULT,
			     "cmd %#lx with NULL", cmds[i]);
		cr_assert_eq(raw_ioctl(fd, cmds[i], BAD_PTR), -EFAULT,
			     "cmd %#lx with a bad pointer", cmds[i]);
	}
}

Test(ioctl, wrong_size_or_direction_is_enotty)
{
	uint64_t buf[32] = { 0 };

	/* The right numbers with the wrong size or direction. */
	cr_assert_eq(raw_ioctl(fd, _IOWR(KGIL_IOC_MAGIC, 0x05, uint64_t), buf), -ENOTTY);
	cr_assert_eq(raw_ioctl(fd, _IOR(KGIL_IOC_MAGIC, 0x00, uint32_t), buf), -ENOTTY);
	cr_assert_eq(raw_ioctl(fd, _IOR(KGIL_IOC_MAGIC, 0x05, struct kgil_acquire), buf), -ENOTTY);
	cr_assert_eq(raw_ioctl(fd, _IO(KGIL_IOC_MAGIC, 0x0b), buf), -ENOTTY);
	cr_assert_eq(raw_ioctl(fd, _IOW(KGIL_IOC_MAGIC, 0x04, uint32_t), buf), -ENOTTY);
}

/* ---- policy ------------------------------------------------------- */

Test(ioctl, default_policy_is_newgil_with_cpython_defaults)
{
	struct kgil_policy p;

	memset(&p, 0xa5, sizeof(p));
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_GET_POLICY, &p), 0);
	cr_assert_eq(p.policy, KGIL_POLICY_NEWGIL);
	cr_assert_eq(p.flags, KGIL_POLICY_FORCE_SWITCH);
	cr_assert_eq(p.check_interval, 100);
	cr_assert_eq(p.switch_interval_ns, 5000000);
	cr_assert_eq(p.io_boost_ns, KGIL_DEFAULT_IO_BOOST_NS);
	cr_assert_eq(p.spin_ns, 0, "CPython does not spin");
	cr_assert_eq(p.reserved0, 0);
	for (size_t i = 0; i < sizeof(p.reserved) / sizeof(p.reserved[0]); i++)
		cr_assert_eq(p.reserved[i], 0);
}

Test(ioctl, set_policy_round_trips)
{
	struct kgil_policy p, q;

	cr_assert_eq(kgil_policy_default(KGIL_POLICY_LEGACY, &p), 0);
	p.check_interval = 7;
	p.switch_interval_ns = 123456;
	p.io_boost_ns = 2000;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY, &p), 0);
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_GET_POLICY, &q), 0);
	cr_assert_eq(memcmp(&p, &q, sizeof(p)), 0);
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_NEWGIL, &p), 0);
	p.flags = 0;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY, &p), 0);
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_GET_POLICY, &q), 0);
	cr_assert_eq(memcmp(&p, &q, sizeof(p)), 0);
}

static int set_modified(void (*modify)(struct kgil_policy *))
{
	struct kgil_policy p;

	cr_assert_eq(kgil_policy_default(KGIL_POLICY_NEWGIL, &p), 0);
	modify(&p);
	return raw_ioctl(fd, KGIL_IOC_SET_POLICY, &p);
}

static void pol_zero(struct kgil_policy *p) { p->policy = 0; }
static void pol_huge(struct kgil_policy *p) { p->policy = 1000; }
static void pol_max1(struct kgil_policy *p) { p->policy = KGIL_POLICY_MAX + 1; }
static void pol_flags(struct kgil_policy *p) { p->flags = 1u << 5; }
static void pol_check0(struct kgil_policy *p) { p->check_interval = 0; }
static void pol_switch0(struct kgil_policy *p) { p->switch_interval_ns = 0; }
static void pol_switch_small(struct kgil_policy *p) { p->switch_interval_ns = KGIL_MIN_SWITCH_INTERVAL_NS - 1; }
static void pol_switch_big(struct kgil_policy *p) { p->switch_interval_ns = KGIL_MAX_SWITCH_INTERVAL_NS + 1; }
static void pol_boost0(struct kgil_policy *p) { p->io_boost_ns = 0; }
static void pol_res0(struct kgil_policy *p) { p->reserved0 = 1; }
static void pol_res2(struct kgil_policy *p) { p->reserved[2] = 1; }
static void pol_spin_big(struct kgil_policy *p) { p->spin_ns = KGIL_MAX_SPIN_NS + 1; }

Test(ioctl, set_policy_rejects_bad_fields)
{
	struct kgil_policy before, after;
	struct {
		void (*modify)(struct kgil_policy *);
		int err;
		const char *what;
	} cases[] = {
		{ pol_zero, -EINVAL, "policy 0" },
		{ pol_huge, -EINVAL, "policy 1000" },
		{ pol_max1, -EINVAL, "policy MAX+1" },
		{ pol_flags, -EINVAL, "unknown flag" },
		{ pol_check0, -EINVAL, "zero check interval" },
		{ pol_switch0, -EINVAL, "zero switch interval" },
		{ pol_switch_small, -EINVAL, "switch interval below min" },
		{ pol_switch_big, -EINVAL, "switch interval above max" },
		{ pol_boost0, -EINVAL, "zero io boost" },
		{ pol_res0, -EINVAL, "reserved0" },
		{ pol_res2, -EINVAL, "reserved[2]" },
		{ pol_spin_big, -EINVAL, "spin above max" },
	};

	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_GET_POLICY, &before), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(set_modified(cases[i].modify), cases[i].err,
			     "%s", cases[i].what);
	/* Nothing changed. */
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_GET_POLICY, &after), 0);
	cr_assert_eq(memcmp(&before, &after, sizeof(before)), 0);
}

/* Every defined policy id: accepted if the features name it, else
 * -EOPNOTSUPP (well-formed, not implemented here). */
Test(ioctl, set_policy_follows_the_feature_bits)
{
	struct kgil_features f;
	struct kgil_policy p, q;

	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_FEATURES, &f), 0);
	for (uint32_t id = KGIL_POLICY_LEGACY; id <= KGIL_POLICY_MAX; id++) {
		if (id == KGIL_POLICY_BPF) {
			/* Chosen by name only, with or without the feature. */
			cr_assert_eq(kgil_policy_default(KGIL_POLICY_FIFO, &p), 0);
			p.policy = id;
			cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY, &p),
				     -EINVAL);
			continue;
		}
		cr_assert_eq(kgil_policy_default(id, &p), 0);
		if (f.features & KGIL_FEAT_POLICY(id)) {
			cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY, &p), 0,
				     "policy %u", id);
			cr_assert_eq(raw_ioctl(fd, KGIL_IOC_GET_POLICY, &q), 0);
			cr_assert_eq(q.policy, id);
		} else {
			cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY, &p),
				     -EOPNOTSUPP, "policy %u", id);
		}
	}
}

/*
 * One source for the rules: the module and libkgil's user backends accept
 * and refuse exactly the same parameters, each bound of kgil.h tried on
 * both of its sides.  The user backend (newgil) is given the values on
 * its own policy, the module on newgil too.
 */
struct bound_case {
	const char *what;
	int field;	/* 0 check_interval, 1 switch_interval_ns, 2 io_boost_ns, 3 spin_ns */
	uint64_t value;
	int want;	/* the documented answer */
};

static const struct bound_case bound_cases[] = {
	{ "check_interval min-1", 0, KGIL_MIN_CHECK_INTERVAL - 1, -EINVAL },
	{ "check_interval min", 0, KGIL_MIN_CHECK_INTERVAL, 0 },
	{ "check_interval max", 0, KGIL_MAX_CHECK_INTERVAL, 0 },
	{ "check_interval max+1", 0, (uint64_t)KGIL_MAX_CHECK_INTERVAL + 1, -EINVAL },
	{ "check_interval u32 max", 0, UINT32_MAX, -EINVAL },
	{ "switch_interval min-1", 1, KGIL_MIN_SWITCH_INTERVAL_NS - 1, -EINVAL },
	{ "switch_interval min", 1, KGIL_MIN_SWITCH_INTERVAL_NS, 0 },
	{ "switch_interval max", 1, KGIL_MAX_SWITCH_INTERVAL_NS, 0 },
	{ "switch_interval max+1", 1, KGIL_MAX_SWITCH_INTERVAL_NS + 1, -EINVAL },
	{ "io_boost 1", 2, 1, -EINVAL },
	{ "io_boost min-1", 2, KGIL_MIN_IO_BOOST_NS - 1, -EINVAL },
	{ "io_boost min", 2, KGIL_MIN_IO_BOOST_NS, 0 },
	{ "io_boost max", 2, KGIL_MAX_IO_BOOST_NS, 0 },
	{ "io_boost max+1", 2, KGIL_MAX_IO_BOOST_NS + 1, -EINVAL },
	{ "spin 0", 3, 0, 0 },
	{ "spin max", 3, KGIL_MAX_SPIN_NS, 0 },
	{ "spin max+1", 3, KGIL_MAX_SPIN_NS + 1, -EINVAL },
};

static void bound_apply(struct kgil_policy *p, const struct bound_case *c)
{
	switch (c->field) {
	case 0: p->check_interval = (uint32_t)c->value; break;
	case 1: p->switch_interval_ns = c->value; break;
	case 2: p->io_boost_ns = c->value; break;
	default: p->spin_ns = c->value; break;
	}
}

Test(ioctl, set_policy_bounds_match_the_library)
{
	struct kgil *u;
	struct kgil_policy p;

	cr_assert_eq(kgil_open(KGIL_BACKEND_USER_NEWGIL, &u), 0);
	for (size_t i = 0; i < sizeof(bound_cases) / sizeof(bound_cases[0]); i++) {
		const struct bound_case *c = &bound_cases[i];

		cr_assert_eq(kgil_policy_default(KGIL_POLICY_NEWGIL, &p), 0);
		bound_apply(&p, c);
		cr_expect_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY, &p), c->want,
			     "module, %s", c->what);
		cr_expect_eq(kgil_set_policy(u, &p), c->want,
			     "user backend, %s", c->what);
	}
	kgil_close(u);
}

/* ---- attach / detach ---------------------------------------------- */

Test(ioctl, attach_returns_id_and_detach_undoes_it)
{
	struct kgil_attach a = { 0 };
	struct kgil_stats st;

	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_ATTACH, &a), 0);
	cr_assert_geq(a.id, 1);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.nr_threads, 1);
	cr_assert_eq(raw_attach(fd), -EEXIST);
	cr_assert_eq(raw_detach(fd), 0);
	cr_assert_eq(raw_detach(fd), -ENOENT);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.nr_threads, 0);
	/* A new attachment gets a new id. */
	cr_assert_gt(raw_attach(fd), (int)a.id);
}

Test(ioctl, attach_rejects_flags_and_reserved)
{
	struct kgil_attach a = { .flags = 1 };

	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_ATTACH, &a), -EINVAL);
	a.flags = 0;
	a.reserved[1] = 1;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_ATTACH, &a), -EINVAL);
	cr_assert_eq(raw_detach(fd), -ENOENT);
}

struct stay_arg {
	int fd;
	int id;
	volatile int attached;
	volatile int leave;
};

/* Attach and stay attached until told, then exit without DETACH. */
static void *stay_thread(void *p)
{
	struct stay_arg *s = p;

	s->id = raw_attach(s->fd);
	s->attached = 1;
	while (!s->leave)
		sleep_ns(100000);
	return NULL;
}

static void *attach_thread(void *arg)
{
	return (void *)(intptr_t)raw_attach(*(int *)arg);
}

Test(ioctl, attach_beyond_max_threads_is_enospc)
{
	struct stay_arg s = { .fd = fd };
	pthread_t th, th2;
	char old[32];
	void *res;

	cr_assert_eq(modparam_get("max_threads", old, sizeof(old)), 0);
	cr_assert_eq(modparam_set("max_threads", "2"), 0);
	cr_assert_eq(modparam_set("max_threads", "0"), -EINVAL);
	cr_assert_geq(raw_attach(fd), 1);
	pthread_create(&th, NULL, stay_thread, &s);
	while (!s.attached)
		sleep_ns(100000);
	cr_assert_geq(s.id, 1);
	pthread_create(&th2, NULL, attach_thread, &fd);
	pthread_join(th2, &res);
	cr_assert_eq((intptr_t)res, -ENOSPC);
	/*
	 * A thread that exits attached frees its slot, at sched_process_exit,
	 * which do_exit() reaches just after the join is woken: poll.
	 */
	s.leave = 1;
	pthread_join(th, NULL);
	cr_assert(dt_wait_gone(fd, (uint32_t)s.id, 0));
	pthread_create(&th2, NULL, attach_thread, &fd);
	pthread_join(th2, &res);
	cr_assert_gt((intptr_t)res, s.id);
	cr_assert_eq(modparam_set("max_threads", old), 0);
}

/*
 * Thread ids count up to max_thread_id (2^32 - 1 unless a test lowers it
 * to get there without billions of attaches), then start again from 1,
 * skipping the ids of attached threads: an id names one attached thread.
 */
Test(ioctl, thread_ids_wrap_skipping_attached_threads)
{
	struct stay_arg s[3] = { { .fd = fd }, { .fd = fd }, { .fd = fd } };
	pthread_t th[3], th2;
	char buf[32];
	void *res;

	cr_assert_eq(modparam_get("max_thread_id", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "4294967295");
	cr_assert_eq(modparam_set("max_thread_id", "0"), -EINVAL);
	cr_assert_eq(modparam_set("max_thread_id", "3"), 0);
	cr_assert_eq(raw_attach(fd), 1);
	for (int i = 0; i < 2; i++) {
		pthread_create(&th[i], NULL, stay_thread, &s[i]);
		while (!s[i].attached)
			sleep_ns(100000);
		cr_assert_eq(s[i].id, i + 2);
	}
	s[0].leave = 1;
	pthread_join(th[0], NULL);
	cr_assert(dt_wait_gone(fd, 2, 0));
	/* Past 3: back to 1, which we hold, so 2, which is free again. */
	pthread_create(&th[2], NULL, stay_thread, &s[2]);
	while (!s[2].attached)
		sleep_ns(100000);
	/* 1, 2 and 3 all taken: no id left. */
	pthread_create(&th2, NULL, attach_thread, &fd);
	pthread_join(th2, &res);
	s[1].leave = s[2].leave = 1;
	pthread_join(th[1], NULL);
	pthread_join(th[2], NULL);
	cr_assert_eq(s[2].id, 2, "after the wrap: id %d (ours is 1)", s[2].id);
	cr_assert_eq((intptr_t)res, -ENOSPC, "every id taken: %d",
		     (int)(intptr_t)res);
	cr_assert(dt_wait_gone(fd, 0, 1));
	cr_assert_eq(raw_detach(fd), 0);
	/* Nobody attached now: the count goes on from the last one given. */
	cr_assert_eq(raw_attach(fd), 3);
	cr_assert_eq(modparam_set("max_thread_id", saved_max_thread_id), 0);
}

Test(ioctl, open_beyond_max_domains_per_user_is_emfile)
{
	struct kgil_features f;
	int fd2;

	/* This test's own domain is the user's only one. */
	cr_assert_eq(modparam_set("max_domains_per_user", "1"), 0);
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_FEATURES, &f), 0);
	cr_assert_eq(f.max_domains_per_user, 1);
	cr_assert_eq(raw_open(O_CLOEXEC), -EMFILE);
	cr_assert_eq(modparam_set("max_domains_per_user", "2"), 0);
	fd2 = raw_open(O_CLOEXEC);
	cr_assert_geq(fd2, 0);
	cr_assert_eq(raw_open(O_CLOEXEC), -EMFILE);
	/* Closing gives the slot back; 0 lifts the limit. */
	close(fd2);
	fd2 = raw_open(O_CLOEXEC);
	cr_assert_geq(fd2, 0);
	cr_assert_eq(modparam_set("max_domains_per_user", "0"), 0);
	cr_assert_geq(raw_open(O_CLOEXEC), 0);
}

Test(ioctl, thread_commands_need_attach)
{
	struct kgil_acquire a = { 0 };

	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_ACQUIRE, &a), -ENOENT);
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_CHECK, &a), -ENOENT);
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_IO_END, &a), -ENOENT);
	cr_assert_eq(raw_release(fd), -ENOENT);
	cr_assert_eq(raw_io_begin(fd), -ENOENT);
	cr_assert_eq(raw_detach(fd), -ENOENT);
}

Test(ioctl, attachment_is_per_domain)
{
	int fd2 = raw_open(O_CLOEXEC);

	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(raw_acquire(fd2, 0, 0, NULL), -ENOENT);
	cr_assert_eq(raw_attach(fd2), 1, "ids are per domain");
	cr_assert_eq(raw_acquire(fd2, 0, 0, NULL), 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0, "domains are independent");
	close(fd2);
}

/* ---- acquire / release / check ------------------------------------ */

Test(ioctl, acquire_release_cycle)
{
	struct kgil_acquire a;
	struct kgil_stats st;
	int id = raw_attach(fd);

	memset(&a, 0, sizeof(a));
	cr_assert_eq(raw_acquire(fd, 0, 0, &a), 0);
	cr_assert_eq(a.result, 0);
	cr_assert_eq(a.failed_attempts, 0);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.holder_id, (uint32_t)id);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), -EDEADLK);
	cr_assert_eq(raw_acquire(fd, KGIL_ACQUIRE_TRY, 0, NULL), -EDEADLK);
	cr_assert_eq(raw_release(fd), 0);
	cr_assert_eq(raw_release(fd), -EPERM);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.holder_id, 0);
	cr_assert_eq(st.c.acquisitions, 1);
	cr_assert_eq(st.c.releases, 1);
	cr_assert_eq(raw_acquire(fd, KGIL_ACQUIRE_TRY, 0, NULL), 0);
	cr_assert_eq(raw_acquire(fd, KGIL_ACQUIRE_TIMEOUT, 1000, NULL), -EDEADLK);
}

Test(ioctl, acquire_rejects_bad_fields)
{
	struct kgil_acquire a;

	cr_assert_geq(raw_attach(fd), 1);
	memset(&a, 0, sizeof(a));
	a.flags = 1u << 7;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_ACQUIRE, &a), -EINVAL);
	memset(&a, 0, sizeof(a));
	a.reserved0 = 1;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_ACQUIRE, &a), -EINVAL);
	memset(&a, 0, sizeof(a));
	a.deadline_ns = 1;	/* a restart's deadline needs the flag */
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_ACQUIRE, &a), -EINVAL);
	memset(&a, 0, sizeof(a));
	a.timeout_ns = 5;	/* without KGIL_ACQUIRE_TIMEOUT */
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_ACQUIRE, &a), -EINVAL);
	memset(&a, 0, sizeof(a));
	a.deadline_ns = 1;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_CHECK, &a), -EINVAL);
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_IO_END, &a), -EINVAL);
	/* None of that took the lock. */
	cr_assert_eq(raw_release(fd), -EPERM);
}

Test(ioctl, output_fields_are_ignored_on_input)
{
	struct kgil_acquire a;

	cr_assert_geq(raw_attach(fd), 1);
	memset(&a, 0, sizeof(a));
	a.result = ~0u;
	a.wait_ns = ~0ull;
	a.failed_attempts = ~0u;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_ACQUIRE, &a), 0);
	cr_assert_eq(a.result, 0);
	cr_assert_eq(a.failed_attempts, 0);
	cr_assert_lt(a.wait_ns, 1000000000ull);
}

struct holder_arg {
	int fd;
	int id;
	volatile int go_release;
	volatile int held;
};

/* Attach, take the lock, hold it until told, release. */
static void *holder_thread(void *p)
{
	struct holder_arg *h = p;

	h->id = raw_attach(h->fd);
	if (h->id < 1 || raw_acquire(h->fd, 0, 0, NULL))
		return (void *)1;
	h->held = 1;
	while (!h->go_release)
		sleep_ns(100000);
	raw_release(h->fd);
	return NULL;
}

Test(ioctl, try_and_timeout_when_held_elsewhere)
{
	struct holder_arg h = { .fd = fd };
	struct kgil_acquire a;
	struct kgil_stats st;
	pthread_t th;
	uint64_t t0, dt;

	cr_assert_geq(raw_attach(fd), 1);
	pthread_create(&th, NULL, holder_thread, &h);
	while (!h.held)
		sleep_ns(100000);
	cr_assert_eq(raw_acquire(fd, KGIL_ACQUIRE_TRY, 0, NULL), -EBUSY);
	cr_assert_eq(raw_acquire(fd, KGIL_ACQUIRE_TIMEOUT, 0, NULL), -ETIMEDOUT);
	t0 = now_ns();
	cr_assert_eq(raw_acquire(fd, KGIL_ACQUIRE_TIMEOUT, 30000000, &a), -ETIMEDOUT);
	dt = now_ns() - t0;
	cr_assert_geq(dt, 30000000ull, "returned after %llu ns", (unsigned long long)dt);
	cr_assert_geq(a.wait_ns, 30000000ull);
	cr_assert_leq(a.wait_ns, dt);
	cr_assert_eq(raw_thread_stats(fd, 0, &st), 0);
	cr_assert_eq(st.c.timeouts, 2);
	cr_assert_eq(st.c.acquisitions, 0);
	cr_assert_eq(st.holder_id, (uint32_t)h.id);
	h.go_release = 1;
	cr_assert_eq(raw_acquire(fd, KGIL_ACQUIRE_TIMEOUT, 10000000000ull, &a), 0);
	pthread_join(th, NULL);
}

Test(ioctl, check_needs_the_lock)
{
	struct kgil_acquire a = { 0 };

	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(raw_check(fd, &a), -EPERM);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	/* newgil without a drop request: nothing to do. */
	memset(&a, 0xff, sizeof(a));
	cr_assert_eq(raw_check(fd, &a), 0);
	cr_assert_eq(a.result, 0);
	cr_assert_eq(raw_acquire(fd, KGIL_ACQUIRE_TRY, 0, NULL), -EDEADLK);
}

Test(ioctl, legacy_check_releases_and_retakes)
{
	struct kgil_acquire a;
	struct kgil_stats st;

	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_LEGACY, 0, 5000000), 0);
	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(raw_check(fd, &a), 0);
		cr_assert_eq(a.result, 0, "alone, the lock never changes hands");
	}
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.checks, 10);
	cr_assert_eq(st.c.releases, 10);
	cr_assert_eq(st.c.acquisitions, 11);
	cr_assert_eq(st.c.handoffs, 0);
	cr_assert_eq(raw_release(fd), 0);
}

Test(ioctl, io_begin_and_end)
{
	struct kgil_acquire a;
	struct kgil_stats st;

	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(raw_io_begin(fd), -EPERM);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	cr_assert_eq(raw_io_begin(fd), 0);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.holder_id, 0, "IO_BEGIN releases");
	cr_assert_eq(st.c.io_begins, 1);
	cr_assert_eq(raw_io_end(fd, &a), 0);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_neq(st.holder_id, 0, "IO_END reacquires");
	cr_assert_eq(raw_io_end(fd, &a), -EDEADLK);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.c.acquisitions, 2);
	cr_assert_eq(st.c.releases, 1);
}

Test(ioctl, detach_while_holding_releases)
{
	struct kgil_stats st;

	cr_assert_geq(raw_attach(fd), 1);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	cr_assert_eq(raw_detach(fd), 0);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(st.holder_id, 0);
	cr_assert_eq(st.nr_threads, 0);
	cr_assert_eq(st.c.releases, 1);
}

/* ---- stats -------------------------------------------------------- */

Test(ioctl, stats_rejects_bad_fields)
{
	struct kgil_stats st;

	memset(&st, 0, sizeof(st));
	st.scope = 2;
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_STATS, &st), -EINVAL);
	memset(&st, 0, sizeof(st));
	st.id = 1;	/* an id with the domain scope */
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_STATS, &st), -EINVAL);
	/* policy_name is out only: what comes in is ignored (KGIL_FEAT_BPF). */
	memset(&st, 0, sizeof(st));
	st.policy_name[0] = 'x';
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_STATS, &st), 0);
	cr_assert_eq(raw_thread_stats(fd, 0, &st), -ENOENT, "not attached");
	cr_assert_eq(raw_thread_stats(fd, 12345, &st), -ENOENT);
}

/*
 * policy_name is out only: whatever comes in (a struct reused after a
 * call) is ignored, and the domain's policy comes out, zero-padded.
 */
Test(ioctl, stats_names_the_policy)
{
	struct kgil_stats st;
	struct kgil_policy p;

	memset(&st, 0, sizeof(st));
	memset(st.policy_name, 'x', sizeof(st.policy_name));
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_STATS, &st), 0);
	cr_assert_str_eq(st.policy_name, "newgil");
	for (size_t i = strlen("newgil"); i < sizeof(st.policy_name); i++)
		cr_assert_eq(st.policy_name[i], 0);
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_IOPRIO, &p), 0);
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_SET_POLICY, &p), 0);
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_STATS, &st), 0);
	cr_assert_str_eq(st.policy_name, "ioprio");
	cr_assert_eq(st.c.policy_clamps, 0);
}

Test(ioctl, stats_count_and_histogram)
{
	struct kgil_stats st, th;
	uint64_t sum = 0;
	int id = raw_attach(fd);

	for (int i = 0; i < 5; i++) {
		cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
		sleep_ns(1000000);
		cr_assert_eq(raw_release(fd), 0);
	}
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_gt(st.domain_id, 0);
	cr_assert_eq(st.nr_threads, 1);
	cr_assert_eq(st.c.acquisitions, 5);
	cr_assert_eq(st.c.releases, 5);
	cr_assert_geq(st.c.total_hold_ns, 5000000ull);
	for (int i = 0; i < KGIL_WAIT_HIST_BUCKETS; i++)
		sum += st.c.wait_hist[i];
	cr_assert_eq(sum, 5, "one histogram entry per acquisition");
	cr_assert_leq(st.c.max_wait_ns, st.c.total_wait_ns);
	cr_assert_eq(st.c.spins, 0);
	for (size_t i = 0; i < sizeof(st.c.reserved) / sizeof(st.c.reserved[0]); i++)
		cr_assert_eq(st.c.reserved[i], 0);
	cr_assert_eq(raw_thread_stats(fd, (uint32_t)id, &th), 0);
	cr_assert_eq(th.domain_id, st.domain_id);
	cr_assert_eq(memcmp(&th.c, &st.c, sizeof(th.c)), 0,
		     "one thread: its counters are the domain's");
	cr_assert_eq(raw_thread_stats(fd, 0, &th), 0);
	cr_assert_eq(th.c.acquisitions, 5);
}
