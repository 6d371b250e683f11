// SPDX-License-Identifier: GPL-2.0
/*
 * `kgil trace record`: trace-cmd does the recording.  It enables the events,
 * streams every CPU's ring buffer to the file with splice while the command
 * runs (so a long GIL battle is not cut at the buffer size) and writes the
 * event formats into trace.dat, which trace-cmd report, KernelShark and our
 * own reader (libtracecmd) all understand.
 *
 * trace-cmd exits 0 whatever its command did, so the command runs under
 * `kgil trace __run STATUSFILE -- COMMAND`, which leaves the status behind.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace/trace_cmd.h"
#include "support/spawn.h"

#define RECORD_FIXED_ARGS 24

static int record_usage(FILE *f)
{
	fprintf(f,
		"usage: kgil trace record [-o FILE] [-b KB] [--no-sched] -- COMMAND [ARG...]\n"
		"  Record the kgil tracepoints (and sched_switch / sched_wakeup)\n"
		"  while COMMAND runs, with trace-cmd, into FILE (default trace.dat).\n"
		"  -b KB       ring buffer per CPU (default 32768)\n"
		"  --no-sched  kgil events only (cheaper, no on-CPU strips)\n"
		"  Exits with COMMAND's status.  Needs root (tracefs).\n");
	return f == stderr ? 2 : 0;
}

/* __run: the command's status goes to a file trace-cmd cannot swallow. */
int kt_cmd_run(int argc, char **argv)
{
	FILE *f;
	int st;

	if (argc < 4 || strcmp(argv[2], "--"))
		return 2;
	st = spawn_wait(argv + 3);
	if (st < 0) {
		fprintf(stderr, "kgil trace: cannot run %s: %s\n", argv[3],
			strerror(-st));
		st = 127;
	}
	f = fopen(argv[1], "w");
	if (f) {
		fprintf(f, "%d\n", st);
		fclose(f);
	}
	return st;
}

static int read_status(const char *path)
{
	FILE *f = fopen(path, "r");
	int st = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &st) != 1)
		st = -1;
	fclose(f);
	return st;
}

int kt_cmd_record(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "no-sched", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = "trace.dat", *kb = "32768";
	char self[PATH_MAX], status[] = "/tmp/kgil-trace-status.XXXXXX";
	char **av;
	bool sched = true;
	int c, n = 0, ret, st, fd;
	ssize_t len;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:b:h", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'b': kb = optarg; break;
		case 'S': sched = false; break;
		case 'h': return record_usage(stdout);
		default: return record_usage(stderr);
		}
	}
	if (optind >= argc)
		return record_usage(stderr);
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		perror("kgil trace record: /proc/self/exe");
		return 1;
	}
	self[len] = '\0';
	fd = mkstemp(status);
	if (fd < 0) {
		perror("kgil trace record: status file");
		return 1;
	}
	close(fd);

	av = calloc((size_t)(argc - optind) + RECORD_FIXED_ARGS, sizeof(*av));
	if (!av)
		return 1;
	av[n++] = "trace-cmd";
	av[n++] = "record";
	av[n++] = "-q";
	/* A global clock: waits and holds are compared across CPUs. */
	av[n++] = "-C";
	av[n++] = "mono";
	av[n++] = "-b";
	av[n++] = (char *)kb;
	av[n++] = "-o";
	av[n++] = (char *)out;
	av[n++] = "-e";
	av[n++] = "kgil";
	if (sched) {
		av[n++] = "-e";
		av[n++] = "sched:sched_switch";
		av[n++] = "-e";
		av[n++] = "sched:sched_wakeup";
	}
	av[n++] = self;
	av[n++] = "trace";
	av[n++] = "__run";
	av[n++] = status;
	av[n++] = "--";
	for (int i = optind; i < argc; i++)
		av[n++] = argv[i];
	av[n] = NULL;

	ret = spawn_wait(av);
	free(av);
	st = read_status(status);
	unlink(status);
	if (ret < 0) {
		fprintf(stderr, "kgil trace record: cannot run trace-cmd: %s "
			"(install trace-cmd)\n", strerror(-ret));
		return 1;
	}
	if (ret) {
		fprintf(stderr, "kgil trace record: trace-cmd failed (status %d)%s\n",
			ret, getuid() ? ": tracing needs root" : "");
		return 1;
	}
	if (st < 0) {
		fprintf(stderr, "kgil trace record: the command did not run\n");
		return 1;
	}
	fprintf(stderr, "kgil trace record: wrote %s (command status %d)\n", out, st);
	return st;
}
