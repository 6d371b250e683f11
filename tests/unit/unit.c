// SPDX-License-Identifier: GPL-2.0
/* Shared helpers of the libkgil unit suite (see unit.h). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "unit.h"

enum kgil_backend ut_backend(void)
{
	enum kgil_backend b;

	cr_assert_eq(kgil_backend_from_env(KGIL_BACKEND_USER_NEWGIL, &b), 0,
		     "bad KGIL_BACKEND");
	return b;
}

bool ut_is_kernel(void)
{
	return ut_backend() == KGIL_BACKEND_KERNEL;
}

uint32_t ut_default_policy(void)
{
	return ut_backend() == KGIL_BACKEND_USER_LEGACY ? KGIL_POLICY_LEGACY
							: KGIL_POLICY_NEWGIL;
}

struct kgil *ut_open(void)
{
	struct kgil *g = NULL;
	int ret = kgil_open(ut_backend(), &g);

	if (ret == -EOPNOTSUPP && ut_is_kernel())
		cr_skip_test("the loaded kgil module has no lock yet (no KGIL_FEAT_LOCK)");
	cr_assert_eq(ret, 0, "kgil_open(%s): %s", kgil_backend_name(ut_backend()),
		     strerror(-ret));
	return g;
}

void ut_require_kernel_feature(uint64_t feature)
{
	struct kgil_features f;

	if (!ut_is_kernel())
		return;
	cr_assert_eq(kgil_query_features(-1, &f), 0);
	if (!(f.features & feature))
		cr_skip_test("kgil module without feature %#llx",
			     (unsigned long long)feature);
}

void ut_require_policy(struct kgil *g, uint32_t policy)
{
	(void)g;
	if (ut_is_kernel()) {
		ut_require_kernel_feature(KGIL_FEAT_POLICY(policy));
		return;
	}
	if (policy != ut_default_policy())
		cr_skip_test("%s implements only %s", kgil_backend_name(ut_backend()),
			     kgil_policy_name(ut_default_policy()));
}

void ut_use_policy(struct kgil *g, uint32_t policy, uint32_t check_interval,
		   uint64_t switch_interval_ns)
{
	struct kgil_policy p;
	int ret;

	ut_require_policy(g, policy);
	cr_assert_eq(kgil_policy_default(policy, &p), 0);
	if (check_interval)
		p.check_interval = check_interval;
	if (switch_interval_ns)
		p.switch_interval_ns = switch_interval_ns;
	ret = kgil_set_policy(g, &p);
	cr_assert_eq(ret, 0, "set policy %s: %s", kgil_policy_name(policy),
		     strerror(-ret));
}

void ut_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

struct kgil_counters ut_stats(struct kgil *g)
{
	struct kgil_counters c;

	cr_assert_eq(kgil_stats(g, &c), 0);
	return c;
}

struct kgil_counters ut_self_stats(struct kgil *g)
{
	struct kgil_counters c;

	cr_assert_eq(kgil_thread_stats(g, 0, &c), 0);
	return c;
}

uint64_t ut_hist_sum(const struct kgil_counters *c)
{
	uint64_t n = 0;

	for (int i = 0; i < KGIL_WAIT_HIST_BUCKETS; i++)
		n += c->wait_hist[i];
	return n;
}

static void *holder_main(void *arg)
{
	struct ut_holder *h = arg;
	int ret = kgil_attach(h->g);

	if (ret < 0) {
		h->err = ret;
		sem_post(&h->ready);
		return NULL;
	}
	h->id = (uint32_t)ret;
	h->err = kgil_acquire(h->g, NULL);
	sem_post(&h->ready);
	sem_wait(&h->stop);
	if (!h->err)
		h->err = kgil_release(h->g);
	ret = kgil_detach(h->g);
	if (!h->err)
		h->err = ret;
	return NULL;
}

void ut_holder_start(struct ut_holder *h, struct kgil *g)
{
	memset(h, 0, sizeof(*h));
	h->g = g;
	sem_init(&h->ready, 0, 0);
	sem_init(&h->stop, 0, 0);
	cr_assert_eq(pthread_create(&h->thread, NULL, holder_main, h), 0);
	sem_wait(&h->ready);
	cr_assert_eq(h->err, 0, "holder thread: %s", strerror(-h->err));
}

void ut_holder_stop(struct ut_holder *h)
{
	sem_post(&h->stop);
	pthread_join(h->thread, NULL);
	sem_destroy(&h->ready);
	sem_destroy(&h->stop);
	cr_assert_eq(h->err, 0, "holder thread: %s", strerror(-h->err));
}
