/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KGIL_TOOLS_URING_ONE_H
#define KGIL_TOOLS_URING_ONE_H

#include <stdbool.h>

struct kgil;
struct io_uring;

/*
 * Submit the one prepared SQE, wait for its completion with the lock
 * released (kgil_uring_submit_and_wait), reap it: cqe->res or -errno.
 * With uring_one_acquire(true) (--uring-acquire), the SQE is hard-linked
 * to KGIL_URING_CMD_ACQUIRE and one io_uring_enter() waits for the I/O
 * and the lock (kgil_uring_io_acquire).
 */
int uring_one(struct kgil *g, struct io_uring *ring);
void uring_one_acquire(bool on);

#endif
