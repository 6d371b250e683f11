// SPDX-License-Identifier: GPL-2.0
/* kgil_forget_after_fork(): a child lets go of the parent's domain. */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

/* The child's own run: forget, then a fresh domain of its own. */
static int child(struct kgil *inherited)
{
	struct kgil *g;

	if (kgil_forget_after_fork(inherited))
		return 10;
	if (kgil_self_id() != 0)
		return 11;
	if (kgil_open(ut_backend(), &g))
		return 12;
	if (kgil_attach(g) < 1)
		return 13;
	if (kgil_acquire(g, NULL) || kgil_release(g))
		return 14;
	if (kgil_detach(g) || kgil_close(g))
		return 15;
	return 0;
}

TestSuite(fork, .timeout = UT_TIMEOUT);

Test(fork, child_forgets_parent_domain_untouched)
{
	struct kgil *g = ut_open();
	struct kgil_counters before, after;
	int status;
	pid_t pid;

	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	cr_assert_eq(kgil_stats(g, &before), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(child(g));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child status %#x", status);
	/* The parent still holds its lock, and its counters did not move. */
	cr_assert_eq(kgil_stats(g, &after), 0);
	cr_assert_eq(after.acquisitions, before.acquisitions);
	cr_assert_eq(after.releases, before.releases);
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}

Test(fork, forget_null)
{
	cr_assert_eq(kgil_forget_after_fork(NULL), -EINVAL);
}
