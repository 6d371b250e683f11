// SPDX-License-Identifier: GPL-2.0
/*
 * Replay of a kgil trace.  Each thread runs the state machine
 *
 *   unlocked --acquire_begin--> wait --acquire_end(0)--> hold
 *   hold --drop_request--> signalled --release--> unlocked | io
 *   io --acquire_begin(io=1)--> wait
 *
 * and each domain tracks its holder.  An event that does not fit the
 * machine is counted (sequence_errors) rather than trusted: the checks in
 * the report and the device test are these counters, so the trace itself,
 * not our reading of it, has to show that the lock behaved.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_analysis.h"

/* ---- distributions --------------------------------------------------- */

int kt_dist_add(struct kt_dist *d, uint64_t v)
{
	if (kt_grow(&d->v, &d->cap, d->n, sizeof(*d->v)))
		return -ENOMEM;
	d->v[d->n++] = v;
	d->sorted = false;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void dist_sort(struct kt_dist *d)
{
	if (!d->sorted && d->n)
		qsort(d->v, d->n, sizeof(*d->v), cmp_u64);
	d->sorted = true;
}

uint64_t kt_dist_pct(struct kt_dist *d, double p)
{
	size_t rank;

	if (!d->n)
		return 0;
	dist_sort(d);
	/* Nearest rank: the smallest sample with p% of the set at or below. */
	rank = (size_t)((p / 100.0) * (double)d->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > d->n)
		rank = d->n;
	return d->v[rank - 1];
}

uint64_t kt_dist_max(struct kt_dist *d)
{
	return kt_dist_pct(d, 100.0);
}

uint64_t kt_dist_sum(const struct kt_dist *d)
{
	uint64_t s = 0;

	for (size_t i = 0; i < d->n; i++)
		s += d->v[i];
	return s;
}

static int dist_merge(struct kt_dist *into, const struct kt_dist *from)
{
	for (size_t i = 0; i < from->n; i++)
		if (kt_dist_add(into, from->v[i]))
			return -ENOMEM;
	return 0;
}

static void dist_free(struct kt_dist *d)
{
	free(d->v);
	*d = (struct kt_dist){ 0 };
}

unsigned int kt_hist_bucket(uint64_t ns)
{
	unsigned int b = ns ? 63 - (unsigned int)__builtin_clzll(ns) : 0;

	return b < KT_HIST_BUCKETS ? b : KT_HIST_BUCKETS - 1;
}

static const char *const state_names[KT_NR_STATES] = {
	[KT_ST_HOLD] = "holding",
	[KT_ST_SIGNALLED] = "holding, drop requested",
	[KT_ST_WAIT] = "waiting",
	[KT_ST_GRANTED] = "granted, waking up",
	[KT_ST_IO] = "in I/O",
	[KT_ST_UNLOCKED] = "running unlocked",
	[KT_ST_ONCPU] = "on CPU",
};

const char *kt_state_name(enum kt_state s)
{
	return (unsigned int)s < KT_NR_STATES ? state_names[s] : "?";
}

/* ---- tables ---------------------------------------------------------- */

static struct kt_domain *domain_get(struct kt_analysis *a, uint64_t id)
{
	struct kt_domain *p;

	for (size_t i = 0; i < a->ndom; i++)
		if (a->dom[i].id == id)
			return &a->dom[i];
	p = realloc(a->dom, (a->ndom + 1) * sizeof(*p));
	if (!p)
		return NULL;
	a->dom = p;
	p = &a->dom[a->ndom++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	return p;
}

static long thread_find(const struct kt_analysis *a, uint64_t domain, int32_t tid)
{
	for (size_t i = 0; i < a->nthr; i++)
		if (a->thr[i].domain == domain && a->thr[i].tid == tid)
			return (long)i;
	return -1;
}

static long thread_get(struct kt_analysis *a, uint64_t domain, int32_t tid,
		       uint32_t id, uint64_t ts)
{
	long i = thread_find(a, domain, tid);
	struct kt_thread *p;

	if (i >= 0) {
		if (id)
			a->thr[i].id = id;
		return i;
	}
	p = realloc(a->thr, (a->nthr + 1) * sizeof(*p));
	if (!p)
		return -1;
	a->thr = p;
	p = &a->thr[a->nthr];
	memset(p, 0, sizeof(*p));
	p->domain = domain;
	p->tid = tid;
	p->id = id;
	p->first_ts = ts;
	p->state = KT_ST_UNLOCKED;
	return (long)a->nthr++;
}

/* The live thread that has id in domain (ids are reused after detach). */
static long thread_by_id(const struct kt_analysis *a, uint64_t domain, uint32_t id)
{
	long found = -1;

	for (size_t i = 0; i < a->nthr; i++)
		if (a->thr[i].domain == domain && a->thr[i].id == id &&
		    (found < 0 || a->thr[i].live))
			found = (long)i;
	return found;
}

static int add_interval(struct kt_analysis *a, uint32_t thread,
			enum kt_state state, uint64_t start, uint64_t end)
{
	if (end <= start)
		return 0;
	if (kt_grow(&a->iv, &a->capiv, a->niv, sizeof(*a->iv)))
		return -ENOMEM;
	a->iv[a->niv++] = (struct kt_interval){ start, end, thread, state };
	return 0;
}

static int add_mark(struct kt_analysis *a, enum kt_mark_kind kind, uint64_t ts,
		    uint32_t thread, uint32_t other, uint64_t aux)
{
	if (kt_grow(&a->mark, &a->capmark, a->nmark, sizeof(*a->mark)))
		return -ENOMEM;
	a->mark[a->nmark++] = (struct kt_mark){ ts, aux, thread, other, kind };
	return 0;
}

/* End the thread's current stretch at ts and start state. */
static int enter(struct kt_analysis *a, uint32_t ti, enum kt_state state,
		 uint64_t ts)
{
	struct kt_thread *t = &a->thr[ti];
	int ret = 0;

	if (t->live)
		ret = add_interval(a, ti, t->state, t->since, ts);
	t->state = state;
	t->since = ts;
	t->live = true;
	return ret;
}

static int leave(struct kt_analysis *a, uint32_t ti, uint64_t ts)
{
	struct kt_thread *t = &a->thr[ti];
	int ret = 0;

	if (t->live)
		ret = add_interval(a, ti, t->state, t->since, ts);
	t->live = false;
	return ret;
}

static bool holding(const struct kt_thread *t)
{
	return t->live && (t->state == KT_ST_HOLD || t->state == KT_ST_SIGNALLED);
}

/* ---- replay ---------------------------------------------------------- */

static int on_acquire_end(struct kt_analysis *a, struct kt_domain *d,
			  uint32_t ti, const struct kt_event *e)
{
	struct kt_thread *t = &a->thr[ti];
	int ret = 0;

	if (!t->live || (t->state != KT_ST_WAIT && t->state != KT_ST_GRANTED)) {
		t->sequence_errors++;
		/* No acquire_begin seen: the wait is known from wait_ns. */
		if (e->acquire_end.wait_ns && e->acquire_end.wait_ns <= e->ts &&
		    (!t->live || e->ts - e->acquire_end.wait_ns >= t->since))
			ret = enter(a, ti, KT_ST_WAIT,
				    e->ts - e->acquire_end.wait_ns);
	}
	if (e->acquire_end.ret < 0) {
		t->c.acquire_errors++;
		t->io_pending = false;
		return ret ? ret : enter(a, ti, KT_ST_UNLOCKED, e->ts);
	}
	t->c.acquisitions++;
	t->c.failed_field += e->acquire_end.failed;
	t->c.owner_dead_grants += e->acquire_end.owner_dead;
	if (kt_dist_add(&t->c.wait, e->acquire_end.wait_ns))
		return -ENOMEM;
	if (t->io_pending && kt_dist_add(&t->c.io_grant, e->acquire_end.wait_ns))
		return -ENOMEM;
	t->io_pending = false;
	if (d->holder_tid && d->holder_tid != t->tid)
		d->exclusion_violations++;
	d->holder_tid = t->tid;
	d->holder_id = t->id;
	return ret ? ret : enter(a, ti, KT_ST_HOLD, e->ts);
}

static int on_release(struct kt_analysis *a, struct kt_domain *d, uint32_t ti,
		      const struct kt_event *e)
{
	struct kt_thread *t = &a->thr[ti];
	int reason = e->release.reason;

	if (!holding(t))
		t->sequence_errors++;
	t->c.releases++;
	if (reason >= 0 && reason < KT_NR_REASONS)
		t->c.release_reason[reason]++;
	if (kt_dist_add(&t->c.hold, e->release.hold_ns))
		return -ENOMEM;
	if (d->holder_tid == t->tid)
		d->holder_tid = 0;
	if (d->npending && d->pending_holder == t->id) {
		for (size_t i = 0; i < d->npending; i++)
			if (kt_dist_add(&d->drop_honour, e->ts - d->pending_drops[i]))
				return -ENOMEM;
		d->drops_honoured += d->npending;
	}
	d->npending = 0;
	return enter(a, ti, reason == KGIL_REL_IO ? KT_ST_IO : KT_ST_UNLOCKED, e->ts);
}

static int on_drop_request(struct kt_analysis *a, struct kt_domain *d,
			   const struct kt_event *e)
{
	long hi = thread_by_id(a, d->id, e->drop.holder);

	d->drop_requests++;
	if (d->npending && d->pending_holder != e->drop.holder)
		d->npending = 0;	/* aimed at a holder that is gone */
	if (kt_grow(&d->pending_drops, &d->cappending, d->npending,
		    sizeof(*d->pending_drops)))
		return -ENOMEM;
	d->pending_drops[d->npending++] = e->ts;
	d->pending_holder = e->drop.holder;
	if (hi < 0)
		return 0;
	if (a->thr[hi].live && a->thr[hi].state == KT_ST_HOLD &&
	    enter(a, (uint32_t)hi, KT_ST_SIGNALLED, e->ts))
		return -ENOMEM;
	return add_mark(a, KT_MARK_DROP, e->ts, (uint32_t)hi, (uint32_t)hi, 0);
}

static int on_handoff(struct kt_analysis *a, struct kt_domain *d,
		      const struct kt_event *e)
{
	long from = thread_find(a, d->id, e->handoff.from_tid);
	long to = thread_find(a, d->id, e->handoff.to_tid);

	d->handoffs++;
	d->handoff_hist[kt_hist_bucket(e->handoff.latency_ns)]++;
	if (kt_dist_add(&d->handoff, e->handoff.latency_ns))
		return -ENOMEM;
	if (from < 0 || to < 0)
		return 0;
	/*
	 * The grant: from here the receiver holds the lock (hold_ns counts
	 * from it) but runs only at its acquire_end, once it is woken and
	 * scheduled; the stretch between is the wake-up part of the latency.
	 */
	if (a->thr[to].live && a->thr[to].state == KT_ST_WAIT &&
	    enter(a, (uint32_t)to, KT_ST_GRANTED, e->ts))
		return -ENOMEM;
	return add_mark(a, KT_MARK_HANDOFF, e->ts, (uint32_t)from, (uint32_t)to,
			e->handoff.latency_ns);
}

static void close_domain(struct kt_analysis *a, struct kt_domain *d,
			 const struct kt_event *e)
{
	d->nr_threads = e->close.nr_threads;
	for (size_t i = 0; i < a->nthr; i++)
		if (a->thr[i].domain == d->id)
			leave(a, (uint32_t)i, e->ts);
}

static int on_kgil_event(struct kt_analysis *a, const struct kt_event *e)
{
	struct kt_domain *d = domain_get(a, e->domain);
	int32_t tid = kt_event_tid(e);
	long ti = -1;
	struct kt_thread *t;

	if (!d)
		return -ENOMEM;
	if (tid > 0 && (ti = thread_find(a, e->domain, tid)) < 0)
		return -ENOMEM;	/* every thread was created up front */
	t = ti >= 0 ? &a->thr[ti] : NULL;

	switch (e->type) {
	case KT_OPEN:
		d->pid = e->open.pid;
		return 0;
	case KT_CLOSE:
		close_domain(a, d, e);
		return 0;
	case KT_POLICY_CHANGE:
		d->policy_changes++;
		d->policy = e->policy.new_policy;
		d->check_interval = e->policy.check_interval;
		d->switch_interval_ns = e->policy.switch_interval_ns;
		return 0;
	case KT_DROP_REQUEST:
		return on_drop_request(a, d, e);
	case KT_HANDOFF:
		return on_handoff(a, d, e);
	default:
		break;
	}
	if (!t)
		return 0;	/* a thread event without a thread: ignore */
	switch (e->type) {
	case KT_ATTACH:
		return enter(a, (uint32_t)ti, KT_ST_UNLOCKED, e->ts);
	case KT_DETACH:
		return leave(a, (uint32_t)ti, e->ts);
	case KT_ACQUIRE_BEGIN:
		if (t->live && t->state != KT_ST_UNLOCKED && t->state != KT_ST_IO)
			t->sequence_errors++;
		t->io_pending = e->acquire_begin.io;
		t->c.io_acquires += e->acquire_begin.io;
		return enter(a, (uint32_t)ti, KT_ST_WAIT, e->ts);
	case KT_ACQUIRE_END:
		return on_acquire_end(a, d, (uint32_t)ti, e);
	case KT_RELEASE:
		return on_release(a, d, (uint32_t)ti, e);
	case KT_FAILED_ACQUIRE:
		t->c.failed++;
		if (t->live && t->state != KT_ST_WAIT && t->state != KT_ST_GRANTED)
			t->sequence_errors++;
		return add_mark(a, KT_MARK_FAILED, e->ts, (uint32_t)ti,
				(uint32_t)ti, 0);
	case KT_OWNER_DEATH:
		t->c.owner_deaths++;
		if (d->holder_tid == tid)
			d->holder_tid = 0;
		return add_mark(a, KT_MARK_OWNER_DEATH, e->ts, (uint32_t)ti,
				(uint32_t)ti, 0);
	default:
		return 0;
	}
}

/* A thread is switched in or out: its on-CPU strip, and its name. */
static int on_sched_switch(struct kt_analysis *a, const struct kt_event *e)
{
	for (size_t i = 0; i < a->nthr; i++) {
		struct kt_thread *t = &a->thr[i];

		if (t->tid == e->sched_switch.prev_pid) {
			if (!t->comm[0])
				memcpy(t->comm, e->sched_switch.prev_comm, KT_COMM_LEN);
			if (t->oncpu && add_interval(a, (uint32_t)i, KT_ST_ONCPU,
						     t->oncpu_since, e->ts))
				return -ENOMEM;
			t->oncpu = false;
		}
		if (t->tid == e->sched_switch.next_pid) {
			if (!t->comm[0])
				memcpy(t->comm, e->sched_switch.next_comm, KT_COMM_LEN);
			t->oncpu = true;
			t->oncpu_since = e->ts;
		}
	}
	return 0;
}

/* Every (domain, tid) first, so the sched events before a thread's first
 * kgil event still find it. */
static int create_threads(const struct kt_trace *tr, struct kt_analysis *a)
{
	for (size_t i = 0; i < tr->len; i++) {
		const struct kt_event *e = &tr->ev[i];
		int32_t tid = kt_event_tid(e);

		if (e->type >= KT_SCHED_SWITCH)
			continue;
		if (!domain_get(a, e->domain))
			return -ENOMEM;
		if (tid > 0) {
			uint32_t id = 0;

			if (e->type == KT_HANDOFF) {
				if (thread_get(a, e->domain, e->handoff.from_tid,
					       e->handoff.from, e->ts) < 0)
					return -ENOMEM;
				id = e->handoff.to;
			} else if (e->type == KT_RELEASE) {
				id = e->release.id;
			} else if (e->type == KT_ACQUIRE_BEGIN) {
				id = e->acquire_begin.id;
			} else if (e->type == KT_ACQUIRE_END) {
				id = e->acquire_end.id;
			} else {
				id = e->thread.id;
			}
			if (thread_get(a, e->domain, tid, id, e->ts) < 0)
				return -ENOMEM;
		}
	}
	/* Ids are re-learnt during the replay, as they are reused. */
	return 0;
}

static int sum_domains(struct kt_analysis *a)
{
	for (size_t i = 0; i < a->nthr; i++) {
		struct kt_thread *t = &a->thr[i];
		struct kt_domain *d = domain_get(a, t->domain);
		struct kt_counts *dc = &d->c;

		dc->acquisitions += t->c.acquisitions;
		dc->acquire_errors += t->c.acquire_errors;
		dc->releases += t->c.releases;
		for (int r = 0; r < KT_NR_REASONS; r++)
			dc->release_reason[r] += t->c.release_reason[r];
		dc->failed += t->c.failed;
		dc->failed_field += t->c.failed_field;
		dc->owner_deaths += t->c.owner_deaths;
		dc->owner_dead_grants += t->c.owner_dead_grants;
		dc->io_acquires += t->c.io_acquires;
		if (dist_merge(&dc->hold, &t->c.hold) ||
		    dist_merge(&dc->wait, &t->c.wait) ||
		    dist_merge(&dc->io_grant, &t->c.io_grant))
			return -ENOMEM;
		a->sequence_errors += t->sequence_errors;
	}
	for (size_t i = 0; i < a->ndom; i++)
		a->exclusion_violations += a->dom[i].exclusion_violations;
	return 0;
}

int kt_analyze(const struct kt_trace *tr, struct kt_analysis *a)
{
	uint64_t prev = 0;
	bool any = false;
	int ret;

	memset(a, 0, sizeof(*a));
	ret = create_threads(tr, a);
	for (size_t i = 0; !ret && i < tr->len; i++) {
		const struct kt_event *e = &tr->ev[i];

		if (e->ts < prev)
			a->nonmonotonic++;
		prev = e->ts;
		if (e->type == KT_SCHED_SWITCH) {
			a->nr_sched_events++;
			ret = on_sched_switch(a, e);
			continue;
		}
		if (e->type == KT_SCHED_WAKEUP) {
			a->nr_sched_events++;
			continue;
		}
		if (!any)
			a->t0 = e->ts;
		any = true;
		a->t1 = e->ts;
		a->nr_kgil_events++;
		ret = on_kgil_event(a, e);
	}
	for (size_t i = 0; !ret && i < a->nthr; i++) {
		struct kt_thread *t = &a->thr[i];

		ret = leave(a, (uint32_t)i, a->t1);
		if (!ret && t->oncpu)
			ret = add_interval(a, (uint32_t)i, KT_ST_ONCPU,
					   t->oncpu_since, a->t1);
		t->oncpu = false;
	}
	return ret ? ret : sum_domains(a);
}

static void counts_free(struct kt_counts *c)
{
	dist_free(&c->hold);
	dist_free(&c->wait);
	dist_free(&c->io_grant);
}

void kt_analysis_free(struct kt_analysis *a)
{
	for (size_t i = 0; i < a->ndom; i++) {
		counts_free(&a->dom[i].c);
		dist_free(&a->dom[i].handoff);
		dist_free(&a->dom[i].drop_honour);
		free(a->dom[i].pending_drops);
	}
	for (size_t i = 0; i < a->nthr; i++)
		counts_free(&a->thr[i].c);
	free(a->dom);
	free(a->thr);
	free(a->iv);
	free(a->mark);
	memset(a, 0, sizeof(*a));
}
