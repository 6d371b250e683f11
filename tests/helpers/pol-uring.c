// SPDX-License-Identifier: GPL-2.0
/*
 * pol-uring: a second process with an io_uring acquire pending on a kgil
 * domain whose descriptor it inherited, for the device tests of a
 * process that dies (or tears its ring down) with the request queued.
 * Same calling convention as kmod-holder (dt_spawn_helper()):
 *
 *   pol-uring FD READY_FD MODE
 *     pending       attach, submit KGIL_URING_CMD_ACQUIRE, report, then
 *                   sleep until killed (the test holds the lock)
 *     pending-exit  the same, then exit at once: ring teardown and thread
 *                   exit with the request queued
 *     pending-exec  the same, then execve("/bin/true"), which waits for
 *                   the task's io_uring requests
 *
 * "Report" writes "<tid> <id>\n" to READY_FD.  Exit status: 0, 2 for bad
 * usage, 3 when a call fails.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kgil.h>

int main(int argc, char **argv)
{
	struct kgil_attach at = { 0 };
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	char line[64];
	int fd, ready_fd, n, ret;

	if (argc != 4 || strncmp(argv[3], "pending", 7))
		return 2;
	fd = atoi(argv[1]);
	ready_fd = atoi(argv[2]);
	if (ioctl(fd, KGIL_IOC_ATTACH, &at)) {
		fprintf(stderr, "pol-uring: attach: %s\n", strerror(errno));
		return 3;
	}
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret < 0) {
		fprintf(stderr, "pol-uring: io_uring: %s\n", strerror(-ret));
		return 3;
	}
	sqe = io_uring_get_sqe(&ring);
	if (!sqe)
		return 3;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = KGIL_URING_CMD_ACQUIRE;
	if (io_uring_submit(&ring) != 1)
		return 3;
	n = snprintf(line, sizeof(line), "%d %u\n", (int)gettid(), at.id);
	if (write(ready_fd, line, (size_t)n) != n)
		return 3;
	close(ready_fd);
	if (!strcmp(argv[3], "pending-exit"))
		return 0;
	if (!strcmp(argv[3], "pending-exec")) {
		execl("/bin/true", "true", (char *)NULL);
		return 3;
	}
	for (;;)
		pause();
}
