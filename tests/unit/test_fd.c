// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel backend's descriptor: kgil_fd_move() and kgil_lost() (issue
 * 25: a daemon's closerange closed it and the next call went to a closed
 * number, or to another file that got the number).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "unit.h"

TestSuite(fd, .timeout = UT_TIMEOUT);

Test(fd, user_backends_have_none)
{
	struct kgil *g;

	if (ut_is_kernel())
		cr_skip_test("the user backends' answers");
	g = ut_open();
	cr_assert_eq(kgil_fd(g), -1);
	cr_assert_eq(kgil_fd_move(g, 100), -EOPNOTSUPP);
	cr_assert_eq(kgil_lost(g), -EOPNOTSUPP);
	cr_assert_eq(kgil_fd_move(NULL, 100), -EINVAL);
	cr_assert_eq(kgil_lost(NULL), -EINVAL);
	cr_assert_eq(kgil_close(g), 0);
}

/* Moved while held: the flush of the old number detaches nobody. */
Test(fd, move_keeps_the_threads)
{
	struct kgil *g;
	int old, fd;

	if (!ut_is_kernel())
		cr_skip_test("kernel backend only");
	g = ut_open();
	old = kgil_fd(g);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	cr_assert_eq(kgil_fd_move(g, -1), -EINVAL);
	fd = kgil_fd_move(g, 500);
	cr_assert_geq(fd, 500);
	cr_assert_eq(kgil_fd(g), fd);
	cr_assert_eq(fcntl(old, F_GETFD), -1, "the old number is still open");
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
	cr_assert_eq(kgil_release(g), 0, "the move detached the holder");
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_detach(g), 0);
	cr_assert_eq(kgil_close(g), 0);
}

/*
 * Closed behind the library's back, the number then reused by another
 * file: after kgil_lost() no call reaches that file, kgil_close() leaves
 * it open, and the thread can attach to a new domain.
 */
Test(fd, lost_descriptor)
{
	struct kgil *g, *g2;
	int fd, other;

	if (!ut_is_kernel())
		cr_skip_test("kernel backend only");
	g = ut_open();
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
	fd = kgil_fd(g);
	/* Opened first, so that it is not at fd itself. */
	other = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(other, 0);
	cr_assert_eq(close(fd), 0);
	cr_assert_eq(kgil_release(g), -EBADF, "a closed number");
	cr_assert_eq(kgil_lost(g), 0);
	cr_assert_eq(kgil_fd(g), -1);
	cr_assert_eq(dup2(other, fd), fd);
	cr_assert_eq(kgil_attach(g), -EBADF, "no call reaches the number");
	cr_assert_eq(kgil_close(g), 0, "nobody attached any more");
	cr_assert_eq(fcntl(fd, F_GETFD), 0, "kgil_close closed another file");
	close(fd);
	close(other);
	cr_assert_eq(kgil_open(KGIL_BACKEND_KERNEL, &g2), 0);
	cr_assert_geq(kgil_attach(g2), 1, "attach to the replacement");
	cr_assert_eq(kgil_acquire(g2, NULL), 0);
	cr_assert_eq(kgil_release(g2), 0);
	cr_assert_eq(kgil_detach(g2), 0);
	cr_assert_eq(kgil_close(g2), 0);
}
