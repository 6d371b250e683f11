/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a kgil trace says: per domain and per thread, the counts, the
 * distributions (hold, wait, handoff latency, drop request -> release,
 * I/O completion -> grant), the consistency checks (mutual exclusion,
 * per-thread event order) and the state intervals the timeline and the
 * Perfetto export draw.  Pure computation on a kt_trace: no I/O.
 */
#ifndef KGIL_TRACE_ANALYSIS_H
#define KGIL_TRACE_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/trace_event.h"

/* A set of samples (ns); the percentiles sort it. */
struct kt_dist {
	uint64_t *v;
	size_t n, cap;
	bool sorted;
};

int kt_dist_add(struct kt_dist *d, uint64_t v);
/* Nearest-rank percentile, p in [0, 100]; 0 for an empty set. */
uint64_t kt_dist_pct(struct kt_dist *d, double p);
uint64_t kt_dist_max(struct kt_dist *d);
uint64_t kt_dist_sum(const struct kt_dist *d);

#define KT_HIST_BUCKETS 40	/* bucket i: [2^i, 2^(i+1)) ns, 0 in bucket 0 */
unsigned int kt_hist_bucket(uint64_t ns);

/* What a thread is doing, as drawn in its lane. */
enum kt_state {
	KT_ST_HOLD,		/* holds the lock */
	KT_ST_SIGNALLED,	/* holds it, a drop request is pending */
	KT_ST_WAIT,		/* waits for it */
	KT_ST_GRANTED,		/* handed the lock, not yet running again */
	KT_ST_IO,		/* released it for I/O */
	KT_ST_UNLOCKED,		/* runs without it (released, not I/O) */
	KT_ST_ONCPU,		/* on a CPU (sched_switch), drawn apart */
	KT_NR_STATES,
};

const char *kt_state_name(enum kt_state s);

/* One stretch of a state in one thread's lane; times are trace ns. */
struct kt_interval {
	uint64_t start, end;
	uint32_t thread;	/* index in kt_analysis.thr */
	enum kt_state state;
};

/* A point event drawn on a lane. */
enum kt_mark_kind {
	KT_MARK_FAILED,		/* woke up, found the lock taken */
	KT_MARK_DROP,		/* drop request, on the holder's lane */
	KT_MARK_OWNER_DEATH,
	KT_MARK_HANDOFF,	/* from thread -> other_thread at ts */
	KT_NR_MARKS,
};

struct kt_mark {
	uint64_t ts;
	uint64_t aux;		/* handoff: latency_ns */
	uint32_t thread;
	uint32_t other_thread;	/* handoff: the receiver; else = thread */
	enum kt_mark_kind kind;
};

/* Counts and distributions, for a thread and (summed) for a domain. */
struct kt_counts {
	uint64_t acquisitions;	/* acquire_end with ret 0 */
	uint64_t acquire_errors;	/* acquire_end with ret < 0 */
	uint64_t releases;
	uint64_t release_reason[KT_NR_REASONS];
	uint64_t failed;	/* kgil_failed_acquire events */
	uint64_t failed_field;	/* sum of acquire_end.failed */
	uint64_t owner_deaths;
	uint64_t owner_dead_grants;	/* acquire_end with owner_dead */
	uint64_t io_acquires;	/* acquire_begin with io */
	struct kt_dist hold, wait, io_grant;
};

struct kt_thread {
	uint64_t domain;
	int32_t tid;
	uint32_t id;
	char comm[KT_COMM_LEN];
	uint64_t first_ts;
	struct kt_counts c;
	uint64_t sequence_errors;	/* events out of the state machine */
	/* replay state */
	enum kt_state state;
	bool live;			/* attached and drawn */
	uint64_t since;
	bool oncpu;
	uint64_t oncpu_since;
	uint64_t last_ts;
	bool io_pending;
};

struct kt_domain {
	uint64_t id;
	int32_t pid;			/* the opener (kgil_open) */
	uint32_t policy;		/* last kgil_policy_change, 0 unknown */
	uint64_t switch_interval_ns;
	uint32_t check_interval;
	uint32_t nr_threads;
	struct kt_counts c;		/* sum over its threads */
	uint64_t handoffs;
	uint64_t drop_requests;
	uint64_t drops_honoured;
	uint64_t policy_changes;
	uint64_t exclusion_violations;	/* a grant while another held it */
	struct kt_dist handoff, drop_honour;
	uint64_t handoff_hist[KT_HIST_BUCKETS];
	/* replay state */
	int32_t holder_tid;		/* 0: free */
	uint32_t holder_id;
	uint64_t *pending_drops;	/* ts of requests not yet honoured */
	size_t npending, cappending;
	uint32_t pending_holder;
};

struct kt_analysis {
	struct kt_domain *dom;
	size_t ndom;
	struct kt_thread *thr;
	size_t nthr;
	struct kt_interval *iv;
	size_t niv, capiv;
	struct kt_mark *mark;
	size_t nmark, capmark;
	uint64_t t0, t1;		/* first and last kgil event */
	uint64_t nr_kgil_events, nr_sched_events;
	uint64_t nonmonotonic;		/* an event older than its predecessor */
	uint64_t sequence_errors;	/* sum over threads */
	uint64_t exclusion_violations;	/* sum over domains */
};

/* Replay t; 0 or -ENOMEM.  kt_analysis_free() in every case. */
int kt_analyze(const struct kt_trace *t, struct kt_analysis *a);
void kt_analysis_free(struct kt_analysis *a);

#endif
