// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdbool.h>

#include "kgil.h"
#include "trace/trace_json.h"
#include "trace/trace_report.h"

static const char *policy_name(uint32_t policy)
{
	const char *n = policy ? kgil_policy_name(policy) : NULL;

	return n ? n : "unknown";
}

static double failed_per_acq(const struct kt_counts *c)
{
	return c->acquisitions ? (double)c->failed / (double)c->acquisitions : 0.0;
}

/* ---- text ------------------------------------------------------------ */

static void dist_row(FILE *f, const char *name, struct kt_dist *d)
{
	fprintf(f, "    %-18s %8zu %10.1f %10.1f %10.1f %10.1f\n", name, d->n,
		kt_dist_pct(d, 50) / 1e3, kt_dist_pct(d, 90) / 1e3,
		kt_dist_pct(d, 99) / 1e3, kt_dist_max(d) / 1e3);
}

static void dist_header(FILE *f)
{
	fprintf(f, "    %-18s %8s %10s %10s %10s %10s\n", "(microseconds)", "n",
		"p50", "p90", "p99", "max");
}

static void hist_text(FILE *f, const uint64_t *h)
{
	uint64_t top = 0;
	int lo = KT_HIST_BUCKETS, hi = -1;

	for (int i = 0; i < KT_HIST_BUCKETS; i++) {
		if (!h[i])
			continue;
		top = h[i] > top ? h[i] : top;
		lo = i < lo ? i : lo;
		hi = i;
	}
	if (hi < 0)
		return;
	fprintf(f, "    handoff latency histogram:\n");
	for (int i = lo; i <= hi; i++) {
		int bar = (int)((h[i] * 40 + top - 1) / top);

		fprintf(f, "      [%10.1f, %10.1f) us %8" PRIu64 " %.*s\n",
			(double)(1ULL << i) / 1e3, (double)(1ULL << (i + 1)) / 1e3,
			h[i], bar, "########################################");
	}
}

static void reasons_text(FILE *f, const struct kt_counts *c)
{
	fprintf(f, "    releases %" PRIu64 " (", c->releases);
	for (int r = 0, first = 1; r < KT_NR_REASONS; r++) {
		if (!c->release_reason[r])
			continue;
		fprintf(f, "%s%s %" PRIu64, first ? "" : ", ", kt_reason_name(r),
			c->release_reason[r]);
		first = 0;
	}
	fprintf(f, ")\n");
}

static void thread_text(FILE *f, struct kt_thread *t)
{
	fprintf(f, "  thread tid %d id %u \"%s\": acquisitions %" PRIu64
		", failed %" PRIu64 " (%.3f per acquisition), errors %" PRIu64
		", I/O reacquisitions %" PRIu64 ", owner deaths %" PRIu64 "\n",
		t->tid, t->id, t->comm, t->c.acquisitions, t->c.failed,
		failed_per_acq(&t->c), t->c.acquire_errors, t->c.io_acquires,
		t->c.owner_deaths);
	reasons_text(f, &t->c);
	dist_header(f);
	dist_row(f, "hold", &t->c.hold);
	dist_row(f, "wait", &t->c.wait);
	if (t->c.io_grant.n)
		dist_row(f, "I/O done -> grant", &t->c.io_grant);
}

static bool has_threads(const struct kt_analysis *a, const struct kt_domain *d)
{
	for (size_t i = 0; i < a->nthr; i++)
		if (a->thr[i].domain == d->id)
			return true;
	return false;
}

static void domain_text(FILE *f, struct kt_analysis *a, struct kt_domain *d)
{
	fprintf(f, "\ndomain %" PRIu64 ": opened by pid %d, policy %s",
		d->id, d->pid, policy_name(d->policy));
	if (!has_threads(a, d)) {
		fprintf(f, ": no thread used it\n");
		return;
	}
	if (d->policy)
		fprintf(f, " (check interval %u, switch interval %.3f ms)",
			d->check_interval, d->switch_interval_ns / 1e6);
	fprintf(f, "\n  acquisitions %" PRIu64 ", handoffs %" PRIu64
		", failed acquisitions %" PRIu64 " (%.3f per acquisition)"
		", acquire errors %" PRIu64 "\n",
		d->c.acquisitions, d->handoffs, d->c.failed,
		failed_per_acq(&d->c), d->c.acquire_errors);
	fprintf(f, "  drop requests %" PRIu64 " (honoured %" PRIu64
		"), owner deaths %" PRIu64 ", policy changes %" PRIu64
		", mutual exclusion violations %" PRIu64 "\n",
		d->drop_requests, d->drops_honoured, d->c.owner_deaths,
		d->policy_changes, d->exclusion_violations);
	reasons_text(f, &d->c);
	dist_header(f);
	dist_row(f, "hold", &d->c.hold);
	dist_row(f, "wait", &d->c.wait);
	dist_row(f, "handoff latency", &d->handoff);
	dist_row(f, "drop -> release", &d->drop_honour);
	if (d->c.io_grant.n)
		dist_row(f, "I/O done -> grant", &d->c.io_grant);
	hist_text(f, d->handoff_hist);
	for (size_t i = 0; i < a->nthr; i++)
		if (a->thr[i].domain == d->id)
			thread_text(f, &a->thr[i]);
}

