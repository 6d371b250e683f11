// SPDX-License-Identifier: GPL-2.0
/*
 * kmod-holder: a second process on a kgil domain whose descriptor it
 * inherited, for the device tests' owner-death and close cases.
 *
 *   kmod-holder FD READY_FD MODE
 *     hold         attach, acquire, report, then sleep until killed
 *     hold-exit    attach, acquire, report, exit without releasing
 *     attach-exit  attach, report, exit (holding nothing)
 *     hold-exec    attach, acquire, then execve() this program again in
 *                  mode "execd ID", FD still open (not close-on-exec)
 *     hold-exec-cloexec  the same with FD close-on-exec
 *     execd ID     (the new image) report "<tid> ID <ret>", ret being
 *                  STATS of the caller's own thread on FD (it should no
 *                  longer be attached: -ENOENT, or -EBADF when FD was
 *                  closed at exec), then sleep until killed
 *     serve        report (id 0: not attached), then run the commands read
 *                  from standard input, one a line, each answered by one
 *                  line on READY_FD: a peer the test drives (dt_peer_*)
 *
 * "Report" writes one line "<tid> <id>\n" to READY_FD.  Raw ioctls only.
 * Exit status: 0, or 2 for bad usage, 3 when an ioctl fails.
 *
 * serve's commands and their answers (ret is 0 or -errno):
 *   attach                 ret id
 *   detach | release       ret
 *   acquire FLAGS TIMEOUT [DEADLINE]
 *                          ret result timeout_ns t_start t_end (DEADLINE:
 *                          the struct's deadline_ns, default 0)
 *   check FLAGS TIMEOUT [DEADLINE]
 *                          (the same; FLAGS and TIMEOUT default to 0)
 *   checks N               CHECK (flags 0) up to N times back to back,
 *                          until one fails or reports SWITCHED: the last
 *                          one's answer as above, and how many ran
 *                          (timeout_ns as the kernel left it in the
 *                          struct, the times CLOCK_MONOTONIC ns around
 *                          the ioctl: the test's clock too)
 *   stats                  ret nr_threads holder_id owner_deaths
 *   tstats ID              ret interrupts acquisitions
 *   exit                   (no answer)
 * An unknown command answers "-22".  The test sends the next command only
 * after the answer to the last, so a blocking ACQUIRE is one the test can
 * act on (signal, stop, close) while it waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/kgil.h>

#include "clock.h"
#include "raw.h"

static void report_line(int ready_fd, const char *line)
{
	ssize_t n = (ssize_t)strlen(line);

	if (write(ready_fd, line, (size_t)n) != n)
		exit(3);
}

static void report(int ready_fd, unsigned int id)
{
	char line[64];

	snprintf(line, sizeof(line), "%d %u\n", (int)gettid(), id);
	report_line(ready_fd, line);
}

/*
 * Run this program again, holding the lock, in mode "execd ID": the new
 * image knows nothing of the domain.  argv[0] is the path the test
 * spawned us by.
 */
static int hold_exec(char **argv, int fd, unsigned int id, bool cloexec)
{
	char mode[32];
	char *args[] = { argv[0], argv[1], argv[2], mode, NULL };

	snprintf(mode, sizeof(mode), "execd %u", id);
	if (cloexec && fcntl(fd, F_SETFD, FD_CLOEXEC))
		return 3;
	execv("/proc/self/exe", args);
	fprintf(stderr, "kmod-holder: execv: %s\n", strerror(errno));
	return 3;
}

/* The image hold_exec() started: is its thread still attached? */
static _Noreturn void execd(int fd, int ready_fd, unsigned int id)
{
	struct kgil_stats st = { .scope = KGIL_STATS_THREAD };
	char line[64];

	alarm(300);
	snprintf(line, sizeof(line), "%d %u %d\n", (int)gettid(), id,
		 raw_ioctl(fd, KGIL_IOC_STATS, &st));
	report_line(ready_fd, line);
	close(ready_fd);
	for (;;)
		pause();
}

