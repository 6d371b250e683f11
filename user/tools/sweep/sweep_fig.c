// SPDX-License-Identifier: GPL-2.0
/* A sweep point's figures: median, min and max over its runs (sweep_fig.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/result.h"
#include "support/stats.h"
#include "sweep/sweep_fig.h"

/*
 * Every run of a sweep is a bench run with --repeat 1, so its own
 * "repeat" says 1 whatever the sweep's --repeat: not a figure.
 */
static const char *const not_figures[] = { "repeat" };

int sweep_names_find(const struct sweep_names *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return i;
	return -1;
}

void sweep_names_add(struct sweep_names *s, const char *name)
{
	if (sweep_names_find(s, name) >= 0)
		return;
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 32;
		char **v = realloc(s->v, (size_t)cap * sizeof(*v));

		if (!v)
			abort();
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = strdup(name);
	if (!s->v[s->n])
		abort();
	s->n++;
}

void sweep_names_free(struct sweep_names *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static bool is_figure(const char *path)
{
	for (size_t i = 0; i < sizeof(not_figures) / sizeof(not_figures[0]); i++)
		if (!strcmp(path, not_figures[i]))
			return false;
	return true;
}

/* The numbers' paths below r (prefix: r's own path, "" at the root). */
static void collect(const struct res *r, const char *prefix, struct sweep_names *out)
{
	for (const struct res *c = r->first; c; c = c->next) {
		char path[256];

		if (!c->key)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", c->key);
		if ((c->kind == RES_NUM || c->kind == RES_INT) && is_figure(path))
			sweep_names_add(out, path);
		else if (c->kind == RES_OBJ)
			collect(c, path, out);
	}
}

int sweep_figs_compute(struct res *const *runs, int n, struct sweep_figs *out)
{
	double *vals = calloc(n > 0 ? (size_t)n : 1, sizeof(*vals));

	memset(out, 0, sizeof(*out));
	if (!vals)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		collect(runs[i], "", &out->names);
	out->v = calloc(out->names.n ? (size_t)out->names.n : 1, sizeof(*out->v));
	if (!out->v) {
		free(vals);
		sweep_names_free(&out->names);
		return -ENOMEM;
	}
	for (int k = 0; k < out->names.n; k++) {
		struct sweep_fig *f = &out->v[k];
		int nv = 0;

		/* A run may have a null where another measured: skip it. */
		for (int i = 0; i < n; i++) {
			double x = res_get_num(runs[i], out->names.v[k]);

			if (!isnan(x))
				vals[nv++] = x;
		}
		f->med = median(vals, nv);	/* sorts: min and max at the ends */
		f->min = nv ? vals[0] : NAN;
		f->max = nv ? vals[nv - 1] : NAN;
	}
	free(vals);
	return 0;
}

const struct sweep_fig *sweep_figs_get(const struct sweep_figs *f, const char *name)
{
	int k = sweep_names_find(&f->names, name);

	return k < 0 ? NULL : &f->v[k];
}

void sweep_figs_free(struct sweep_figs *f)
{
	sweep_names_free(&f->names);
	free(f->v);
	memset(f, 0, sizeof(*f));
}
