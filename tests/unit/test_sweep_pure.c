// SPDX-License-Identifier: GPL-2.0
/*
 * `kgil sweep`'s pure parts (user/tools/sweep, linked from its room's
 * library): the grid parser, the figures' median, min and max over a
 * point's runs, and the CSV and table.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/parse.h"
#include "support/result.h"
#include "sweep/sweep_fig.h"
#include "sweep/sweep_grid.h"
#include "sweep/sweep_out.h"

/* Parse spec; the values, and their count in *n (free the array). */
static uint64_t *grid(const char *spec, enum sweep_unit unit, int *n)
{
	uint64_t *v;
	char err[256] = "";

	cr_assert_eq(sweep_grid_parse(spec, unit, &v, n, err, sizeof(err)), 0,
		     "'%s': %s", spec, err);
	return v;
}

static void expect(const char *spec, enum sweep_unit unit, const uint64_t *want, int nwant)
{
	int n;
	uint64_t *v = grid(spec, unit, &n);

	cr_assert_eq(n, nwant, "'%s': %d values, not %d", spec, n, nwant);
	for (int i = 0; i < n; i++)
		cr_assert_eq(v[i], want[i], "'%s'[%d]: %llu, not %llu", spec, i,
			     (unsigned long long)v[i], (unsigned long long)want[i]);
	free(v);
}

/* spec is refused with ret, and the message names the item and says why. */
static void refused(const char *spec, enum sweep_unit unit, int ret, const char *item,
		    const char *why)
{
	uint64_t *v = (uint64_t *)1;
	int n = 7;
	char err[256] = "";
	char named[64];

	cr_assert_eq(sweep_grid_parse(spec, unit, &v, &n, err, sizeof(err)), ret,
		     "'%s' not refused with %d: %s", spec, ret, err);
	cr_assert_null(v);
	cr_assert_eq(n, 0);
	cr_assert_null(strchr(err, '\n'), "one line: %s", err);
	snprintf(named, sizeof(named), "'%s'", item);
	cr_assert_not_null(strstr(err, named), "'%s': %s does not name %s", spec, err, named);
	cr_assert_not_null(strstr(err, why), "'%s': '%s' does not say '%s'", spec, err, why);
}

Test(sweep_grid, values_take_the_options_units)
{
	expect("5ms", SWEEP_TIME, (uint64_t[]){ 5000000 }, 1);
	expect("1us,10us,100us,1ms,5ms,20ms", SWEEP_TIME,
	       (uint64_t[]){ 1000, 10000, 100000, 1000000, 5000000, 20000000 }, 6);
	expect("250ns,1.5us,0.5,2s", SWEEP_TIME,
	       (uint64_t[]){ 250, 1500, 500000000, 2000000000 }, 4);
	expect("4,1,2", SWEEP_COUNT, (uint64_t[]){ 4, 1, 2 }, 3);
}

Test(sweep_grid, integer_ranges_step_one_or_as_given)
{
	expect("1..8", SWEEP_COUNT, (uint64_t[]){ 1, 2, 3, 4, 5, 6, 7, 8 }, 8);
	expect("1..8:2", SWEEP_COUNT, (uint64_t[]){ 1, 3, 5, 7 }, 4);
	expect("0..9:3", SWEEP_COUNT, (uint64_t[]){ 0, 3, 6, 9 }, 4);
	expect("5..5", SWEEP_COUNT, (uint64_t[]){ 5 }, 1);
	expect("1,4..6", SWEEP_COUNT, (uint64_t[]){ 1, 4, 5, 6 }, 4);
}

Test(sweep_grid, time_ranges_take_a_step_with_a_unit)
{
	expect("1ms..5ms:1ms", SWEEP_TIME,
	       (uint64_t[]){ 1000000, 2000000, 3000000, 4000000, 5000000 }, 5);
	expect("100us..1ms:300us", SWEEP_TIME,
	       (uint64_t[]){ 100000, 400000, 700000, 1000000 }, 4);
	expect("1us,5ms..15ms:5ms", SWEEP_TIME,
	       (uint64_t[]){ 1000, 5000000, 10000000, 15000000 }, 4);
}

Test(sweep_grid, geometric_ranges_multiply_up_to_the_end)
{
	expect("1us..10ms*10", SWEEP_TIME,
	       (uint64_t[]){ 1000, 10000, 100000, 1000000, 10000000 }, 5);
	expect("1..100*3", SWEEP_COUNT, (uint64_t[]){ 1, 3, 9, 27, 81 }, 5);
	expect("1..8*2", SWEEP_COUNT, (uint64_t[]){ 1, 2, 4, 8 }, 4);
	expect("1ms..4ms*1.5", SWEEP_TIME,
	       (uint64_t[]){ 1000000, 1500000, 2250000, 3375000 }, 4);
}

