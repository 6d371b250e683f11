// SPDX-License-Identifier: GPL-2.0
/*
 * kmod-holder: a second process on a kgil domain whose descriptor it
 * inherited, for the device tests' owner-death and close cases.
 *
 *   kmod-holder FD READY_FD MODE
 *     hold         attach, acquire, report, then sleep until killed
 *     hold-exit    attach, acquire, report, exit without releasing
 *     attach-exit  attach, report, exit (holding nothing)
 *
 * "Report" writes one line "<tid> <id>\n" to READY_FD.  Raw ioctls only.
 * Exit status: 0, or 2 for bad usage, 3 when an ioctl fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kgil.h>

static void report(int ready_fd, unsigned int id)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%d %u\n", (int)gettid(), id);

	if (write(ready_fd, line, (size_t)n) != n)
		exit(3);
	close(ready_fd);
}

int main(int argc, char **argv)
{
	struct kgil_attach at = { 0 };
	struct kgil_acquire aq = { 0 };
	int fd, ready_fd;
	const char *mode;

	if (argc != 4)
		return 2;
	fd = atoi(argv[1]);
	ready_fd = atoi(argv[2]);
	mode = argv[3];
	if (ioctl(fd, KGIL_IOC_ATTACH, &at)) {
		fprintf(stderr, "kmod-holder: attach: %s\n", strerror(errno));
		return 3;
	}
	if (!strcmp(mode, "attach-exit")) {
		report(ready_fd, at.id);
		return 0;
	}
	if (ioctl(fd, KGIL_IOC_ACQUIRE, &aq)) {
		fprintf(stderr, "kmod-holder: acquire: %s\n", strerror(errno));
		return 3;
	}
	report(ready_fd, at.id);
	if (!strcmp(mode, "hold-exit"))
		return 0;
	if (strcmp(mode, "hold"))
		return 2;
	for (;;)
		pause();
}
