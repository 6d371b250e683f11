// SPDX-License-Identifier: GPL-2.0
/*
 * py-cpu: Beazley's countdown on real Python (user/python/countdown.py):
 * N threads against the same counts in a row, and (--processes) against
 * N processes, each with its own interpreter and GIL.  The figures are
 * cpu's: ratio is threaded over sequential time.
 */
#include <errno.h>
#include <stdio.h>

#include "bench/bench.h"
#include "bench/bench_py.h"
#include "support/progress.h"
#include "support/result.h"

#define PY_CPU_DEFAULT_THREADS 2
#define PY_CPU_DEFAULT_DURATION_S 1.0

int bench_py_cpu(const struct bench_opts *o, struct res *out)
{
	int n = o->threads ? o->threads : PY_CPU_DEFAULT_THREADS;
	double dur = o->duration_s ? o->duration_s : PY_CPU_DEFAULT_DURATION_S;
	char threads[16], count[32], seconds[32];
	char *args[] = { "--threads", threads, "--count", count, "--seconds", seconds,
			 o->cpu.processes ? "--processes" : NULL, NULL };
	double c, seq, thr, proc;
	struct py_out r;
	int ret = py_describe(o, out);

	if (ret < 0)
		return ret;
	snprintf(threads, sizeof(threads), "%d", n);
	snprintf(count, sizeof(count), "%llu", (unsigned long long)o->work);
	snprintf(seconds, sizeof(seconds), "%g", dur);
	progress(false, "py-cpu: %d threads, countdown", n);
	ret = py_run(o, "countdown.py", args, &r);
	if (ret < 0)
		return ret;
	if (py_get(&r, "count", -1, &c) || py_get(&r, "seq_s", -1, &seq) ||
	    py_get(&r, "thr_s", -1, &thr))
		return -EPROTO;
	res_int(out, "threads", n);
	res_int(out, "count_per_thread", (int64_t)c);
	res_num(out, "sequential_s", seq);
	res_num(out, "threaded_s", thr);
	res_num(out, "ratio", thr / seq);
	/* The whole script's: the sequential part hands nothing over. */
	py_put_stats(out, "", &r);
	if (o->cpu.processes) {
		if (py_get(&r, "proc_s", -1, &proc))
			return -EPROTO;
		res_num(out, "processes_s", proc);
		res_num(out, "processes_speedup", seq / proc);
	}
	return 0;
}
