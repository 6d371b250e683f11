// SPDX-License-Identifier: GPL-2.0
/*
 * The charts of the talks, redrawn from a run: Beazley's C-extension
 * speedup curve (2009, slide 104), his CPU-bound threads against
 * sequential (slide 80) and the system calls behind them (slides 96-97),
 * and the convoy of bpo-7946.  Every series is read from the result tree;
 * only the published figures beside them are constants.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support/gnuplot.h"
#include "reproduce/report_plots.h"
#include "reproduce/reproduce_rows.h"
#include "support/result.h"

/* The talks' figures (rows 2-4, 8 of docs/results.md), drawn as "published". */
#define PUB_CPU_2CPUS 1.85		/* Beazley 2009, slide 80: 45.5 / 24.6 s */
#define PUB_CPU_1CPU 1.54		/* 38.0 / 24.6 s */
#define PUB_PERETIN_2CPUS 1.48		/* Peretin 2013: 7.46 / 5.04 s */
#define PUB_SYS_SEQ 736.0		/* Beazley 2009, slides 96-97 (OS X) */
#define PUB_SYS_1CPU 3.3e6
#define PUB_SYS_2CPUS 9.5e6
#define PUB_CEXT_SPEEDUP 2.0		/* Beazley 2009, slide 104 */
#define PUB_CEXT_WORK_US 4.0
#define PUB_CONVOY_IDLE_US 14.0		/* CPython 3.11, 2 cores (row 8 of docs/results.md) */
#define PUB_CONVOY_LOADED_US 10200.0

#define MAX_COLS 8

/* A column that ran: its label, its experiments, its colour index. */
struct col {
	const char *label;
	const struct res *exp;
	int index;
};

static int ran_columns(const struct res *root, struct col *out)
{
	const struct res *cols = res_get(root, "columns");
	int n = 0, i = 0;

	for (const struct res *c = cols ? cols->first : NULL; c && n < MAX_COLS;
	     c = c->next, i++) {
		const struct res *label = res_get(c, "label"), *exp = res_get(c, "experiments");

		if (!label || label->kind != RES_STR || !exp || exp->kind != RES_OBJ ||
		    !exp->first)
			continue;
		out[n++] = (struct col){ label->str, exp, i };
	}
	return n;
}

/* ---- row 4: the speedup curve ----------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Work per call on a log axis, as Beazley's sizes grow geometrically;
 * 0 (no work at all) sits two octaves left of the smallest other size.
 */
static double cext_x(double us, double min_us)
{
	return us > 0 ? log2(us) : log2(min_us) - 2;
}

int plot_cext(FILE *f, const struct res *root, const char *out)
{
	struct col cols[MAX_COLS];
	int n = ran_columns(root, cols), drawn = 0, nsizes = 0;
	/* Room above the published 2x for the key. */
	double sizes[64], min_us = INFINITY, top = 3.1;
	const char *sep = "plot ";

	for (int c = 0; c < n; c++) {
		const struct res *pts = res_get(cols[c].exp, "cext.points");

		for (const struct res *p = pts ? pts->first : NULL; p; p = p->next) {
			double us = res_get_num(p, "work_ns") / 1e3;
			double s = res_get_num(p, "speedup");
			int k = 0;

			if (isnan(us) || isnan(s))
				continue;
			if (us > 0 && us < min_us)
				min_us = us;
			if (s * 1.1 > top)
				top = s * 1.1;
			while (k < nsizes && sizes[k] != us)
				k++;
			if (k == nsizes && nsizes < 64)
				sizes[nsizes++] = us;
		}
	}
	if (!nsizes)
		return 0;
	if (isinf(min_us))
		min_us = 1;
	qsort(sizes, (size_t)nsizes, sizeof(sizes[0]), cmp_double);
	gp_head(f, out, 1000, 560, "C extension calls that release the GIL: "
		"2 threads against 1 doing the same calls (row 4)");
	fputs("set xlabel 'work per call with the GIL released (us, log scale)'\n"
	      "set ylabel 'speedup: sequential time / threaded time'\n"
	      "set key top left box opaque\n", f);
	fprintf(f, "set yrange [0:%.2f]\nset xrange [%.3f:%.3f]\nset xtics (",
		top, cext_x(sizes[0], min_us) - 0.5, cext_x(sizes[nsizes - 1], min_us) + 0.5);
	for (int k = 0; k < nsizes; k++)
		fprintf(f, "%s\"%g\" %.3f", k ? ", " : "", sizes[k], cext_x(sizes[k], min_us));
	fputs(")\n", f);
	for (int c = 0; c < n; c++) {
		const struct res *pts = res_get(cols[c].exp, "cext.points");

		fprintf(f, "$c%d << EOD\n", c);
		for (const struct res *p = pts ? pts->first : NULL; p; p = p->next) {
			double us = res_get_num(p, "work_ns") / 1e3;
			double s = res_get_num(p, "speedup");

			if (!isnan(us) && !isnan(s))
				fprintf(f, "%.3f %.4f\n", cext_x(us, min_us), s);
		}
		fputs("EOD\n", f);
	}
	fprintf(f, "$pub << EOD\n%.3f %.2f\nEOD\n", log2(PUB_CEXT_WORK_US), PUB_CEXT_SPEEDUP);
	for (int c = 0; c < n; c++) {
		if (!res_get(cols[c].exp, "cext.points"))
			continue;
		fprintf(f, "%s$c%d using 1:2 with linespoints lw 2.5 pt 7 ps 1.3 lc rgb '%s' "
			"title ", sep, c, gp_colour(cols[c].index));
		gp_quote(f, cols[c].label);
		sep = ", \\\n     ";
		drawn++;
	}
	fprintf(f, "%s%.2f with lines dt 2 lw 2 lc rgb '#444444' notitle", sep,
		PUB_CEXT_SPEEDUP);
	fputs(", \\\n     $pub using 1:2 with linespoints dt 2 lw 2 pt 12 ps 3 lc rgb '#000000' "
	      "title 'published: ~2x at ~4 us (Beazley 2009, slide 104)', \\\n"
	      "     1 with lines dt 3 lc rgb '#888888' notitle\n", f);
	return drawn;
}

