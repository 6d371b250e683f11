/* SPDX-License-Identifier: GPL-2.0 */
/* A timed phase: a crew of threads on a fresh domain, with its costs. */
#ifndef KGIL_TOOLS_PHASE_H
#define KGIL_TOOLS_PHASE_H

#include "bench/crew.h"
#include "bench/measure.h"

struct bench_opts;
struct kgil;

struct phase {
	double wall_s;
	bool capped;		/* stopped by --cap (the worker extrapolates) */
	struct phase_cost cost;
	const char *syscall_source;
};

/*
 * Open a domain as the options say, store it in *g (the job's field, so
 * the workers find it), run fn in nthreads threads (crew.h) with job as
 * their argument, then read the costs and close the domain.
 */
int phase_run(const struct bench_opts *o, int nthreads,
	      int (*fn)(struct crew_member *m), void *job, struct kgil **g,
	      double cap_s, struct phase *p);

#endif
