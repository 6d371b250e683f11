// SPDX-License-Identifier: GPL-2.0
/*
 * py-cpu: Beazley's countdown on real Python (user/python/countdown.py):
 * N threads against the same counts in a row, and (--processes) against
 * N processes, each with its own interpreter and GIL.  The figures are
 * cpu's: ratio is threaded over sequential time.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "bench/bench.h"
#include "bench/bench_py.h"
#include "support/progress.h"
#include "support/result.h"

#define PY_CPU_DEFAULT_THREADS 2
#define PY_CPU_DEFAULT_DURATION_S 1.0

/* The figures of one run of countdown.py: the count, then seq, thr, proc. */
struct py_cpu_run {
	double count, seq, thr, proc;
	struct py_out r;
};

/* countdown.py with o's GIL; count 0: calibrated to dur. */
static int py_cpu_once(const struct bench_opts *o, int n, double count, double dur,
		       struct py_cpu_run *run)
{
	char threads[16], cnt[32], seconds[32];
	char *args[] = { "--threads", threads, "--count", cnt, "--seconds", seconds,
			 o->cpu.processes ? "--processes" : NULL, NULL };
	int ret;

	snprintf(threads, sizeof(threads), "%d", n);
	snprintf(cnt, sizeof(cnt), "%.0f", count);
	snprintf(seconds, sizeof(seconds), "%g", dur);
	ret = py_run(o, "countdown.py", args, &run->r);
	if (ret < 0)
		return ret;
	run->proc = 0;
	if (py_get(&run->r, "count", -1, &run->count) || py_get(&run->r, "seq_s", -1, &run->seq) ||
	    py_get(&run->r, "thr_s", -1, &run->thr) ||
	    (o->cpu.processes && py_get(&run->r, "proc_s", -1, &run->proc)))
		return -EPROTO;
	return 0;
}

/*
 * Under a kgil backend the same count also runs on CPython's own GIL (the
 * same binary without kgil's variables), right before or after (in turn,
 * run by run): ratio_vs_stock and sequential_vs_stock compare the two side
 * by side, which separate runs cannot on a host whose speed drifts.
 */
int bench_py_cpu(const struct bench_opts *o, struct res *out)
{
	static unsigned int turn;
	int n = o->threads ? o->threads : PY_CPU_DEFAULT_THREADS;
	double dur = o->duration_s ? o->duration_s : PY_CPU_DEFAULT_DURATION_S;
	struct bench_opts so = *o;
	struct py_cpu_run k, st;
	bool stock_first = turn++ & 1;
	int ret = py_describe(o, out);

	if (ret < 0)
		return ret;
	so.stock = true;
	progress(false, "py-cpu: %d threads, countdown", n);
	if (!o->stock && stock_first) {
		ret = py_cpu_once(&so, n, (double)o->work, dur, &st);
		if (ret == 0)
			ret = py_cpu_once(o, n, st.count, dur, &k);
	} else {
		ret = py_cpu_once(o, n, (double)o->work, dur, &k);
		if (ret == 0 && !o->stock)
			ret = py_cpu_once(&so, n, k.count, dur, &st);
	}
	if (ret < 0)
		return ret;
	res_int(out, "threads", n);
	res_int(out, "count_per_thread", (int64_t)k.count);
	res_num(out, "sequential_s", k.seq);
	res_num(out, "threaded_s", k.thr);
	res_num(out, "ratio", k.thr / k.seq);
	/* The whole script's: the sequential part hands nothing over. */
	py_put_stats(out, "", &k.r);
	if (o->cpu.processes) {
		res_num(out, "processes_s", k.proc);
		res_num(out, "processes_speedup", k.seq / k.proc);
	}
	if (o->stock)
		return 0;
	res_num(out, "stock_sequential_s", st.seq);
	res_num(out, "stock_threaded_s", st.thr);
	res_num(out, "stock_ratio", st.thr / st.seq);
	res_num(out, "ratio_vs_stock", (k.thr / k.seq) / (st.thr / st.seq));
	res_num(out, "sequential_vs_stock", k.seq / st.seq);
	res_num(out, "threaded_vs_stock", k.thr / st.thr);
	if (o->cpu.processes)
		res_num(out, "stock_processes_speedup", st.seq / st.proc);
	return 0;
}
