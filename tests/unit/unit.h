/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the libkgil unit suite.  The suite is one set of tests
 * parameterised by backend: $KGIL_BACKEND picks it (scripts/test-unit.sh
 * runs user-legacy and user-newgil natively, scripts/test-device.sh runs
 * kernel in the VM).  Tests that need something only one backend has skip
 * with cr_skip_test on the others.
 *
 * Criterion's asserts are only safe in the test's own thread: helper
 * threads record what they saw and the test thread asserts after joining.
 */
#ifndef KGIL_UNIT_H
#define KGIL_UNIT_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>

#include "kgil.h"

/* Per-test watchdog (s): a lock that is never released fails, not hangs. */
#define UT_TIMEOUT 60

enum kgil_backend ut_backend(void);
bool ut_is_kernel(void);
/* The policy a freshly opened domain of this backend has. */
uint32_t ut_default_policy(void);

/* Open a domain on the backend under test (skips if the module has no lock). */
struct kgil *ut_open(void);
/* Skip unless the backend implements policy. */
void ut_require_policy(struct kgil *g, uint32_t policy);
/* Skip unless the kernel module has feature (user backends: always run). */
void ut_require_kernel_feature(uint64_t feature);
/* Switch to policy (defaults otherwise); fails the test if refused. */
void ut_use_policy(struct kgil *g, uint32_t policy, uint32_t check_interval,
		   uint64_t switch_interval_ns);

void ut_sleep_ms(unsigned int ms);
struct kgil_counters ut_stats(struct kgil *g);
struct kgil_counters ut_self_stats(struct kgil *g);
uint64_t ut_hist_sum(const struct kgil_counters *c);

/*
 * A helper thread that attaches, acquires, tells the test (ready), and
 * holds the lock until ut_holder_stop(); errors are kept for the test.
 */
struct ut_holder {
	struct kgil *g;
	pthread_t thread;
	sem_t ready, stop;
	int err;
	uint32_t id;
};
void ut_holder_start(struct ut_holder *h, struct kgil *g);
void ut_holder_stop(struct ut_holder *h);

#endif
