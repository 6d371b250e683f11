// SPDX-License-Identifier: LGPL-2.1
/*
 * Acquiring the lock through io_uring (kernel backend): the module's
 * KGIL_URING_CMD_ACQUIRE, an IORING_OP_URING_CMD on the domain's
 * descriptor.  liburing 2.3 has no io_uring_prep_uring_cmd(), so the SQE
 * is filled by hand: opcode, fd, cmd_op and a zeroed command area.
 *
 * kgil_uring_io_acquire() hard-links it behind the caller's I/O request
 * (IOSQE_IO_HARDLINK: the acquire is issued once the I/O has completed,
 * whatever its result), so one io_uring_enter() waits for the I/O and
 * then for the lock, with no IO_END.
 *
 * Both are submitted while the thread still holds the lock.  An I/O that
 * completes inline (a send with buffer space, a recv with data waiting)
 * then issues the acquire while the thread holds the lock: it completes
 * with -EDEADLK, and the lock was never released, so no other thread was
 * handed it only to be asked for it back at once.  Otherwise the thread
 * releases (IO_BEGIN) and waits for both completions in one call; if the
 * I/O completed between the submission and IO_BEGIN, the acquire saw the
 * lock still held (-EDEADLK) and IO_END takes it back.
 */
#include <errno.h>
#include <liburing.h>
#include <string.h>

#include "libkgil.h"

/* The acquire's user_data, to tell its CQE from the I/O's. */
#define KGIL_URING_ACQUIRE_TAG 0x6b67696c61637121ULL	/* "kgilacq!" */

int kgil_uring_prep_acquire(struct io_uring_sqe *sqe, struct kgil *g)
{
	if (!sqe || !g)
		return -EINVAL;
	if (g->backend != KGIL_BACKEND_KERNEL)
		return -EOPNOTSUPP;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = kgil__kernel_fd(g);
	sqe->cmd_op = KGIL_URING_CMD_ACQUIRE;
	return 0;
}

/* Reap the two CQEs of the link: the I/O's result and the acquire's. */
static int reap_pair(struct io_uring *ring, int *io_res, int *acq_res)
{
	struct io_uring_cqe *cqe;

	for (int got = 0; got < 2; got++) {
		int ret;

		do
			ret = io_uring_wait_cqe(ring, &cqe);
		while (ret == -EINTR);
		if (ret < 0)
			return ret;
		if (cqe->user_data == KGIL_URING_ACQUIRE_TAG)
			*acq_res = cqe->res;
		else
			*io_res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	return 0;
}

int kgil_uring_io_acquire(struct kgil *g, struct io_uring *ring,
			  struct io_uring_sqe *io_sqe, int *io_res,
			  struct kgil_acquire_info *info)
{
	struct io_uring_sqe *sqe;
	int ret, acq = -ECANCELED;

	if (!ring || !io_sqe || !io_res)
		return -EINVAL;
	ret = kgil__check_holding(g);
	if (ret)
		return ret;
	if (g->backend != KGIL_BACKEND_KERNEL)
		return -EOPNOTSUPP;
	if (info)
		memset(info, 0, sizeof(*info));
	sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	kgil_uring_prep_acquire(sqe, g);
	sqe->user_data = KGIL_URING_ACQUIRE_TAG;
	io_sqe->flags |= IOSQE_IO_HARDLINK;
	*io_res = -ECANCELED;
	ret = io_uring_submit(ring);
	if (ret < 0)
		return ret;		/* nothing released */
	if (io_uring_cq_ready(ring) >= 2)
		return reap_pair(ring, io_res, &acq);	/* inline: still held */
	ret = kgil_io_begin(g);
	if (ret) {
		reap_pair(ring, io_res, &acq);
		return ret;
	}
	ret = reap_pair(ring, io_res, &acq);
	if (acq >= 0) {
		kgil__tick_on_acquired(g);
		if (info)
			info->owner_dead = acq & KGIL_ACQUIRED_OWNER_DEAD;
		return 0;
	}
	/* Detached or closed meanwhile: there is nothing to take back. */
	if (acq == -EBADF)
		return acq;
	/* Raced with IO_BEGIN (-EDEADLK), refused, or lost: the usual way. */
	return kgil_io_end(g, info);
}