/* ---- rows 2-3: bars per lock ------------------------------------------- */

#define MAX_GROUPS (2 + MAX_COLS)

/*
 * One series of bars: a place (slot) in every group, and a value per
 * group (NaN: no bar there).  The talks' figures are series of their
 * own, hatched, in the published groups.
 */
struct series {
	const char *title;	/* NULL: not in the key */
	const char *rgb;
	bool published;
	int slot;
	double v[MAX_GROUPS];
};

struct bars {
	int nslots, ngroups;
	double floor;		/* where bars start: 0, or 1 on a log axis */
	void (*fmt)(char *buf, size_t len, double v);
};

static void series_init(struct series *s, const char *title, const char *rgb,
			bool published, int slot)
{
	*s = (struct series){ title, rgb, published, slot, { 0 } };
	for (int g = 0; g < MAX_GROUPS; g++)
		s->v[g] = NAN;
}

/* Each series as a datablock (a row per bar), then one plot command
 * drawing the bars and the value over each; the caller ends the command. */
static void bar_chart(FILE *f, const struct bars *b, const struct series *ser, int nser)
{
	double width = 0.8 / b->nslots;
	const char *sep = "plot ";

	for (int i = 0; i < nser; i++) {
		fprintf(f, "$s%d << EOD\n", i);
		for (int g = 0; g < b->ngroups; g++) {
			double x = g + (ser[i].slot - (b->nslots - 1) / 2.0) * width;
			double y = ser[i].v[g];
			char lab[32];

			if (isnan(y))
				continue;
			b->fmt(lab, sizeof(lab), y);
			fprintf(f, "%.4f %.6g %.4f %.4f %.6g %.6g \"%s\"\n", x, y,
				x - width * 0.45, x + width * 0.45, b->floor,
				y < b->floor ? b->floor : y, lab);
		}
		/* gnuplot cannot plot an empty datablock: a point off the chart. */
		fprintf(f, "-100 %g -100 -100 %g %g \"\"\nEOD\n", b->floor + 1, b->floor,
			b->floor + 1);
	}
	for (int i = 0; i < nser; i++) {
		fprintf(f, "%s$s%d using 1:2:3:4:5:6 with boxxyerror %s lc rgb '%s' ", sep, i,
			ser[i].published ? "fs pattern 4 border lc rgb '#333333'" :
			"fs solid 0.9 noborder", ser[i].rgb);
		if (ser[i].title) {
			fputs("title ", f);
			gp_quote(f, ser[i].title);
		} else {
			fputs("notitle", f);
		}
		sep = ", \\\n     ";
	}
	for (int i = 0; i < nser; i++)
		fprintf(f, "%s$s%d using 1:2:7 with labels offset 0,0.7 font 'sans,9' notitle",
			sep, i);
}

/* Group labels: the published groups first, then a group per column. */
static void xtics_groups(FILE *f, const char *const *pub, int npub, const struct col *cols,
			 int n)
{
	fputs("set xtics (", f);
	for (int g = 0; g < npub; g++)
		fprintf(f, "%s\"%s\\n(published)\" %d", g ? ", " : "", pub[g], g);
	for (int c = 0; c < n; c++) {
		fprintf(f, "%s", npub + c ? ", " : "");
		gp_quote(f, cols[c].label);
		fprintf(f, " %d", npub + c);
	}
	/* Two-line labels under the published groups need the room. */
	fprintf(f, ")\nset xtics scale 0\nset bmargin 5\nset xrange [-0.6:%.1f]\n",
		npub + n - 0.4);
}

