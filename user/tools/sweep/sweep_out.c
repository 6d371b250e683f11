// SPDX-License-Identifier: GPL-2.0
/* `kgil sweep`'s CSV, JSON and table (sweep_out.h). */
#include <math.h>
#include <string.h>

#include "support/json.h"
#include "support/result.h"
#include "sweep/sweep_out.h"

#define TABLE_WIDTH 100

static const struct {
	const char *scenario;
	const char *figs[6];
} main_figures[] = {
	{ "convoy", { "loaded_p50_us", "cpu_throughput_ratio", "loaded_p99_us",
		      "ratio_p50", NULL } },
	{ "cpu", { "ratio", "mean_switch_interval_us", "threaded_s", "syscalls", NULL } },
	{ "cext", { "max_speedup", NULL } },
	{ "io", { "speedup", "threaded_s", NULL } },
	{ "handoff", { "handoff_p50_us", "handoff_p99_us", "ratio", NULL } },
	{ "overhead", { "ratio", "ns_per_tick_locked", NULL } },
};

const char *const *sweep_main_figures(const char *scenario)
{
	static const char *const none[] = { NULL };

	for (size_t i = 0; i < sizeof(main_figures) / sizeof(main_figures[0]); i++)
		if (!strcmp(main_figures[i].scenario, scenario))
			return main_figures[i].figs;
	return none;
}

uint64_t sweep_value(const struct sweep *sw, const struct sweep_point *pt, int p)
{
	return sw->par[p].v[pt->idx[p]];
}

void sweep_value_str(const struct sweep *sw, const struct sweep_point *pt, int p,
		     char *buf, size_t len)
{
	sweep_fmt_value(buf, len, sw->par[p].unit, sweep_value(sw, pt, p));
}

static void label(const struct sweep *sw, const struct sweep_point *pt, int from,
		  char *buf, size_t len)
{
	const struct sweep_series *s = &sw->ser[pt->series];
	size_t n = (size_t)snprintf(buf, len, "%s %s", s->backend_name, s->policy_name);

	for (int p = from; p < sw->npar && n < len; p++) {
		char v[32];

		sweep_value_str(sw, pt, p, v, sizeof(v));
		n += (size_t)snprintf(buf + n, len - n, " %s=%s", sw->par[p].opt, v);
	}
}

void sweep_point_label(const struct sweep *sw, const struct sweep_point *pt,
		       char *buf, size_t len)
{
	label(sw, pt, 0, buf, len);
}

void sweep_curve_label(const struct sweep *sw, const struct sweep_point *pt,
		       char *buf, size_t len)
{
	label(sw, pt, 1, buf, len);
}

/* A CSV cell: a number, or nothing for NaN (not measured). */
static void cell(FILE *f, double v)
{
	if (isnan(v))
		fputs(",", f);
	else
		fprintf(f, ",%.6g", v);
}

/*
 * A figure that a parameter's column already names (the result repeats
 * the switch interval it ran with, cpu its threads): one column of that
 * name only, the parameter's; the JSON keeps the figure.
 */
static bool csv_figure(const struct sweep *sw, const char *fig)
{
	for (int p = 0; p < sw->npar; p++)
		if (!strcmp(sw->par[p].col, fig))
			return false;
	return true;
}

