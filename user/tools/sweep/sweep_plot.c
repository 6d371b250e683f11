// SPDX-License-Identifier: GPL-2.0
/* `kgil sweep`'s pictures (sweep_plot.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/gnuplot.h"
#include "sweep/sweep_out.h"
#include "sweep/sweep_plot.h"

#define MAX_PICTURES 8

/* The points of one curve (a series and a second value), by first value. */
struct curve {
	int pts[SWEEP_MAX_POINTS];
	int n;
};

static int curve_key(const struct sweep *sw, const struct sweep_point *pt)
{
	return pt->series * (sw->npar > 1 ? sw->par[1].n : 1) + pt->idx[1];
}

/* Curve c's points in order of the first parameter's value. */
static void curve_of(const struct sweep *sw, int key, struct curve *c)
{
	c->n = 0;
	for (int i = 0; i < sw->npts; i++) {
		int j = c->n;

		if (curve_key(sw, &sw->pts[i]) != key || !sw->pts[i].nruns)
			continue;
		/* Insertion: a few dozen points at most. */
		while (j > 0 && sweep_value(sw, &sw->pts[c->pts[j - 1]], 0) >
				sweep_value(sw, &sw->pts[i], 0)) {
			c->pts[j] = c->pts[j - 1];
			j--;
		}
		c->pts[j] = i;
		c->n++;
	}
}

static int ncurves(const struct sweep *sw)
{
	return sw->nser * (sw->npar > 1 ? sw->par[1].n : 1);
}

/* The first parameter as plotted: times in microseconds. */
static double xval(const struct sweep *sw, const struct sweep_point *pt)
{
	double v = (double)sweep_value(sw, pt, 0);

	return sw->par[0].unit == SWEEP_TIME ? v / 1e3 : v;
}

static double med(const struct sweep_point *pt, const char *fig)
{
	const struct sweep_fig *f = sweep_figs_get(&pt->figs, fig);

	return f ? f->med : NAN;
}

/* Two decades or more of positive values: a log axis. */
static void axis_scale(FILE *f, const char *axis, double lo, double hi)
{
	if (lo > 0 && isfinite(hi) && hi / lo >= 100)
		fprintf(f, "set logscale %s\n", axis);
}

static void curve_title(FILE *f, const struct sweep *sw, const struct curve *c)
{
	char buf[160];

	sweep_curve_label(sw, &sw->pts[c->pts[0]], buf, sizeof(buf));
	fputs(" title ", f);
	gp_quote(f, buf);
}

/*
 * The plot command: a line a curve that has points, from the datablocks
 * $<block>0, $<block>1, ...; labels: each point's third column beside it.
 */
static int plot_curves(FILE *f, const struct sweep *sw, struct curve *c, char block,
		       const char *style, bool labels)
{
	const char *sep = "plot ";
	int drawn = 0;

	for (int k = 0; k < ncurves(sw); k++) {
		curve_of(sw, k, c);
		if (!c->n)
			continue;
		fprintf(f, "%s$%c%d using %s lw 2 pt 7 ps 1.1 lc rgb '%s'", sep, block, k,
			style, gp_colour(k));
		curve_title(f, sw, c);
		if (labels)
			fprintf(f, ", \\\n     $%c%d using 1:2:3 with labels offset char 0,0.9 "
				"font 'sans,9' tc rgb '%s' notitle", block, k, gp_colour(k));
		sep = ", \\\n     ";
		drawn++;
	}
	fputc('\n', f);
	return drawn;
}

int sweep_plot_figure(FILE *f, const struct sweep *sw, const char *fig, const char *out)
{
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	struct curve *c = malloc(sizeof(*c));
	char title[160];
	int drawn = 0;

	if (!c || !sw->npar) {
		free(c);
		return 0;
	}
	for (int i = 0; i < sw->npts; i++) {
		double x = xval(sw, &sw->pts[i]);
		const struct sweep_fig *y = sweep_figs_get(&sw->pts[i].figs, fig);

		if (!y || isnan(y->med))
			continue;
		xlo = fmin(xlo, x), xhi = fmax(xhi, x);
		ylo = fmin(ylo, y->min), yhi = fmax(yhi, y->max);
	}
	snprintf(title, sizeof(title), "%s: %s against --%s (median of %d, bars: min-max)",
		 sw->scenario, fig, sw->par[0].opt, sw->repeat);
	gp_head(f, out, 1000, 560, title);
	fprintf(f, "set xlabel '--%s%s%s'\nset ylabel ", sw->par[0].opt,
		sw->par[0].unit == SWEEP_TIME ? " (us" : "",
		sw->par[0].unit == SWEEP_TIME ? (xhi / xlo >= 100 ? ", log scale)" : ")") : "");
	gp_quote(f, fig);
	fputs("\nset key outside right top\nset offsets graph 0.03, graph 0.03, 0, 0\n", f);
	axis_scale(f, "x", xlo, xhi);
	axis_scale(f, "y", ylo, yhi);
	for (int k = 0; k < ncurves(sw); k++) {
		curve_of(sw, k, c);
		fprintf(f, "$c%d << EOD\n", k);
		for (int j = 0; j < c->n; j++) {
			const struct sweep_point *pt = &sw->pts[c->pts[j]];
			const struct sweep_fig *y = sweep_figs_get(&pt->figs, fig);

			if (y && !isnan(y->med))
				fprintf(f, "%.9g %.9g %.9g %.9g\n", xval(sw, pt), y->med, y->min,
					y->max);
		}
		fputs("EOD\n", f);
	}
	drawn = isfinite(xlo) ? plot_curves(f, sw, c, 'c', "1:2:3:4 with yerrorlines", false) : 0;
	free(c);
	return drawn;
}

