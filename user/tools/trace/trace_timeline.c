// SPDX-License-Identifier: GPL-2.0
/*
 * The timeline is drawn the way the 2009/2010 GIL talks drew the "GIL
 * battle": one lane per thread, time to the right, the lock state as a
 * coloured bar, failed acquisitions as red ticks over the waiter's bar,
 * drop requests ("signals") as marks on the holder, handoffs as arrows
 * between lanes, and a thin strip under each bar for when the scheduler
 * really had the thread on a CPU (sched_switch), which is what shows a
 * woken waiter that loses the race to the releaser.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_timeline.h"

/* Bars per state, in the order of kt_state. */
static const struct {
	const char *rgb;
	double y, half;		/* offset from the lane and half height */
} look[KT_NR_STATES] = {
	[KT_ST_HOLD] = { "#2e8b57", 0.0, 0.28 },
	[KT_ST_SIGNALLED] = { "#ff8c00", 0.0, 0.28 },
	[KT_ST_WAIT] = { "#f2b8b8", 0.0, 0.18 },
	[KT_ST_GRANTED] = { "#9fd8b5", 0.0, 0.28 },
	[KT_ST_IO] = { "#4a78d6", 0.0, 0.18 },
	[KT_ST_UNLOCKED] = { "#c8c8c8", 0.0, 0.10 },
	[KT_ST_ONCPU] = { "#303030", -0.40, 0.04 },
};

static const struct {
	const char *title, *style;
} mark_look[KT_NR_MARKS] = {
	[KT_MARK_FAILED] = { "failed attempt",
			     "with points pt 7 ps 0.35 lc rgb '#d62728'" },
	[KT_MARK_DROP] = { "drop request (signal)",
			   "with points pt 9 ps 0.8 lc rgb '#8b008b'" },
	[KT_MARK_OWNER_DEATH] = { "owner death",
				  "with points pt 3 ps 1.5 lc rgb '#000000'" },
	[KT_MARK_HANDOFF] = { "handoff",
			      "with vectors head size screen 0.004,20 lw 0.5 lc rgb '#404040'" },
};

/* s as a gnuplot single-quoted string: a quote inside is doubled. */
static void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

struct lane_map {
	int *lane;		/* per thread: its lane, top = 0; -1 not drawn */
	size_t nlanes;
};

static const struct kt_analysis *sort_a;

static int cmp_threads(const void *x, const void *y)
{
	const struct kt_thread *a = &sort_a->thr[*(const size_t *)x];
	const struct kt_thread *b = &sort_a->thr[*(const size_t *)y];

	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts ? -1 : 1;
	return (a->tid > b->tid) - (a->tid < b->tid);
}

static int lanes(const struct kt_analysis *a, uint64_t domain,
		 struct lane_map *m)
{
	size_t *order = calloc(a->nthr + 1, sizeof(*order));

	m->lane = calloc(a->nthr + 1, sizeof(*m->lane));
	if (!order || !m->lane) {
		free(order);
		free(m->lane);
		return -1;
	}
	m->nlanes = 0;
	for (size_t i = 0; i < a->nthr; i++) {
		m->lane[i] = -1;
		if (!domain || a->thr[i].domain == domain)
			order[m->nlanes++] = i;
	}
	sort_a = a;
	qsort(order, m->nlanes, sizeof(*order), cmp_threads);
	for (size_t i = 0; i < m->nlanes; i++)
		m->lane[order[i]] = (int)i;
	free(order);
	return 0;
}

/* Lane i is drawn at y = nlanes - i so the first thread is on top. */
static double lane_y(const struct lane_map *m, uint32_t thread)
{
	return (double)(m->nlanes - (size_t)m->lane[thread]);
}

struct window {
	uint64_t lo, hi, origin;
};

static bool clip(const struct window *w, uint64_t *s, uint64_t *e)
{
	if (*e <= w->lo || *s >= w->hi)
		return false;
	if (*s < w->lo)
		*s = w->lo;
	if (*e > w->hi)
		*e = w->hi;
	return true;
}

