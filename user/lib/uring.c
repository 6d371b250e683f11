// SPDX-License-Identifier: LGPL-2.1
/*
 * io_uring waits with the lock released for exactly the time the thread is
 * blocked.  A completion that is already in the ring is returned without
 * touching the lock: releasing it there would only invite a switch (and,
 * under newgil, a forced one) for no reason.
 */
#include <errno.h>
#include <liburing.h>

#include "libkgil.h"

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

/*
 * Submitting does not block, and many requests complete inline while
 * being submitted (a send with buffer space, a recv with data waiting):
 * submit holding the lock, release it only if the completions are not
 * there yet.  Releasing around an I/O that did not block hands the lock
 * to a waiting thread only to take it back at once (Beazley's bpo-7946
 * observation): two switches for nothing.
 */
int kgil_uring_submit_and_wait(struct kgil *g, struct io_uring *ring,
			       unsigned int wait_nr)
{
	struct io_uring_cqe *cqe;
	int ret, sret, wret;

	if (!ring)
		return -EINVAL;
	ret = kgil__check_holding(g);
	if (ret)
		return ret;
	sret = io_uring_submit(ring);
	if (sret < 0 || !wait_nr || io_uring_cq_ready(ring) >= wait_nr)
		return sret;
	ret = kgil_io_begin(g);
	if (ret)
		return ret;
	wret = io_uring_wait_cqe_nr(ring, &cqe, wait_nr);
	ret = kgil_io_end(g, NULL);
	return ret ? ret : wret < 0 ? wret : sret;
}