int sweep_plot_tradeoff(FILE *f, const struct sweep *sw, const char *out)
{
	struct curve *c;
	char title[160];
	int drawn = 0;

	if (sweep_names_find(&sw->figs, "loaded_p50_us") < 0 ||
	    sweep_names_find(&sw->figs, "cpu_throughput_ratio") < 0 || !sw->npar)
		return 0;
	c = malloc(sizeof(*c));
	if (!c)
		return 0;
	snprintf(title, sizeof(title), "%s: I/O round trip against CPU throughput, "
		 "points labelled with --%s", sw->scenario, sw->par[0].opt);
	gp_head(f, out, 1000, 620, title);
	fputs("set xlabel 'cpu_throughput_ratio (CPU threads loaded / alone; right is better)'\n"
	      "set ylabel 'loaded_p50_us (I/O round trip beside the CPU threads, log; "
	      "down is better)'\n"
	      "set logscale y\nset key outside right top\n"
	      "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n", f);
	for (int k = 0; k < ncurves(sw); k++) {
		curve_of(sw, k, c);
		fprintf(f, "$t%d << EOD\n", k);
		for (int j = 0; j < c->n; j++) {
			const struct sweep_point *pt = &sw->pts[c->pts[j]];
			double x = med(pt, "cpu_throughput_ratio"), y = med(pt, "loaded_p50_us");
			char v[32];

			if (isnan(x) || isnan(y) || y <= 0)
				continue;
			sweep_value_str(sw, pt, 0, v, sizeof(v));
			fprintf(f, "%.9g %.9g \"%s\"\n", x, y, v);
		}
		fputs("EOD\n", f);
	}
	drawn = plot_curves(f, sw, c, 't', "1:2 with linespoints", true);
	free(c);
	return drawn;
}

/* Write one picture's script; a job to run if it has anything to draw. */
static int add_job(const struct sweep *sw, const char *dir, const char *name,
		   const char *fig, struct gp_job *job, char paths[][2][512], char *why)
{
	FILE *f;
	int drawn;

	snprintf(paths[0][0], sizeof(paths[0][0]), "%s/gnuplot/%s.gp", dir, name);
	snprintf(paths[0][1], sizeof(paths[0][1]), "%s/%s.png", dir, name);
	f = fopen(paths[0][0], "w");
	if (!f) {
		fprintf(stderr, "kgil sweep: %s: %s\n", paths[0][0], strerror(errno));
		return -1;
	}
	drawn = fig ? sweep_plot_figure(f, sw, fig, paths[0][1]) :
		      sweep_plot_tradeoff(f, sw, paths[0][1]);
	fclose(f);
	if (!drawn) {
		unlink(paths[0][0]);
		return 0;
	}
	*job = (struct gp_job){ paths[0][0], paths[0][1], why, 160 };
	return 1;
}

int sweep_plots(const struct sweep *sw, const char *dir)
{
	const char *const *mains = sweep_main_figures(sw->scenario);
	struct gp_job jobs[MAX_PICTURES];
	char paths[MAX_PICTURES][2][512], why[MAX_PICTURES][160], gpdir[512];
	int n = 0, failed = 0, ret;

	snprintf(gpdir, sizeof(gpdir), "%s/gnuplot", dir);
	if (mkdir(gpdir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "kgil sweep: %s: %s\n", gpdir, strerror(errno));
		return 1;
	}
	for (int k = 0; mains[k] && n < MAX_PICTURES - 1; k++) {
		if (sweep_names_find(&sw->figs, mains[k]) < 0)
			continue;
		ret = add_job(sw, dir, mains[k], mains[k], &jobs[n], &paths[n], why[n]);
		failed += ret < 0;
		n += ret > 0;
	}
	ret = add_job(sw, dir, "tradeoff", NULL, &jobs[n], &paths[n], why[n]);
	failed += ret < 0;
	n += ret > 0;
	if (!n)
		return failed;
	for (int i = 0; i < n; i++)
		why[i][0] = '\0';
	ret = gp_run_jobs(jobs, n);
	for (int i = 0; ret && i < n; i++)
		if (why[i][0])
			fprintf(stderr, "kgil sweep: no %s: %s\n", jobs[i].out, why[i]);
	return failed + ret;
}
