// SPDX-License-Identifier: GPL-2.0
/*
 * overhead: what the lock costs a thread that never contends.  One
 * attached thread runs W instructions through kgil_tick() (the inline
 * countdown and drop-request load, plus whatever its checks cost), and
 * the same W ticks of work with no lock at all.  Runs alternate, twice
 * each, and the faster run of each kind counts (less noise).
 */
#include <stdio.h>

#include "bench/bench.h"
#include "support/clock.h"
#include "bench/bench_domain.h"
#include "bench/interp.h"
#include "bench/phase.h"
#include "support/result.h"

#define OVERHEAD_DEFAULT_DURATION_S 0.25
#define OVERHEAD_RUNS 2

struct overhead_job {
	struct kgil *g;
	uint64_t ticks;
	bool locked;
};

static int overhead_worker(struct crew_member *m)
{
	struct overhead_job *j = m->arg;
	int err = 0, ret;

	if (!j->locked) {
		crew_start(m);
		for (uint64_t i = 0; i < j->ticks; i++)
			work_tick();
		crew_finish(m);
		return 0;
	}
	ret = domain_enter(j->g);
	if (ret < 0)
		return ret;
	crew_start(m);
	interp_run(j->ticks, NULL, &err);
	crew_finish(m);
	domain_leave(j->g, true);
	return err;
}

int bench_overhead(const struct bench_opts *o, struct res *out)
{
	double dur = o->duration_s ? o->duration_s : OVERHEAD_DEFAULT_DURATION_S;
	uint64_t ticks = o->work ? o->work : (uint64_t)(dur * 1e9 / o->tick_ns);
	struct overhead_job j = { .ticks = ticks ? ticks : 1 };
	double best[2] = { 0, 0 };
	struct phase p, locked = { 0 };
	int ret = domain_describe(o, out);

	if (ret < 0)
		return ret;
	res_int(out, "ticks", (int64_t)j.ticks);
	for (int run = 0; run < 2 * OVERHEAD_RUNS; run++) {
		j.locked = run % 2;
		ret = phase_run(o, 1, overhead_worker, &j, &j.g, 0, &p);
		if (ret < 0)
			return ret;
		if (!best[j.locked] || p.wall_s < best[j.locked]) {
			best[j.locked] = p.wall_s;
			if (j.locked)
				locked = p;
		}
	}
	res_num(out, "unlocked_s", best[0]);
	res_num(out, "locked_s", best[1]);
	res_num(out, "ratio", best[1] / best[0]);
	res_num(out, "ns_per_tick_unlocked", best[0] * 1e9 / j.ticks);
	res_num(out, "ns_per_tick_locked", best[1] * 1e9 / j.ticks);
	phase_cost_put(out, "", &locked.cost);
	res_str(out, "syscalls_source", locked.syscall_source);
	return 0;
}