void sweep_write_csv(FILE *f, const struct sweep *sw)
{
	fputs("scenario,backend,policy", f);
	for (int p = 0; p < sw->npar; p++)
		fprintf(f, ",%s", sw->par[p].col);
	for (int k = 0; k < sw->figs.n; k++)
		if (csv_figure(sw, sw->figs.v[k]))
			fprintf(f, ",%s,%s_min,%s_max", sw->figs.v[k], sw->figs.v[k],
				sw->figs.v[k]);
	fputc('\n', f);
	for (int i = 0; i < sw->npts; i++) {
		const struct sweep_point *pt = &sw->pts[i];
		const struct sweep_series *s = &sw->ser[pt->series];

		fprintf(f, "%s,%s,%s", sw->scenario, s->backend_name, s->policy_name);
		for (int p = 0; p < sw->npar; p++)
			fprintf(f, ",%llu", (unsigned long long)sweep_value(sw, pt, p));
		for (int k = 0; k < sw->figs.n; k++) {
			const struct sweep_fig *fig = sweep_figs_get(&pt->figs, sw->figs.v[k]);

			if (!csv_figure(sw, sw->figs.v[k]))
				continue;
			cell(f, fig ? fig->med : NAN);
			cell(f, fig ? fig->min : NAN);
			cell(f, fig ? fig->max : NAN);
		}
		fputc('\n', f);
	}
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

void sweep_print_table(FILE *f, const struct sweep *sw)
{
	const char *const *mains = sweep_main_figures(sw->scenario);
	int wser = 6, wpar[SWEEP_MAX_PARAMS], wfig[6], nfig = 0, total;
	char buf[160];

	for (int i = 0; i < sw->npts; i++) {
		const struct sweep_series *s = &sw->ser[sw->pts[i].series];

		wser = max_int(wser, (int)(strlen(s->backend_name) + strlen(s->policy_name) + 1));
	}
	total = wser;
	for (int p = 0; p < sw->npar; p++) {
		wpar[p] = (int)strlen(sw->par[p].opt);
		for (int i = 0; i < sw->par[p].n; i++) {
			sweep_fmt_value(buf, sizeof(buf), sw->par[p].unit, sw->par[p].v[i]);
			wpar[p] = max_int(wpar[p], (int)strlen(buf));
		}
		total += 2 + wpar[p];
	}
	/* The main figures, as many as fit: each as wide as its name (>= 10). */
	while (mains[nfig] && nfig < 6) {
		wfig[nfig] = max_int(10, (int)strlen(mains[nfig]));
		if (total + 2 + wfig[nfig] > TABLE_WIDTH)
			break;
		total += 2 + wfig[nfig++];
	}
	fprintf(f, "%-*s", wser, "series");
	for (int p = 0; p < sw->npar; p++)
		fprintf(f, "  %*s", wpar[p], sw->par[p].opt);
	for (int k = 0; k < nfig; k++)
		fprintf(f, "  %*s", wfig[k], mains[k]);
	fputc('\n', f);
	for (int i = 0; i < sw->npts; i++) {
		const struct sweep_point *pt = &sw->pts[i];
		const struct sweep_series *s = &sw->ser[pt->series];

		snprintf(buf, sizeof(buf), "%s %s", s->backend_name, s->policy_name);
		fprintf(f, "%-*s", wser, buf);
		for (int p = 0; p < sw->npar; p++) {
			sweep_value_str(sw, pt, p, buf, sizeof(buf));
			fprintf(f, "  %*s", wpar[p], buf);
		}
		for (int k = 0; k < nfig; k++) {
			const struct sweep_fig *fig = sweep_figs_get(&pt->figs, mains[k]);

			if (!pt->nruns)
				fprintf(f, "  %*s", wfig[k], "failed");
			else if (!fig || isnan(fig->med))
				fprintf(f, "  %*s", wfig[k], "-");
			else
				fprintf(f, "  %*.4g", wfig[k], fig->med);
		}
		fputc('\n', f);
	}
}

static void put_params(struct res *root, const struct sweep *sw)
{
	struct res *params = res_arr(root, "params");

	for (int p = 0; p < sw->npar; p++) {
		struct res *o = res_obj(params, NULL), *vals;

		res_str(o, "option", sw->par[p].opt);
		res_str(o, "column", sw->par[p].col);
		res_str(o, "unit", sw->par[p].unit == SWEEP_TIME ? "ns" : "count");
		vals = res_arr(o, "values");
		for (int i = 0; i < sw->par[p].n; i++)
			res_int(vals, NULL, (int64_t)sw->par[p].v[i]);
	}
}

static void put_point(struct res *arr, struct sweep *sw, struct sweep_point *pt)
{
	const struct sweep_series *s = &sw->ser[pt->series];
	struct res *o = res_obj(arr, NULL), *params, *figs, *runs;

	res_str(o, "backend", s->backend_name);
	res_str(o, "policy", s->policy_name);
	params = res_obj(o, "params");
	for (int p = 0; p < sw->npar; p++)
		res_int(params, sw->par[p].col, (int64_t)sweep_value(sw, pt, p));
	res_int(o, "runs_ok", pt->nruns);
	res_int(o, "runs_failed", pt->failed);
	figs = res_obj(o, "figures");
	for (int k = 0; k < pt->figs.names.n; k++) {
		struct res *fo = res_obj(figs, pt->figs.names.v[k]);

		res_num(fo, "median", pt->figs.v[k].med);
		res_num(fo, "min", pt->figs.v[k].min);
		res_num(fo, "max", pt->figs.v[k].max);
	}
	runs = res_arr(o, "runs");
	for (int r = 0; r < pt->nruns; r++)
		res_adopt(runs, NULL, pt->runs[r]);
	pt->nruns = 0;
}

void sweep_write_json(FILE *f, struct sweep *sw)
{
	struct res *root = res_new_obj(), *arr;

	res_str(root, "scenario", sw->scenario);
	res_int(root, "repeat", sw->repeat);
	put_params(root, sw);
	arr = res_arr(root, "series");
	for (int s = 0; s < sw->nser; s++) {
		struct res *o = res_obj(arr, NULL);

		res_str(o, "backend", sw->ser[s].backend_name);
		res_str(o, "policy", sw->ser[s].policy_name);
	}
	arr = res_arr(root, "figures");
	for (int k = 0; k < sw->figs.n; k++)
		res_str(arr, NULL, sw->figs.v[k]);
	arr = res_arr(root, "points");
	for (int i = 0; i < sw->npts; i++)
		put_point(arr, sw, &sw->pts[i]);
	json_write(f, root, 2);
	res_free(root);
}