static void fmt_ratio(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.2fx", v);
}

int plot_cpu(FILE *f, const struct res *root, const char *out)
{
	static const char *const pub[] = { "Beazley 2009", "Peretin 2013" };
	struct col cols[MAX_COLS];
	int n = ran_columns(root, cols), drawn = 0;
	struct series ser[4];
	struct bars b = { .nslots = 2, .ngroups = 2 + n, .fmt = fmt_ratio };
	double top = 2.2;

	series_init(&ser[0], "1 CPU", "#7fa7d6", false, 0);
	series_init(&ser[1], "2 CPUs", "#1f4e89", false, 1);
	series_init(&ser[2], "published, 1 CPU", "#7fa7d6", true, 0);
	series_init(&ser[3], "published, 2 CPUs", "#1f4e89", true, 1);
	ser[2].v[0] = PUB_CPU_1CPU;
	ser[3].v[0] = PUB_CPU_2CPUS;
	ser[3].v[1] = PUB_PERETIN_2CPUS;
	for (int c = 0; c < n; c++) {
		ser[0].v[2 + c] = res_get_num(cols[c].exp, "cpu_1cpu.ratio");
		ser[1].v[2 + c] = res_get_num(cols[c].exp, "cpu_all.ratio");
		drawn += !isnan(ser[0].v[2 + c]) || !isnan(ser[1].v[2 + c]);
		for (int s = 0; s < 2; s++)
			if (ser[s].v[2 + c] * 1.15 > top)
				top = ser[s].v[2 + c] * 1.15;
	}
	if (!drawn)
		return 0;
	gp_head(f, out, 1000, 560, "2 CPU-bound threads against the same work done "
		"sequentially (rows 2a-2c)");
	fputs("set ylabel 'threaded time / sequential time (> 1: threads slower)'\n"
	      "set key top right box opaque\n", f);
	fprintf(f, "set yrange [0:%.2f]\n", top);
	xtics_groups(f, pub, 2, cols, n);
	bar_chart(f, &b, ser, 4);
	fputs(", \\\n     1 with lines dt 2 lc rgb '#666666' title 'as fast as sequential'\n",
	      f);
	return drawn;
}

int plot_syscalls(FILE *f, const struct res *root, const char *out)
{
	static const char *const pub[] = { "Beazley 2009, OS X" };
	static const char *const keys[] = {
		"cpu_1cpu.sequential_syscalls", "cpu_1cpu.syscalls",
		"cpu_all.sequential_syscalls", "cpu_all.syscalls",
	};
	static const struct { const char *title, *rgb; } look[] = {
		{ "sequential, 1 CPU", "#b7b7b7" }, { "2 threads, 1 CPU", "#f08a4b" },
		{ "sequential, 2 CPUs", "#7d7d7d" }, { "2 threads, 2 CPUs", "#b2182b" },
	};
	/* One sequential run on OS X: 736 Unix system calls, whatever the CPUs;
	 * threaded, millions of Mach calls. */
	static const double published[] = { PUB_SYS_SEQ, PUB_SYS_1CPU, PUB_SYS_SEQ,
					    PUB_SYS_2CPUS };
	struct col cols[MAX_COLS];
	int n = ran_columns(root, cols), drawn = 0;
	struct series ser[8];
	struct bars b = { .nslots = 4, .ngroups = 1 + n, .floor = 1, .fmt = repro_fmt_count };
	double top = PUB_SYS_2CPUS;

	for (int s = 0; s < 4; s++) {
		series_init(&ser[s], look[s].title, look[s].rgb, false, s);
		series_init(&ser[4 + s], s ? NULL : "published (Beazley 2009, slides 96-97)",
			    look[s].rgb, true, s);
		ser[4 + s].v[0] = published[s];
	}
	for (int c = 0; c < n; c++) {
		bool any = false;

		for (int s = 0; s < 4; s++) {
			double x = res_get_num(cols[c].exp, keys[s]);

			ser[s].v[1 + c] = x;
			any |= !isnan(x);
			if (x > top)
				top = x;
		}
		drawn += any;
	}
	if (!drawn)
		return 0;
	gp_head(f, out, 1000, 560, "System calls made by the same work: sequential "
		"against 2 threads (rows 3a, 3b)");
	fputs("set ylabel 'system calls in the phase (log scale)'\n"
	      "set logscale y\nset format y '%.0s%c'\n"
	      "set key top right box opaque\n", f);
	fprintf(f, "set yrange [1:%.3g]\n", top * 30);
	xtics_groups(f, pub, 1, cols, n);
	bar_chart(f, &b, ser, 8);
	fputc('\n', f);
	return drawn;
}

/* ---- row 8: the convoy's round trips ------------------------------------ */