void kt_report_text(FILE *f, const struct kt_trace *t, struct kt_analysis *a)
{
	fprintf(f, "kgil trace: %" PRIu64 " kgil events, %" PRIu64
		" sched events of kgil threads, %zu CPUs, %.3f ms\n",
		a->nr_kgil_events, a->nr_sched_events, t->nr_cpus,
		(a->t1 - a->t0) / 1e6);
	if (t->lost_events || t->lost_unknown)
		fprintf(f, "WARNING: the ring buffer lost %" PRIu64
			"%s events: counts are low (record with a larger -b)\n",
			t->lost_events, t->lost_unknown ? "+" : "");
	fprintf(f, "checks: mutual exclusion %s (%" PRIu64 " violations), "
		"per-thread event order %s (%" PRIu64 " sequence errors), "
		"timestamps %s\n",
		a->exclusion_violations ? "BROKEN" : "ok", a->exclusion_violations,
		a->sequence_errors ? "BROKEN" : "ok", a->sequence_errors,
		a->nonmonotonic ? "NOT monotonic" : "monotonic");
	for (size_t i = 0; i < a->ndom; i++)
		domain_text(f, a, &a->dom[i]);
}

/* ---- JSON ------------------------------------------------------------ */

static void dist_json(FILE *f, const char *name, struct kt_dist *d)
{
	fprintf(f, "\"%s\":{\"n\":%zu,\"p50\":%" PRIu64 ",\"p90\":%" PRIu64
		",\"p99\":%" PRIu64 ",\"max\":%" PRIu64 ",\"sum\":%" PRIu64 "}",
		name, d->n, kt_dist_pct(d, 50), kt_dist_pct(d, 90),
		kt_dist_pct(d, 99), kt_dist_max(d), kt_dist_sum(d));
}

static void counts_json(FILE *f, struct kt_counts *c)
{
	fprintf(f, "\"acquisitions\":%" PRIu64 ",\"acquire_errors\":%" PRIu64
		",\"releases\":%" PRIu64 ",\"failed_acquires\":%" PRIu64
		",\"failed_in_acquire_end\":%" PRIu64
		",\"failed_per_acquisition\":%.6f,\"owner_deaths\":%" PRIu64
		",\"owner_dead_grants\":%" PRIu64 ",\"io_acquires\":%" PRIu64
		",\"release_reasons\":{",
		c->acquisitions, c->acquire_errors, c->releases, c->failed,
		c->failed_field, failed_per_acq(c), c->owner_deaths,
		c->owner_dead_grants, c->io_acquires);
	for (int r = 0; r < KT_NR_REASONS; r++)
		fprintf(f, "%s\"%s\":%" PRIu64, r ? "," : "", kt_reason_name(r),
			c->release_reason[r]);
	fprintf(f, "},");
	dist_json(f, "hold_ns", &c->hold);
	fputc(',', f);
	dist_json(f, "wait_ns", &c->wait);
	fputc(',', f);
	dist_json(f, "io_grant_ns", &c->io_grant);
}

static void domain_json(FILE *f, struct kt_analysis *a, struct kt_domain *d)
{
	int first = 1;

	fprintf(f, "{\"id\":%" PRIu64 ",\"pid\":%d,\"policy\":", d->id, d->pid);
	kt_json_str(f, policy_name(d->policy));
	fprintf(f, ",\"check_interval\":%u,\"switch_interval_ns\":%" PRIu64
		",\"handoffs\":%" PRIu64 ",\"drop_requests\":%" PRIu64
		",\"drops_honoured\":%" PRIu64 ",\"policy_changes\":%" PRIu64
		",\"exclusion_violations\":%" PRIu64 ",",
		d->check_interval, d->switch_interval_ns, d->handoffs,
		d->drop_requests, d->drops_honoured, d->policy_changes,
		d->exclusion_violations);
	counts_json(f, &d->c);
	fputc(',', f);
	dist_json(f, "handoff_ns", &d->handoff);
	fputc(',', f);
	dist_json(f, "drop_honour_ns", &d->drop_honour);
	fprintf(f, ",\"handoff_hist\":[");
	for (int i = 0; i < KT_HIST_BUCKETS; i++) {
		if (!d->handoff_hist[i])
			continue;
		fprintf(f, "%s{\"lo_ns\":%llu,\"hi_ns\":%llu,\"count\":%" PRIu64 "}",
			first ? "" : ",", 1ULL << i, 1ULL << (i + 1),
			d->handoff_hist[i]);
		first = 0;
	}
	fprintf(f, "],\"threads\":[");
	first = 1;
	for (size_t i = 0; i < a->nthr; i++) {
		struct kt_thread *t = &a->thr[i];

		if (t->domain != d->id)
			continue;
		fprintf(f, "%s{\"tid\":%d,\"id\":%u,\"comm\":", first ? "" : ",",
			t->tid, t->id);
		kt_json_str(f, t->comm);
		fprintf(f, ",\"sequence_errors\":%" PRIu64 ",", t->sequence_errors);
		counts_json(f, &t->c);
		fputc('}', f);
		first = 0;
	}
	fprintf(f, "]}");
}

void kt_report_json(FILE *f, const struct kt_trace *t, struct kt_analysis *a)
{
	fprintf(f, "{\"kgil_events\":%" PRIu64 ",\"sched_events\":%" PRIu64
		",\"lost_events\":%" PRIu64 ",\"lost_unknown\":%s,\"cpus\":%zu"
		",\"t0_ns\":%" PRIu64 ",\"span_ns\":%" PRIu64
		",\"checks\":{\"exclusion_violations\":%" PRIu64
		",\"sequence_errors\":%" PRIu64 ",\"nonmonotonic\":%" PRIu64 "}"
		",\"domains\":[",
		a->nr_kgil_events, a->nr_sched_events, t->lost_events,
		t->lost_unknown ? "true" : "false", t->nr_cpus, a->t0,
		a->t1 - a->t0, a->exclusion_violations, a->sequence_errors,
		a->nonmonotonic);
	for (size_t i = 0; i < a->ndom; i++) {
		if (i)
			fputc(',', f);
		domain_json(f, a, &a->dom[i]);
	}
	fprintf(f, "]}\n");
}
