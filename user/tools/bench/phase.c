// SPDX-License-Identifier: GPL-2.0
#include "bench/bench.h"
#include "bench/bench_domain.h"
#include "bench/phase.h"

int phase_run(const struct bench_opts *o, int nthreads,
	      int (*fn)(struct crew_member *m), void *job, struct kgil **g,
	      double cap_s, struct phase *p)
{
	struct meter m;
	int ret = domain_open(o, g);

	if (ret < 0)
		return ret;
	/* The counter is inherited only by threads created after it. */
	meter_start(&m, o->count_syscalls);
	ret = crew_run(nthreads, fn, job, cap_s, &p->wall_s, &p->capped);
	meter_stop(&m, *g, &p->cost);
	p->syscall_source = meter_syscall_source(&m);
	kgil_close(*g);
	*g = NULL;
	return ret;
}