/* One command of serve mode; its answer, without the newline, in out. */
static int serve_one(int fd, const char *line, char *out, size_t len)
{
	unsigned long long a1 = 0, a2 = 0, a3 = 0;
	char cmd[16] = "";
	int ret;

	if (sscanf(line, "%15s %llu %llu %llu", cmd, &a1, &a2, &a3) < 1)
		return snprintf(out, len, "%d", -EINVAL);
	if (!strcmp(cmd, "attach")) {
		struct kgil_attach at = { 0 };

		ret = raw_ioctl(fd, KGIL_IOC_ATTACH, &at);
		return snprintf(out, len, "%d %u", ret, at.id);
	}
	if (!strcmp(cmd, "detach") || !strcmp(cmd, "release"))
		return snprintf(out, len, "%d", raw_ioctl(fd, cmd[0] == 'd' ?
				KGIL_IOC_DETACH : KGIL_IOC_RELEASE, NULL));
	if (!strcmp(cmd, "acquire") || !strcmp(cmd, "check") ||
	    !strcmp(cmd, "checks")) {
		bool loop = !strcmp(cmd, "checks");
		unsigned long long i = 0, n = loop ? a1 : 1;
		struct kgil_acquire aq;
		uint64_t t0;

		/* A loop stays in the module's hands: no round trip through
		 * the test lets a waiter's wake-up always come too late. */
		do {
			memset(&aq, 0, sizeof(aq));
			aq.flags = loop ? 0 : (uint32_t)a1;
			aq.timeout_ns = loop ? 0 : a2;
			aq.deadline_ns = loop ? 0 : a3;
			t0 = now_ns();
			ret = raw_ioctl(fd, cmd[0] == 'a' ? KGIL_IOC_ACQUIRE :
				     KGIL_IOC_CHECK, &aq);
		} while (++i < n && !ret &&
			 !(aq.result & KGIL_ACQUIRED_SWITCHED));
		return snprintf(out, len, "%d %u %llu %" PRIu64 " %" PRIu64
				" %llu", ret, aq.result,
				(unsigned long long)aq.timeout_ns, t0, now_ns(),
				i);
	}
	if (!strcmp(cmd, "stats") || !strcmp(cmd, "tstats")) {
		struct kgil_stats st = {
			.scope = cmd[0] == 's' ? KGIL_STATS_DOMAIN :
						 KGIL_STATS_THREAD,
			.id = (uint32_t)a1,
		};

		ret = raw_ioctl(fd, KGIL_IOC_STATS, &st);
		if (cmd[0] == 's')
			return snprintf(out, len, "%d %u %u %llu", ret,
					st.nr_threads, st.holder_id,
					(unsigned long long)st.c.owner_deaths);
		return snprintf(out, len, "%d %llu %llu", ret,
				(unsigned long long)st.c.interrupts,
				(unsigned long long)st.c.acquisitions);
	}
	if (!strcmp(cmd, "exit"))
		exit(0);
	return snprintf(out, len, "%d", -EINVAL);
}

static int serve(int fd, int ready_fd)
{
	char line[128], out[160];

	/* Never outlive a test that lost track of us for long. */
	alarm(300);
	report(ready_fd, 0);
	while (fgets(line, sizeof(line), stdin)) {
		int n = serve_one(fd, line, out, sizeof(out) - 1);

		out[n++] = '\n';
		if (write(ready_fd, out, (size_t)n) != n)
			return 3;
	}
	return 0;	/* the test closed its end */
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
	if (!strcmp(mode, "serve"))
		return serve(fd, ready_fd);
	if (!strncmp(mode, "execd ", 6))
		execd(fd, ready_fd, (unsigned int)atoi(mode + 6));
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
	if (!strncmp(mode, "hold-exec", 9))
		return hold_exec(argv, fd, at.id,
				 !strcmp(mode, "hold-exec-cloexec"));
	report(ready_fd, at.id);
	close(ready_fd);
	if (!strcmp(mode, "hold-exit"))
		return 0;
	if (strcmp(mode, "hold"))
		return 2;
	for (;;)
		pause();
}