static double ms(const struct window *w, uint64_t ts)
{
	return (double)(ts - w->origin) / 1e6;
}

/* One block of bars; returns how many (f NULL: only count them). */
static size_t bar_block(FILE *f, const struct kt_analysis *a,
			const struct lane_map *m, const struct window *w,
			enum kt_state st)
{
	size_t n = 0;

	if (f)
		fprintf(f, "# %s: x y xlow xhigh ylow yhigh\n", kt_state_name(st));
	for (size_t i = 0; i < a->niv; i++) {
		const struct kt_interval *iv = &a->iv[i];
		uint64_t s = iv->start, e = iv->end;
		double y;

		if (iv->state != st || m->lane[iv->thread] < 0 || !clip(w, &s, &e))
			continue;
		n++;
		if (!f)
			continue;
		y = lane_y(m, iv->thread) + look[st].y;
		fprintf(f, "%.6f %.3f %.6f %.6f %.3f %.3f\n",
			(ms(w, s) + ms(w, e)) / 2, y, ms(w, s), ms(w, e),
			y - look[st].half, y + look[st].half);
	}
	if (f)
		fprintf(f, "\n\n");
	return n;
}

static size_t mark_block(FILE *f, const struct kt_analysis *a,
			 const struct lane_map *m, const struct window *w,
			 enum kt_mark_kind k)
{
	size_t n = 0;

	if (f)
		fprintf(f, "# %s\n", mark_look[k].title);
	for (size_t i = 0; i < a->nmark; i++) {
		const struct kt_mark *mk = &a->mark[i];
		uint64_t s = mk->ts, e = mk->ts + 1;

		if (mk->kind != k || m->lane[mk->thread] < 0 ||
		    m->lane[mk->other_thread] < 0 || !clip(w, &s, &e))
			continue;
		n++;
		if (!f)
			continue;
		if (k == KT_MARK_HANDOFF) {
			/* From the release (ts - latency) on the giver's lane. */
			uint64_t from = mk->ts > mk->aux ? mk->ts - mk->aux : mk->ts;

			if (from < w->lo)
				from = w->lo;
			fprintf(f, "%.6f %.3f %.6f %.3f\n", ms(w, from),
				lane_y(m, mk->thread), ms(w, mk->ts) - ms(w, from),
				lane_y(m, mk->other_thread) - lane_y(m, mk->thread));
		} else {
			fprintf(f, "%.6f %.3f\n", ms(w, mk->ts),
				lane_y(m, mk->thread) +
				(k == KT_MARK_FAILED ? 0.0 : 0.36));
		}
	}
	if (f)
		fprintf(f, "\n\n");
	return n;
}

/* The span of the drawn threads' lock activity (not their on-CPU strips). */
static void activity(const struct kt_analysis *a, const struct lane_map *m,
		     uint64_t *lo, uint64_t *hi)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (size_t i = 0; i < a->niv; i++) {
		const struct kt_interval *iv = &a->iv[i];

		if (m->lane[iv->thread] < 0 || iv->state == KT_ST_ONCPU)
			continue;
		*lo = iv->start < *lo ? iv->start : *lo;
		*hi = iv->end > *hi ? iv->end : *hi;
	}
	if (*lo > *hi) {
		*lo = a->t0;
		*hi = a->t1;
	}
}

/* The at_index-th mark of at_kind on a drawn lane, or 0. */
static uint64_t mark_ts(const struct kt_analysis *a, const struct lane_map *m,
			const struct kt_timeline_opts *o)
{
	size_t n = 0, want;

	for (size_t i = 0; i < a->nmark; i++)
		n += (int)a->mark[i].kind + 1 == o->at_kind && m->lane[a->mark[i].thread] >= 0;
	if (!n)
		return 0;
	want = o->at_index < 0 ? n / 2 :
	       (size_t)o->at_index < n ? (size_t)o->at_index : n - 1;
	for (size_t i = 0; i < a->nmark; i++)
		if ((int)a->mark[i].kind + 1 == o->at_kind &&
		    m->lane[a->mark[i].thread] >= 0 && !want--)
			return a->mark[i].ts;
	return 0;
}

