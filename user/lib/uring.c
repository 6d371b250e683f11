// SPDX-License-Identifier: LGPL-2.1
/*
 * io_uring waits with the lock released for exactly the time the thread is
 * blocked.  A completion that is already in the ring is returned without
 * touching the lock: releasing it there would only invite a switch (and,
 * under newgil, a forced one) for no reason.
 */
#include <errno.h>
#include <liburing.h>

#include "kgil_internal.h"

int kgil_uring_wait_cqe_timeout(struct kgil *g, struct io_uring *ring,
				struct io_uring_cqe **cqe,
				struct __kernel_timespec *ts)
{
	int ret, wret;

	if (!ring || !cqe)
		return -EINVAL;
	ret = kgil__check_holding(g);
	if (ret)
		return ret;
	*cqe = NULL;
	if (!io_uring_peek_cqe(ring, cqe) && *cqe)
		return 0;
	ret = kgil_io_begin(g);
	if (ret)
		return ret;
	if (ts)
		wret = io_uring_wait_cqe_timeout(ring, cqe, ts);
	else
		wret = io_uring_wait_cqe(ring, cqe);
	ret = kgil_io_end(g, NULL);
	return ret ? ret : wret;
}

int kgil_uring_wait_cqe(struct kgil *g, struct io_uring *ring,
			struct io_uring_cqe **cqe)
{
	return kgil_uring_wait_cqe_timeout(g, ring, cqe, NULL);
}

int kgil_uring_submit_and_wait(struct kgil *g, struct io_uring *ring,
			       unsigned int wait_nr)
{
	int ret, wret;

	if (!ring)
		return -EINVAL;
	ret = kgil__check_holding(g);
	if (ret)
		return ret;
	/* Nothing to wait for: submitting does not block. */
	if (!wait_nr || io_uring_cq_ready(ring) >= wait_nr)
		return io_uring_submit(ring);
	ret = kgil_io_begin(g);
	if (ret)
		return ret;
	wret = io_uring_submit_and_wait(ring, wait_nr);
	ret = kgil_io_end(g, NULL);
	return ret ? ret : wret;
}
