// SPDX-License-Identifier: GPL-2.0
/*
 * cext: Beazley's churn() experiment (2009, slides 102-104).  Each call
 * runs a few interpreter instructions, then a "C extension" releases the
 * lock around work_ns of GIL-free work (Py_BEGIN/END_ALLOW_THREADS) and
 * takes it back.  Two threads against the same calls in one thread, for
 * each size: the speedup grows with the work done per released call.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/bench_domain.h"
#include "bench/interp.h"
#include "bench/phase.h"
#include "support/progress.h"
#include "support/result.h"

#define CEXT_DEFAULT_THREADS 2
/* Per call: `churn(n)` and `count -= 1` and the while test. */
#define CEXT_TICKS_PER_CALL 8
#define CEXT_DEFAULT_DURATION_S 0.25

static const uint64_t default_sizes[] = { 0, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000 };

struct cext_job {
	struct kgil *g;
	uint64_t calls;
	uint64_t work_ns;
};

static int cext_worker(struct crew_member *m)
{
	struct cext_job *j = m->arg;
	int err = 0, ret = domain_join(j->g, m);

	if (ret < 0)
		return ret;
	for (uint64_t c = 0; c < j->calls && !err; c++) {
		interp_run(CEXT_TICKS_PER_CALL, NULL, &err);
		ret = kgil_release(j->g);
		if (ret < 0) {
			err = ret;
			break;
		}
		work_ns(j->work_ns);
		ret = kgil_acquire(j->g, NULL);
		if (ret < 0) {
			/* Not holding: nothing to release on the way out. */
			crew_finish(m);
			kgil_detach(j->g);
			fprintf(stderr, "kgil: cext: acquire: %s\n", strerror(-ret));
			return ret;
		}
		if (!(c & 255) && crew_stopped(m))
			break;
	}
	crew_finish(m);
	domain_leave(j->g, true);
	return err;
}

/*
 * Calls per thread for about dur seconds of sequential work.  A call's
 * cost is mostly the release and the acquire, which nothing predicts (a
 * few hundred ns on hardware, tens of us under TCG): time a pilot.
 */
static int cext_calls(const struct bench_opts *o, int n, struct cext_job *j,
		      double dur, uint64_t *calls)
{
	struct phase pilot;
	int ret;

	for (j->calls = 64;; j->calls *= 8) {
		ret = phase_run(o, 1, cext_worker, j, &j->g, 0, &pilot);
		if (ret < 0)
			return ret;
		if (pilot.wall_s >= dur / 20 || j->calls >= (1ULL << 30))
			break;
	}
	*calls = (uint64_t)(dur / (n * pilot.wall_s / j->calls));
	if (!*calls)
		*calls = 1;
	return 0;
}

static int cext_point(const struct bench_opts *o, int n, uint64_t work_ns,
		      struct res *pt)
{
	double dur = o->duration_s ? o->duration_s : CEXT_DEFAULT_DURATION_S;
	struct cext_job j = { .work_ns = work_ns };
	struct phase seq, thr;
	uint64_t calls = o->work;
	int ret = calls ? 0 : cext_calls(o, n, &j, dur, &calls);

	if (ret < 0)
		return ret;
	j.calls = calls * n;
	ret = phase_run(o, 1, cext_worker, &j, &j.g, 0, &seq);
	if (ret < 0)
		return ret;
	j.calls = calls;
	ret = phase_run(o, n, cext_worker, &j, &j.g, 0, &thr);
	if (ret < 0)
		return ret;
	res_int(pt, "work_ns", (int64_t)work_ns);
	res_int(pt, "calls_per_thread", (int64_t)calls);
	res_num(pt, "sequential_s", seq.wall_s);
	res_num(pt, "threaded_s", thr.wall_s);
	res_num(pt, "speedup", seq.wall_s / thr.wall_s);
	res_int(pt, "handoffs", thr.cost.have_counters ? (int64_t)thr.cost.c.handoffs : -1);
	return 0;
}

int bench_cext(const struct bench_opts *o, struct res *out)
{
	int n = o->threads ? o->threads : CEXT_DEFAULT_THREADS;
	const uint64_t *sizes = o->cext.nwork_ns ? o->cext.work_ns : default_sizes;
	int nsizes = o->cext.nwork_ns ? o->cext.nwork_ns :
		     (int)(sizeof(default_sizes) / sizeof(default_sizes[0]));
	double best = 0, first_2x = -1;
	struct res *points;
	int ret = domain_describe(o, out);

	if (ret < 0)
		return ret;
	res_int(out, "threads", n);
	res_int(out, "ticks_per_call", CEXT_TICKS_PER_CALL);
	points = res_arr(out, "points");
	for (int i = 0; i < nsizes; i++) {
		struct res *pt = res_obj(points, NULL);
		double s;

		progress(false, "cext: %llu ns per call (%d of %d)",
			 (unsigned long long)sizes[i], i + 1, nsizes);
		ret = cext_point(o, n, sizes[i], pt);
		if (ret < 0)
			return ret;
		s = res_get_num(pt, "speedup");
		if (s > best)
			best = s;
		/* "about 2x": within 10% of two threads' ideal. */
		if (first_2x < 0 && s >= 1.8)
			first_2x = (double)sizes[i];
	}
	res_num(out, "max_speedup", best);
	if (first_2x >= 0)
		res_int(out, "work_ns_at_1_8x", (int64_t)first_2x);
	else
		res_null(out, "work_ns_at_1_8x");
	return 0;
}