/*
 * Times are drawn in ms from the origin: the first kgil event, or the
 * domain's first activity with --domain.  --from/--to cut a window from
 * there; --at centres a span_ms window on a mark instead.
 */
static void choose_window(const struct kt_analysis *a, const struct lane_map *m,
			  const struct kt_timeline_opts *o, struct window *w)
{
	uint64_t lo, hi, at;

	activity(a, m, &lo, &hi);
	w->origin = o->domain ? lo : a->t0;
	w->lo = o->domain ? lo : a->t0;
	w->hi = o->domain ? hi : a->t1;
	if (o->at_kind > 0 && (at = mark_ts(a, m, o))) {
		uint64_t half = (uint64_t)((o->span_ms > 0 ? o->span_ms : 0.5) * 5e5);

		w->lo = at > w->origin + half ? at - half : w->origin;
		w->hi = at + half;
	} else {
		if (o->from_ms > 0)
			w->lo = w->origin + (uint64_t)(o->from_ms * 1e6);
		if (o->to_ms > 0)
			w->hi = w->origin + (uint64_t)(o->to_ms * 1e6);
	}
	if (w->hi <= w->lo)
		w->hi = w->lo + 1;
}

static void script_head(FILE *s, const struct kt_analysis *a,
			const struct lane_map *m, const struct window *w,
			const struct kt_timeline_opts *o)
{
	int width = o->width > 0 ? o->width : 1600;
	int height = 140 + 70 * (int)m->nlanes;

	if (o->png)
		fprintf(s, "set terminal pngcairo size %d,%d font 'sans,10' noenhanced\n",
			width, height);
	else
		fprintf(s, "set terminal svg size %d,%d dynamic font 'sans,10' noenhanced\n",
			width, height);
	fprintf(s, "set output ");
	gp_str(s, o->out);
	fprintf(s, "\nset title ");
	gp_str(s, o->title ? o->title : "kgil timeline");
	fprintf(s, "\n");
	fprintf(s, "set xlabel 'time (ms)'\nset xrange [%.6f:%.6f]\n",
		ms(w, w->lo), ms(w, w->hi));
	fprintf(s, "set yrange [0.3:%zu.7]\nset ytics (", m->nlanes);
	for (size_t i = 0, first = 1; i < a->nthr; i++) {
		const struct kt_thread *t = &a->thr[i];
		char label[64];

		if (m->lane[i] < 0)
			continue;
		snprintf(label, sizeof(label), "d%" PRIu64 " id %u tid %d %s",
			 t->domain, t->id, t->tid, t->comm);
		fprintf(s, "%s", first ? "" : ", ");
		first = 0;
		gp_str(s, label);
		fprintf(s, " %.0f", lane_y(m, (uint32_t)i));
	}
	fprintf(s, ")\nset grid xtics lc rgb '#e0e0e0'\nunset mytics\n");
	fprintf(s, "set key outside bottom center horizontal\n");
	fprintf(s, "set style fill solid 1.0 noborder\n");
}

size_t kt_timeline_write(FILE *data, FILE *script, const char *data_path,
			 const struct kt_analysis *a,
			 const struct kt_timeline_opts *o)
{
	struct lane_map m = { 0 };
	struct window w;
	size_t drawn = 0, index = 0;
	const char *sep = "plot ";

	if (lanes(a, o->domain, &m))
		return 0;
	choose_window(a, &m, o, &w);
	script_head(script, a, &m, &w, o);
	/*
	 * gnuplot's "index" counts blocks between blank-line pairs and runs
	 * of them merge, so an empty block would shift every later index:
	 * only the non-empty ones are written.
	 */
	for (int st = 0; st < KT_NR_STATES; st++) {
		if (!bar_block(NULL, a, &m, &w, st))
			continue;
		drawn += bar_block(data, a, &m, &w, st);
		fprintf(script, "%s", sep);
		gp_str(script, data_path);
		fprintf(script, " index %zu using 1:2:3:4:5:6 with boxxyerror "
			"lc rgb '%s' title '%s'", index, look[st].rgb,
			kt_state_name(st));
		sep = ", \\\n     ";
		index++;
	}
	for (int k = 0; k < KT_NR_MARKS; k++) {
		if (!mark_block(NULL, a, &m, &w, k))
			continue;
		mark_block(data, a, &m, &w, k);
		fprintf(script, "%s", sep);
		gp_str(script, data_path);
		fprintf(script, " index %zu using 1:2%s %s title '%s'", index,
			k == KT_MARK_HANDOFF ? ":3:4" : "", mark_look[k].style,
			mark_look[k].title);
		sep = ", \\\n     ";
		index++;
	}
	if (!strcmp(sep, "plot "))	/* nothing in the window */
		fprintf(script, "plot NaN notitle");
	fprintf(script, "\n");
	free(m.lane);
	return drawn;
}

