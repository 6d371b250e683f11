/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The py-* scenarios run real Python: the interpreter `make python`
 * builds (CPython 3.11 with its GIL routed to kgil: docs/python.md) and
 * the workload scripts in user/python/.  Its GIL is kgil's when the
 * environment names a backend and policy; --backend stock runs the same
 * binary with none of kgil's variables, that is, CPython's own GIL.
 */
#ifndef KGIL_TOOLS_BENCH_PY_H
#define KGIL_TOOLS_BENCH_PY_H

#include <stdbool.h>
#include <sys/types.h>

struct bench_opts;
struct res;

/* The lock's counters the interpreter wrote at exit (KGIL_PY_STATS). */
#define PY_NSTATS 6
extern const char *const py_stat_keys[PY_NSTATS];

/* What a script printed: "key value" or "key arg value" lines. */
#define PY_MAX_LINES 64
struct py_out {
	int n;
	struct {
		char key[24];
		long long arg;		/* -1 without one */
		double value;
	} line[PY_MAX_LINES];
	bool have_stats;	/* the interpreter's own process's counters */
	double stat[PY_NSTATS];
};

struct py_proc {
	pid_t pid;
	int out_fd;		/* the script's stdout */
	char stats[64];		/* its KGIL_PY_STATS file, "" on stock */
};

/*
 * Start `python user/python/SCRIPT ARGS...` with the GIL the options ask
 * for; pass_fd >= 0 becomes the script's fd 3.  Prints what failed.
 */
int py_start(const struct bench_opts *o, const char *script, char *const args[],
	     int pass_fd, struct py_proc *p);
/* Read its output to the end and reap it; a failed script is -ECHILD. */
int py_finish(struct py_proc *p, struct py_out *out);
/* py_start + py_finish. */
int py_run(const struct bench_opts *o, const char *script, char *const args[],
	   struct py_out *out);
/* A value it printed, by key (and argument, or -1); -ENOENT if absent. */
int py_get(const struct py_out *out, const char *key, long long arg, double *v);
/* PREFIXhandoffs ... from the counters, or nulls (stock). */
void py_put_stats(struct res *out, const char *prefix, const struct py_out *r);
/* The first keys: backend ("stock" or kgil's) and the policy's fields. */
int py_describe(const struct bench_opts *o, struct res *out);

#endif