/* The CDF of an array of samples (us), as "x y" rows. */
static int cdf_block(FILE *f, const char *name, const struct res *arr, double *lo,
		     double *hi)
{
	double v[4096];
	int n = 0;

	for (const struct res *e = arr ? arr->first : NULL; e && n < 4096; e = e->next)
		if (e->kind == RES_NUM || e->kind == RES_INT)
			v[n++] = e->kind == RES_NUM ? e->num : (double)e->i;
	if (!n)
		return 0;
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	fprintf(f, "%s << EOD\n", name);
	/* A step per sample: the fraction of round trips this fast or faster. */
	fprintf(f, "%.3f 0\n", v[0]);
	for (int i = 0; i < n; i++)
		fprintf(f, "%.3f %.5f\n", v[i], (i + 1.0) / n);
	fputs("EOD\n", f);
	if (v[0] < *lo)
		*lo = v[0];
	if (v[n - 1] > *hi)
		*hi = v[n - 1];
	return n;
}

static int n_series(bool (*has)[2], int n)
{
	int k = 0;

	for (int c = 0; c < n; c++)
		k += has[c][0] + has[c][1];
	return k;
}

int plot_convoy(FILE *f, const struct res *root, const char *out)
{
	struct col cols[MAX_COLS];
	int n = ran_columns(root, cols), drawn = 0;
	bool has[MAX_COLS][2] = { { false } };
	double lo = PUB_CONVOY_IDLE_US, hi = PUB_CONVOY_LOADED_US, interval_us = NAN;
	char name[16], title[96];
	const char *sep = "plot ";

	/* Datablocks go first: gnuplot reads them before the plot command. */
	fputs("# data\n", f);
	for (int c = 0; c < n; c++) {
		snprintf(name, sizeof(name), "$i%d", c);
		has[c][0] = cdf_block(f, name, res_get(cols[c].exp, "convoy.idle_rtt_us"), &lo,
				      &hi) > 0;
		snprintf(name, sizeof(name), "$l%d", c);
		has[c][1] = cdf_block(f, name, res_get(cols[c].exp, "convoy.loaded_rtt_us"),
				      &lo, &hi) > 0;
		drawn += has[c][0] || has[c][1];
		if (isnan(interval_us))
			interval_us = res_get_num(cols[c].exp, "convoy.switch_interval_ns") / 1e3;
	}
	if (!drawn)
		return 0;
	gp_head(f, out, 1000, 620, "The convoy: an I/O thread's round trips (log scale), "
		"alone and beside a CPU-bound thread (row 8)");
	/* No x label: gnuplot sets it over a key below; the tics say "ms". */
	fputs("set ylabel 'fraction of round trips this fast or faster'\n"
	      "set logscale x\nset yrange [0:1.02]\n"
	      "set xtics ('1 us' 1, '10 us' 10, '100 us' 100, '1 ms' 1000, '10 ms' 10000, "
	      "'100 ms' 100000, '1 s' 1000000)\n"
	      "set grid xtics ytics lc rgb '#dddddd'\n"
	      "set key below vertical Left reverse\n", f);
	/* Two columns of key: a line per series and the published medians. */
	fprintf(f, "set key maxrows %d\n", (n_series(has, n) + 2) / 2);
	fprintf(f, "set xrange [%.3g:%.3g]\n", lo / 2, hi * 2);
	fprintf(f, "$pub << EOD\n%g 0.5\n%g 0.5\nEOD\n", PUB_CONVOY_IDLE_US,
		PUB_CONVOY_LOADED_US);
	if (!isnan(interval_us))
		fprintf(f, "set arrow from %g, graph 0 to %g, graph 1 nohead dt 3 lw 1.5 "
			"lc rgb '#555555'\nset label 'switch interval %g ms' at %g, graph 0.04 "
			"left offset 0.5,0 font 'sans,9' tc rgb '#555555'\n", interval_us,
			interval_us, interval_us / 1e3, interval_us);
	for (int c = 0; c < n; c++) {
		for (int k = 0; k < 2; k++) {
			if (!has[c][k])
				continue;
			snprintf(title, sizeof(title), "%s, %s", cols[c].label,
				 k ? "beside a CPU thread" : "alone");
			fprintf(f, "%s$%c%d using 1:2 with steps lw %s %s lc rgb '%s' title ", sep,
				k ? 'l' : 'i', c, k ? "2.5" : "1.5", k ? "dt 1" : "dt 2",
				gp_colour(cols[c].index));
			gp_quote(f, title);
			sep = ", \\\n     ";
		}
	}
	fprintf(f, "%s$pub using 1:2 with points pt 3 ps 2.5 lw 2 lc rgb '#000000' "
		"title 'published medians (CPython 3.11): 14 us, 10.2 ms'\n",
		sep);
	return drawn;
}