uint64_t kt_busiest_domain(const struct kt_analysis *a)
{
	uint64_t best = 0, best_acq = 0;
	size_t best_threads = 0;

	for (size_t i = 0; i < a->ndom; i++) {
		const struct kt_domain *d = &a->dom[i];
		size_t threads = 0;

		for (size_t t = 0; t < a->nthr; t++)
			threads += a->thr[t].domain == d->id;
		if (!best || threads > best_threads ||
		    (threads == best_threads && d->c.acquisitions > best_acq)) {
			best = d->id;
			best_threads = threads;
			best_acq = d->c.acquisitions;
		}
	}
	return best;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

/* How many of the n sorted v lie in [lo, hi]. */
static size_t count_in(const uint64_t *v, size_t n, uint64_t lo, uint64_t hi)
{
	size_t a = 0, b = n, first, last;

	while (a < b) {		/* the first >= lo */
		size_t m = a + (b - a) / 2;

		if (v[m] < lo)
			a = m + 1;
		else
			b = m;
	}
	first = a;
	b = n;
	while (a < b) {		/* the first > hi */
		size_t m = a + (b - a) / 2;

		if (v[m] <= hi)
			a = m + 1;
		else
			b = m;
	}
	last = a;
	return last - first;
}

long kt_busiest_mark(const struct kt_analysis *a, uint64_t domain, enum kt_mark_kind k,
		     double span_ms)
{
	uint64_t half = (uint64_t)(span_ms * 5e5), *marks, *holds;
	size_t nm = 0, nh = 0, best_score = 0;
	long best = -1;

	marks = malloc((a->nmark + 1) * sizeof(*marks));
	holds = malloc((a->niv + 1) * sizeof(*holds));
	if (!marks || !holds) {
		free(marks);
		free(holds);
		return -1;
	}
	/* The same marks, in the same order, as mark_ts() counts them. */
	for (size_t i = 0; i < a->nmark; i++)
		if (a->mark[i].kind == k &&
		    (!domain || a->thr[a->mark[i].thread].domain == domain))
			marks[nm++] = a->mark[i].ts;
	for (size_t i = 0; i < a->niv; i++)
		if (a->iv[i].state == KT_ST_HOLD &&
		    (!domain || a->thr[a->iv[i].thread].domain == domain))
			holds[nh++] = a->iv[i].start;
	qsort(holds, nh, sizeof(*holds), cmp_u64);
	{
		/* Sorted copies for counting; marks[] keeps mark_ts()'s order. */
		uint64_t *sorted = malloc((nm + 1) * sizeof(*sorted));

		if (sorted) {
			memcpy(sorted, marks, nm * sizeof(*sorted));
			qsort(sorted, nm, sizeof(*sorted), cmp_u64);
			for (size_t i = 0; i < nm; i++) {
				uint64_t lo = marks[i] > half ? marks[i] - half : 0;
				uint64_t hi = marks[i] + half;
				size_t score = KT_BUSY_MARK_WEIGHT * count_in(sorted, nm, lo, hi) +
					       count_in(holds, nh, lo, hi);

				if (score > best_score) {
					best_score = score;
					best = (long)i;
				}
			}
			free(sorted);
		}
	}
	free(marks);
	free(holds);
	return best;
}
