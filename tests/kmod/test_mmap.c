// SPDX-License-Identifier: GPL-2.0
/*
 * The shared page: read-only, one page at offset 0, and a live mirror of
 * the domain (holder, waiters, switch number, policy, drop request).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "dt.h"
#include "raw.h"

static int fd = -1;

static void setup(void)
{
	fd = raw_open(O_CLOEXEC);
	cr_assert_geq(fd, 0);
}

static void teardown(void)
{
	if (fd >= 0)
		close(fd);
}

TestSuite(mmap, .init = setup, .fini = teardown, .timeout = 60);

Test(mmap, refuses_writable_and_odd_mappings)
{
	void *p;

	cr_assert_eq(raw_map_errno(fd, 4096, PROT_READ, MAP_SHARED, 0), 0);
	cr_assert_eq(raw_map_errno(fd, 4096, PROT_READ, MAP_PRIVATE, 0), 0);
	cr_assert_eq(raw_map_errno(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0), -EPERM);
	cr_assert_eq(raw_map_errno(fd, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0), -EPERM);
	cr_assert_eq(raw_map_errno(fd, 4096, PROT_READ, MAP_SHARED, 4096), -EINVAL);
	cr_assert_eq(raw_map_errno(fd, 8192, PROT_READ, MAP_SHARED, 0), -EINVAL);
	/* A read-only mapping cannot be made writable afterwards. */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(mprotect(p, 4096, PROT_READ | PROT_WRITE), -1);
	cr_assert_eq(errno, EACCES);
	munmap(p, 4096);
}

Test(mmap, mirrors_policy_and_domain)
{
	const volatile struct kgil_shared *sh = raw_map(fd);
	struct kgil_stats st;

	cr_assert_not_null(sh);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(sh->domain_id, st.domain_id);
	cr_assert_eq(sh->policy, KGIL_POLICY_NEWGIL);
	cr_assert_eq(sh->check_interval, 100);
	cr_assert_eq(sh->switch_interval_ns, 5000000);
	cr_assert_eq(sh->holder_id, 0);
	cr_assert_eq(sh->drop_request, 0);
	cr_assert_eq(sh->nr_waiting, 0);
	cr_assert_eq(sh->switch_number, 0);
	cr_assert_eq(sh->reserved0, 0);
	cr_assert_eq(dt_set_policy(fd, KGIL_POLICY_LEGACY, 0, 777000), 0);
	cr_assert_eq(sh->policy, KGIL_POLICY_LEGACY);
	cr_assert_eq(sh->switch_interval_ns, 777000);
	raw_unmap(sh);
}

struct taker {
	int fd;
	int id;
	int ret;
	uint32_t holder_seen;
};

static void *take_and_hold(void *p)
{
	struct taker *t = p;
	const volatile struct kgil_shared *sh = raw_map(t->fd);

	t->id = raw_attach(t->fd);
	t->ret = raw_acquire(t->fd, 0, 0, NULL);
	sleep_ns(10000000);
	t->holder_seen = sh ? sh->holder_id : 0;
	if (!t->ret)
		raw_release(t->fd);
	raw_detach(t->fd);
	if (sh)
		raw_unmap(sh);
	return NULL;
}

Test(mmap, mirrors_holder_waiters_and_switches)
{
	const volatile struct kgil_shared *sh = raw_map(fd);
	struct taker t = { .fd = fd };
	pthread_t th;
	int me = raw_attach(fd);

	cr_assert_not_null(sh);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	cr_assert_eq(sh->holder_id, (uint32_t)me);
	cr_assert_eq(sh->switch_number, 1);
	/* Same holder again: no switch. */
	cr_assert_eq(raw_release(fd), 0);
	cr_assert_eq(sh->holder_id, 0);
	cr_assert_eq(raw_acquire(fd, 0, 0, NULL), 0);
	cr_assert_eq(sh->switch_number, 1);
	pthread_create(&th, NULL, take_and_hold, &t);
	cr_assert(dt_wait_u32(&sh->nr_waiting, 1, true, 10000000000ull));
	/* newgil, 5 ms: the waiter asks us to drop. */
	cr_assert(dt_wait_u32(&sh->drop_request, 1, true, 10000000000ull));
	/* Gives it away, waits for the taker to have it, then takes it back. */
	cr_assert_eq(raw_check(fd, NULL), 0);
	cr_assert_eq(sh->holder_id, (uint32_t)me);
	cr_assert_eq(sh->drop_request, 0);
	cr_assert_eq(sh->nr_waiting, 0);
	pthread_join(th, NULL);
	cr_assert_eq(t.ret, 0);
	cr_assert_eq(t.holder_seen, (uint32_t)t.id);
	cr_assert_eq(sh->switch_number, 3);
	raw_unmap(sh);
}

Test(mmap, mapping_outlives_the_descriptor)
{
	const volatile struct kgil_shared *sh = raw_map(fd);
	struct kgil_stats st;

	cr_assert_not_null(sh);
	cr_assert_eq(raw_domain_stats(fd, &st), 0);
	cr_assert_eq(close(fd), 0);
	fd = -1;
	cr_assert_eq(sh->domain_id, st.domain_id);
	raw_unmap(sh);
}
