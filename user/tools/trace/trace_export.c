// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON trace-event format ("Trace Event Format", the one chrome://tracing
 * and ui.perfetto.dev import): times in microseconds, here relative to the
 * earliest event so they stay small and exact to the nanosecond.
 */
#include <inttypes.h>

#include "kgil.h"
#include "trace/trace_export.h"
#include "trace/trace_json.h"

static uint64_t base_ts(const struct kt_analysis *a)
{
	uint64_t base = a->t0;

	for (size_t i = 0; i < a->niv; i++)
		if (a->iv[i].start < base)
			base = a->iv[i].start;
	return base;
}

static void us(FILE *f, const char *key, uint64_t ns)
{
	fprintf(f, ",\"%s\":%" PRIu64 ".%03u", key, ns / 1000,
		(unsigned int)(ns % 1000));
}

static void metadata(FILE *f, const struct kt_analysis *a)
{
	char name[96];

	for (size_t i = 0; i < a->ndom; i++) {
		const struct kt_domain *d = &a->dom[i];
		const char *pol = d->policy ? kgil_policy_name(d->policy) : NULL;

		snprintf(name, sizeof(name), "kgil domain %" PRIu64 " (pid %d, %s)",
			 d->id, d->pid, pol ? pol : "policy unknown");
		fprintf(f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%" PRIu64
			",\"tid\":0,\"args\":{\"name\":", d->id);
		kt_json_str(f, name);
		fprintf(f, "}},\n");
	}
	for (size_t i = 0; i < a->nthr; i++) {
		const struct kt_thread *t = &a->thr[i];

		snprintf(name, sizeof(name), "%s tid %d id %u", t->comm, t->tid, t->id);
		fprintf(f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%" PRIu64
			",\"tid\":%d,\"args\":{\"name\":", t->domain, t->tid);
		kt_json_str(f, name);
		fprintf(f, "}},\n");
	}
}

static void event_head(FILE *f, const char *ph, const char *name,
		       const char *cat, const struct kt_thread *t, uint64_t ts)
{
	fprintf(f, "{\"ph\":\"%s\",\"name\":\"%s\",\"cat\":\"%s\",\"pid\":%" PRIu64
		",\"tid\":%d", ph, name, cat, t->domain, t->tid);
	us(f, "ts", ts);
}

static const char *const mark_names[KT_NR_MARKS] = {
	[KT_MARK_FAILED] = "failed acquire",
	[KT_MARK_DROP] = "drop request",
	[KT_MARK_OWNER_DEATH] = "owner death",
	[KT_MARK_HANDOFF] = "handoff",
};

void kt_export_chrome(FILE *f, const struct kt_analysis *a)
{
	uint64_t base = base_ts(a), flow = 0;

	fprintf(f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
	metadata(f, a);
	for (size_t i = 0; i < a->niv; i++) {
		const struct kt_interval *iv = &a->iv[i];

		/* Scheduling stretches overlap the lock states: not nested. */
		if (iv->state == KT_ST_ONCPU)
			continue;
		event_head(f, "X", kt_state_name(iv->state), "kgil",
			   &a->thr[iv->thread], iv->start - base);
		us(f, "dur", iv->end - iv->start);
		fprintf(f, "},\n");
	}
	for (size_t i = 0; i < a->nmark; i++) {
		const struct kt_mark *m = &a->mark[i];
		uint64_t from_ts;

		if (m->kind != KT_MARK_HANDOFF) {
			event_head(f, "i", mark_names[m->kind], "kgil",
				   &a->thr[m->thread], m->ts - base);
			fprintf(f, ",\"s\":\"t\"},\n");
			continue;
		}
		/*
		 * The arrow leaves the releaser's hold slice (just before it
		 * ends: a flow start binds to the slice enclosing it) and lands
		 * on the receiver at the grant.
		 */
		from_ts = m->ts - base > m->aux ? m->ts - base - m->aux : 0;
		from_ts = from_ts ? from_ts - 1 : 0;
		flow++;
		event_head(f, "s", "handoff", "handoff", &a->thr[m->thread], from_ts);
		fprintf(f, ",\"id\":%" PRIu64 "},\n", flow);
		event_head(f, "f", "handoff", "handoff", &a->thr[m->other_thread],
			   m->ts - base);
		fprintf(f, ",\"id\":%" PRIu64 ",\"bp\":\"e\",\"args\":{\"latency_ns\":%"
			PRIu64 "}},\n", flow, m->aux);
	}
	/* A closing metadata record keeps every line above comma-terminated. */
	fprintf(f, "{\"ph\":\"M\",\"name\":\"trace_end\",\"pid\":0,\"tid\":0,"
		"\"args\":{\"base_ns\":%" PRIu64 "}}\n]}\n", base);
}
