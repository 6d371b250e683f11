// SPDX-License-Identifier: GPL-2.0
/*
 * cpu: Beazley's count(n) experiment.  N threads each run W instructions
 * under the lock, against one thread running the N*W instructions in a
 * row, and (--processes) against N processes with a domain each, like
 * multiprocessing.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "support/clock.h"
#include "bench/crew.h"
#include "bench/bench_domain.h"
#include "bench/interp.h"
#include "bench/phase.h"
#include "support/progress.h"
#include "support/result.h"

#define CPU_DEFAULT_THREADS 2
#define CPU_DEFAULT_DURATION_S 1.0

struct cpu_job {
	struct kgil *g;
	uint64_t ticks;		/* per count() call */
	int calls;		/* count() calls per thread */
	atomic_uint_fast64_t done;
};

static int cpu_worker(struct crew_member *m)
{
	struct cpu_job *j = m->arg;
	uint64_t done = 0;
	int err = 0, ret = domain_join(j->g, m);

	if (ret < 0)
		return ret;
	for (int c = 0; c < j->calls && !crew_stopped(m); c++)
		done += interp_run(j->ticks, &m->crew->stop, &err);
	crew_finish(m);
	atomic_fetch_add(&j->done, done);
	domain_leave(j->g, true);
	if (err < 0)
		fprintf(stderr, "kgil: check failed: %s\n", strerror(-err));
	return err;
}

/* One timed phase; a phase cut short by --cap is extrapolated. */
static int cpu_phase(const struct bench_opts *o, int nthreads, int calls,
		     uint64_t ticks, struct phase *p)
{
	struct cpu_job j = { .ticks = ticks, .calls = calls };
	uint64_t total = (uint64_t)nthreads * calls * ticks, done;
	int ret = phase_run(o, nthreads, cpu_worker, &j, &j.g, o->cap_s, p);

	if (ret < 0 || !p->capped)
		return ret;
	done = atomic_load(&j.done);
	p->wall_s = done ? p->wall_s * (double)total / done : NAN;
	return 0;
}

/* The work in n processes, each with its own domain (own interpreter). */
static int process_phase(const struct bench_opts *o, int n, uint64_t ticks, double *wall_s)
{
	int go[2], ready[2], ret = 0, started = 0;
	pid_t *pids = calloc(n, sizeof(*pids));
	double t0;
	char c;

	if (!pids || pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		free(pids);
		return -errno;
	}
	fflush(NULL);
	for (; started < n; started++) {
		pid_t pid = fork();

		if (pid < 0) {
			ret = -errno;
			break;
		}
		if (pid == 0) {
			struct kgil *g;
			int err = 0;

			close(go[1]);
			close(ready[0]);
			if (domain_open(o, &g) < 0 || domain_enter(g) < 0)
				_exit(1);
			/* Tell the parent we are set up, then wait for all. */
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) < 0)
				_exit(1);
			interp_run(ticks, NULL, &err);
			domain_leave(g, true);
			kgil_close(g);
			_exit(err ? 1 : 0);
		}
		pids[started] = pid;
	}
	close(go[0]);
	close(ready[1]);
	for (int i = 0; i < started; i++)
		if (read(ready[0], &c, 1) != 1)
			ret = ret ? ret : -EIO;
	t0 = now_s();
	close(go[1]);		/* EOF wakes every child at once */
	for (int i = 0; i < started; i++) {
		int st;

		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			ret = ret ? ret : -ECHILD;
	}
	*wall_s = now_s() - t0;
	close(ready[0]);
	free(pids);
	return ret;
}

int bench_cpu(const struct bench_opts *o, struct res *out)
{
	int n = o->threads ? o->threads : CPU_DEFAULT_THREADS;
	double dur = o->duration_s ? o->duration_s : CPU_DEFAULT_DURATION_S;
	uint64_t ticks = o->work ? o->work : (uint64_t)(dur * 1e9 / (n * o->tick_ns));
	struct phase seq, thr;
	int ret;

	if (!ticks)
		ticks = 1;
	ret = domain_describe(o, out);
	if (ret < 0)
		return ret;
	res_int(out, "threads", n);
	res_int(out, "ticks_per_thread", (int64_t)ticks);

	progress(false, "cpu: sequential, %d x %llu ticks", n, (unsigned long long)ticks);
	ret = cpu_phase(o, 1, n, ticks, &seq);
	if (ret < 0)
		return ret;
	progress(false, "cpu: %d threads (sequential took %.2fs)", n, seq.wall_s);
	ret = cpu_phase(o, n, 1, ticks, &thr);
	if (ret < 0)
		return ret;

	res_num(out, "sequential_s", seq.wall_s);
	/*
	 * The sequential phase against its calibrated cost: the lock's ticks
	 * add a little, a busy machine (another VM, a build) adds the rest.
	 */
	res_num(out, "sequential_slowdown",
		seq.wall_s / (n * ticks * work_measured_tick_ns() / 1e9));
	res_num(out, "threaded_s", thr.wall_s);
	res_num(out, "ratio", thr.wall_s / seq.wall_s);
	res_bool(out, "capped", seq.capped || thr.capped);
	phase_cost_put(out, "", &thr.cost);
	res_str(out, "syscalls_source", thr.syscall_source);
	if (thr.cost.have_counters && thr.cost.c.handoffs)
		res_num(out, "mean_switch_interval_us",
			thr.wall_s * 1e6 / (double)thr.cost.c.handoffs);
	else
		res_null(out, "mean_switch_interval_us");
	phase_cost_put(out, "sequential_", &seq.cost);

	if (o->cpu.processes) {
		double proc_s = 0;

		progress(false, "cpu: %d processes", n);
		ret = process_phase(o, n, ticks, &proc_s);
		if (ret < 0) {
			fprintf(stderr, "kgil: cpu: processes: %s\n", strerror(-ret));
			return ret;
		}
		res_num(out, "processes_s", proc_s);
		res_num(out, "processes_speedup", seq.wall_s / proc_s);
	}
	return 0;
}
