// SPDX-License-Identifier: GPL-2.0
/*
 * The recording runs as child processes, the way a user would type it,
 * so it exercises the same path as docs/tracing.md, and a tracing
 * failure cannot take the reproduce run with it: the picture is then
 * listed as not drawn, with the reason.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reproduce/report.h"
#include "reproduce/reproduce_trace.h"
#include "support/spawn.h"

int reproduce_trace(const char *dir, const char *policy, double tick_ns, char *why,
		    size_t len)
{
	char self[PATH_MAX], dat[PATH_MAX], log[PATH_MAX], name[64], tick[32];
	/* Long enough for a few newgil slices; the battle needs far less. */
	char *duration = strcmp(policy, "legacy") ? "100ms" : "50ms";
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int ret;

	if (n <= 0) {
		snprintf(why, len, "cannot find the kgil binary (/proc/self/exe)");
		return -1;
	}
	self[n] = '\0';
	snprintf(name, sizeof(name), REPORT_TRACE_FMT, policy);
	snprintf(dat, sizeof(dat), "%s/%s", dir, name);
	snprintf(log, sizeof(log), "%s/trace-%s.log", dir, policy);
	snprintf(tick, sizeof(tick), "%.0f", tick_ns);
	unlink(dat);
	{
		char *argv[] = {
			self, "trace", "record", "-o", dat, "--",
			self, "bench", "cpu", "--backend", "kernel", "--policy", (char *)policy,
			"--threads", "2", "--duration", duration, "--tick-ns", tick,
			"--quiet", "--no-syscall-count", NULL,
		};

		ret = spawn_wait_log(argv, log);
	}
	if (ret < 0) {
		snprintf(why, len, "cannot run %s: %s", self, strerror(-ret));
		return -1;
	}
	if (ret || access(dat, R_OK)) {
		snprintf(why, len, "kgil trace record failed (status %d): see %s", ret, log);
		return -1;
	}
	return 0;
}
