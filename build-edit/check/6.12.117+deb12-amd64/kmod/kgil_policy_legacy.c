// SPDX-License-Identifier: GPL-2.0
/*
 * legacy: the Python 2 GIL (ceval.c + thread_pthread.h).
 *
 * Every check_interval ticks the holder releases the lock, signals one
 * waiter (sem_post / pthread_cond_signal: the core's kgil_wake_one(), the
 * default on_release) and immediately takes it back (KGIL_CHECK_YIELD:
 * release, then acquire in the same syscall).  Nothing is handed over and
 * nothing stops the releaser from barging back in, so on a multicore
 * machine the signalled thread usually wakes up to find the lock taken
 * again, counts a failed attempt and sleeps: the "GIL battle".  This
 * policy reproduces that on purpose; do not fix it here.
 *
 * Waiters sleep without a timeout, as Python 2's sem_wait did.  The
 * check interval itself is counted in userspace; the shared page's
 * nr_waiting lets userspace skip the CHECK syscall when nobody waits, as
 * an uncontended Python 2 semaphore made no system call.
 */
#include "kgil_internal.h"

static void legacy_activate(struct kgil_domain *dom)
{
	/* No drop requests here: a stale one would only cost syscalls. */
	kgil_clear_drop(dom);
}

static enum kgil_check_action legacy_check(struct kgil_domain *dom,
					   struct kgil_thread *t)
{
	return KGIL_CHECK_YIELD;
}

const struct kgil_policy_ops kgil_policy_legacy = {
	.id = KGIL_POLICY_LEGACY,
	.name = "legacy",
	.activate = legacy_activate,
	.check = legacy_check,
};
