// SPDX-License-Identifier: GPL-2.0
#include <liburing.h>

#include "kgil.h"
#include "bench/uring_one.h"

static bool with_acquire;

void uring_one_acquire(bool on)
{
	with_acquire = on;
}

/* The SQE the caller prepared last, linked to the acquire. */
static int uring_one_acquired(struct kgil *g, struct io_uring *ring)
{
	struct io_uring_sqe *sqe =
		&ring->sq.sqes[(ring->sq.sqe_tail - 1) & ring->sq.ring_mask];
	int res, ret = kgil_uring_io_acquire(g, ring, sqe, &res, NULL);

	return ret < 0 ? ret : res;
}

int uring_one(struct kgil *g, struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int ret;

	if (with_acquire)
		return uring_one_acquired(g, ring);
	ret = kgil_uring_submit_and_wait(g, ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_peek_cqe(ring, &cqe);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}