Test(sweep_grid, up_to_a_thousand_values)
{
	int n;
	uint64_t *v = grid("1..1000", SWEEP_COUNT, &n);

	cr_assert_eq(n, 1000);
	cr_assert_eq(v[999], 1000);
	free(v);
}

Test(sweep_grid, bad_items_are_named)
{
	refused("5xs", SWEEP_TIME, -EINVAL, "5xs", "not a time");
	refused("1us,2qs", SWEEP_TIME, -EINVAL, "2qs", "not a time");
	refused("1us,,2us", SWEEP_TIME, -EINVAL, "", "empty item");
	refused("1,2,", SWEEP_COUNT, -EINVAL, "", "empty item");
	refused("", SWEEP_COUNT, -EINVAL, "", "empty item");
	refused("5ms", SWEEP_COUNT, -EINVAL, "5ms", "not a whole number");
	refused("-3", SWEEP_COUNT, -EINVAL, "-3", "not a whole number");
	refused("8..1", SWEEP_COUNT, -EINVAL, "8..1", "reversed");
	refused("20ms..1ms*10", SWEEP_TIME, -EINVAL, "20ms..1ms*10", "reversed");
	refused("1..8*0", SWEEP_COUNT, -EINVAL, "1..8*0", "factor must be above 1");
	refused("1..8*-2", SWEEP_COUNT, -EINVAL, "1..8*-2", "factor must be above 1");
	refused("1..8*1", SWEEP_COUNT, -EINVAL, "1..8*1", "factor must be above 1");
	refused("1..8*x", SWEEP_COUNT, -EINVAL, "1..8*x", "not a number");
	refused("0..8*2", SWEEP_COUNT, -EINVAL, "0..8*2", "cannot start at 0");
	refused("1..8:0", SWEEP_COUNT, -EINVAL, "1..8:0", "step must be above 0");
	refused("1ms..5ms", SWEEP_TIME, -EINVAL, "1ms..5ms", "needs :STEP or *FACTOR");
	refused("1..", SWEEP_COUNT, -EINVAL, "1..", "a value is missing");
	refused("1ms..2ms:1xs", SWEEP_TIME, -EINVAL, "1ms..2ms:1xs", "not a time");
}

Test(sweep_grid, too_many_values_are_refused)
{
	refused("1..1001", SWEEP_COUNT, -E2BIG, "1..1001", "too many values");
	refused("1..100000000000", SWEEP_COUNT, -E2BIG, "1..100000000000", "too many");
	refused("1ns..1s*1.01", SWEEP_TIME, -E2BIG, "1ns..1s*1.01", "too many");
	refused("1..600,1..600", SWEEP_COUNT, -E2BIG, "1..600,1..600", "too many");
}

