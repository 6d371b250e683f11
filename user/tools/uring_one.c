// SPDX-License-Identifier: GPL-2.0
#include <liburing.h>

#include "kgil.h"
#include "uring_one.h"

int uring_one(struct kgil *g, struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int ret = kgil_uring_submit_and_wait(g, ring, 1);

	if (ret < 0)
		return ret;
	ret = io_uring_peek_cqe(ring, &cqe);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}
