/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KGIL_TOOLS_URING_ONE_H
#define KGIL_TOOLS_URING_ONE_H

struct kgil;
struct io_uring;

/*
 * Submit the one prepared SQE, wait for its completion with the lock
 * released (kgil_uring_submit_and_wait), reap it: cqe->res or -errno.
 */
int uring_one(struct kgil *g, struct io_uring *ring);

#endif