Test(sweep_grid, values_print_as_the_option_takes_them)
{
	static const struct { uint64_t v; const char *s; } t[] = {
		{ 1000, "1us" }, { 5000000, "5ms" }, { 1500, "1500ns" },
		{ 2000000000, "2s" }, { 0, "0ns" }, { 250000, "250us" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t back;

		sweep_fmt_value(buf, sizeof(buf), SWEEP_TIME, t[i].v);
		cr_assert_str_eq(buf, t[i].s);
		cr_assert_eq(parse_time_ns(buf, &back), 0);
		cr_assert_eq(back, t[i].v);
	}
	sweep_fmt_value(buf, sizeof(buf), SWEEP_COUNT, 7);
	cr_assert_str_eq(buf, "7");
}

/* Three runs of one point, as bench results; a null where one did not measure. */
static void three_runs(struct res *runs[3])
{
	static const double a[3] = { 3, 1, 2 }, x[3] = { 1, 2, 4 };

	for (int i = 0; i < 3; i++) {
		struct res *o, *arr;

		runs[i] = res_new_obj();
		res_str(runs[i], "scenario", "convoy");
		res_int(runs[i], "repeat", 1);
		res_num(runs[i], "loaded_p50_us", a[i] * 1000);
		if (i == 1)
			res_null(runs[i], "cpu_throughput_ratio");
		else
			res_num(runs[i], "cpu_throughput_ratio", i ? 0.9 : 0.5);
		o = res_obj(runs[i], "tcp");
		res_num(o, "speedup", x[i]);
		arr = res_arr(runs[i], "loaded_rtt_us");
		res_num(arr, NULL, 5);
		res_int(runs[i], "switch_interval_ns", 1000000);
	}
}

Test(sweep_figures, median_min_max_of_every_number)
{
	struct res *runs[3];
	struct sweep_figs f;
	const struct sweep_fig *g;

	three_runs(runs);
	cr_assert_eq(sweep_figs_compute(runs, 3, &f), 0);
	/* Numbers through objects, in order; not arrays, not "repeat". */
	cr_assert_eq(f.names.n, 4);
	cr_assert_str_eq(f.names.v[0], "loaded_p50_us");
	cr_assert_str_eq(f.names.v[1], "cpu_throughput_ratio");
	cr_assert_str_eq(f.names.v[2], "tcp.speedup");
	cr_assert_str_eq(f.names.v[3], "switch_interval_ns");
	g = sweep_figs_get(&f, "loaded_p50_us");
	cr_assert_float_eq(g->med, 2000, 1e-9);
	cr_assert_float_eq(g->min, 1000, 1e-9);
	cr_assert_float_eq(g->max, 3000, 1e-9);
	/* The null run is left out: the median of two is their mean. */
	g = sweep_figs_get(&f, "cpu_throughput_ratio");
	cr_assert_float_eq(g->med, 0.7, 1e-9);
	cr_assert_float_eq(g->min, 0.5, 1e-9);
	cr_assert_float_eq(g->max, 0.9, 1e-9);
	g = sweep_figs_get(&f, "tcp.speedup");
	cr_assert_float_eq(g->med, 2, 1e-9);
	cr_assert_null(sweep_figs_get(&f, "repeat"));
	cr_assert_null(sweep_figs_get(&f, "loaded_rtt_us"));
	sweep_figs_free(&f);
	for (int i = 0; i < 3; i++)
		res_free(runs[i]);
}

/* A sweep of 2 series x 2 switch intervals, each point the same three runs. */
static void small_sweep(struct sweep *sw, uint64_t vals[2])
{
	memset(sw, 0, sizeof(*sw));
	sw->scenario = "convoy";
	sw->repeat = 3;
	sw->npar = 1;
	sw->par[0] = (struct sweep_param){ .opt = "switch-interval",
					   .col = "switch_interval_ns",
					   .unit = SWEEP_TIME, .v = vals, .n = 2 };
	sw->nser = 2;
	strcpy(sw->ser[0].backend_name, "kernel");
	strcpy(sw->ser[0].policy_name, "newgil");
	strcpy(sw->ser[1].backend_name, "kernel");
	strcpy(sw->ser[1].policy_name, "ioprio");
	sw->npts = 4;
	sw->pts = calloc(4, sizeof(*sw->pts));
	for (int k = 0; k < 4; k++) {
		struct res *runs[3];

		sw->pts[k].series = k / 2;
		sw->pts[k].idx[0] = k % 2;
		three_runs(runs);
		sweep_figs_compute(runs, 3, &sw->pts[k].figs);
		for (int i = 0; i < 3; i++)
			res_free(runs[i]);
		for (int i = 0; i < sw->pts[k].figs.names.n; i++)
			sweep_names_add(&sw->figs, sw->pts[k].figs.names.v[i]);
		sw->pts[k].nruns = 3;
	}
}

static void free_small(struct sweep *sw)
{
	for (int k = 0; k < sw->npts; k++)
		sweep_figs_free(&sw->pts[k].figs);
	free(sw->pts);
	sweep_names_free(&sw->figs);
}

Test(sweep_out, csv_has_a_row_a_point_and_median_min_max)
{
	uint64_t vals[2] = { 1000, 5000000 };
	struct sweep sw;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	small_sweep(&sw, vals);
	sweep_write_csv(f, &sw);
	fclose(f);
	/* The parameter's column once: the result's own switch_interval_ns is not repeated. */
	cr_assert_str_eq(buf,
		"scenario,backend,policy,switch_interval_ns,"
		"loaded_p50_us,loaded_p50_us_min,loaded_p50_us_max,"
		"cpu_throughput_ratio,cpu_throughput_ratio_min,cpu_throughput_ratio_max,"
		"tcp.speedup,tcp.speedup_min,tcp.speedup_max\n"
		"convoy,kernel,newgil,1000,2000,1000,3000,0.7,0.5,0.9,2,1,4\n"
		"convoy,kernel,newgil,5000000,2000,1000,3000,0.7,0.5,0.9,2,1,4\n"
		"convoy,kernel,ioprio,1000,2000,1000,3000,0.7,0.5,0.9,2,1,4\n"
		"convoy,kernel,ioprio,5000000,2000,1000,3000,0.7,0.5,0.9,2,1,4\n");
	free(buf);
	free_small(&sw);
}

Test(sweep_out, table_fits_in_100_columns)
{
	uint64_t vals[2] = { 1000, 5000000 };
	struct sweep sw;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int lines = 0;

	small_sweep(&sw, vals);
	sweep_print_table(f, &sw);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cr_assert_leq(strlen(line), 100, "too wide: %s", line);
		lines++;
	}
	cr_assert_eq(lines, 5);
	free(buf);
	free_small(&sw);
}
