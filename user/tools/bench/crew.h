/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A crew: N threads started together and timed from the moment all of
 * them are ready to the moment the last one has finished its work.
 */
#ifndef KGIL_TOOLS_CREW_H
#define KGIL_TOOLS_CREW_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct crew;

struct crew_member {
	struct crew *crew;
	int idx;
	bool started;
	void *arg;		/* the crew's shared argument */
};

struct crew {
	int n;
	int (*fn)(struct crew_member *m);
	void *arg;
	pthread_barrier_t start;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
	int err;		/* first worker error (negative errno) */
	double t0, t_end;
	atomic_int stop;	/* set when the phase hits its time cap */
};

/*
 * Run fn in n threads.  Each worker prepares (attaches), calls
 * crew_start(), works, calls crew_finish() and cleans up.  A phase longer
 * than cap_s seconds (0: no cap) is asked to stop (crew_stopped()), and
 * *capped tells so.  Returns the first worker error or 0; *wall_s is the
 * time from the common start to the last crew_finish().
 */
int crew_run(int n, int (*fn)(struct crew_member *m), void *arg,
	     double cap_s, double *wall_s, bool *capped);
void crew_start(struct crew_member *m);
void crew_finish(struct crew_member *m);
void crew_fail(struct crew_member *m, int err);

static inline bool crew_stopped(struct crew_member *m)
{
	return atomic_load_explicit(&m->crew->stop, memory_order_relaxed);
}

#endif
