// SPDX-License-Identifier: GPL-2.0
/*
 * The harness's pure parts (user/tools/support, linked from its room's
 * library): option parsing, the result tree and its medians,
 * percentiles, the JSON writer and the table printer.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/json.h"
#include "support/parse.h"
#include "support/result.h"
#include "support/stats.h"
#include "support/table.h"

/* Run fn(f) into a memory stream and return what it wrote (free it). */
static char *capture(void (*fn)(FILE *f, const void *arg), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	fn(f, arg);
	fclose(f);
	return buf;
}

Test(harness_parse, times_take_units_and_default_to_seconds)
{
	uint64_t v;

	cr_assert_eq(parse_time_ns("5ms", &v), 0);
	cr_assert_eq(v, 5000000);
	cr_assert_eq(parse_time_ns("250us", &v), 0);
	cr_assert_eq(v, 250000);
	cr_assert_eq(parse_time_ns("100ns", &v), 0);
	cr_assert_eq(v, 100);
	cr_assert_eq(parse_time_ns("0.5", &v), 0);
	cr_assert_eq(v, 500000000);
	cr_assert_eq(parse_time_ns("2s", &v), 0);
	cr_assert_eq(v, 2000000000);
	cr_assert_eq(parse_time_ns("5 ms", &v), -EINVAL);
	cr_assert_eq(parse_time_ns("-1ms", &v), -EINVAL);
	cr_assert_eq(parse_time_ns("ms", &v), -EINVAL);
	cr_assert_eq(parse_time_ns("5min", &v), -EINVAL);
	cr_assert_eq(parse_time_ns("", &v), -EINVAL);
	cr_assert_eq(parse_time_ns("1e30s", &v), -ERANGE);
}

Test(harness_parse, counts_reject_signs_and_junk)
{
	uint64_t v;

	cr_assert_eq(parse_u64("42", &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(parse_u64("-1", &v), -EINVAL);
	cr_assert_eq(parse_u64("+1", &v), -EINVAL);
	cr_assert_eq(parse_u64(" 1", &v), -EINVAL);
	cr_assert_eq(parse_u64("1x", &v), -EINVAL);
	cr_assert_eq(parse_u64("99999999999999999999999", &v), -EINVAL);
}

Test(harness_parse, cpu_lists)
{
	cpu_set_t s;

	cr_assert_eq(parse_cpus("0", &s), 0);
	cr_assert_eq(CPU_COUNT(&s), 1);
	cr_assert(CPU_ISSET(0, &s));
	cr_assert_eq(parse_cpus("0-2,5", &s), 0);
	cr_assert_eq(CPU_COUNT(&s), 4);
	cr_assert(CPU_ISSET(5, &s) && CPU_ISSET(1, &s) && !CPU_ISSET(3, &s));
	cr_assert_eq(parse_cpus("2-1", &s), -EINVAL);
	cr_assert_eq(parse_cpus("0,", &s), 0);
	cr_assert_eq(parse_cpus(",0", &s), -EINVAL);
	cr_assert_eq(parse_cpus("a", &s), -EINVAL);
	cr_assert_eq(parse_cpus("", &s), -EINVAL);
	cr_assert_eq(parse_cpus("100000", &s), -EINVAL);
}

Test(harness_parse, spinner_modes)
{
	enum spin_mode m;

	cr_assert_eq(parse_spin_mode("auto", &m), 0);
	cr_assert_eq(m, SPIN_AUTO);
	cr_assert_eq(parse_spin_mode("on", &m), 0);
	cr_assert_eq(m, SPIN_ON);
	cr_assert_eq(parse_spin_mode("off", &m), 0);
	cr_assert_eq(m, SPIN_OFF);
	cr_assert_eq(parse_spin_mode("yes", &m), -EINVAL);
	cr_assert_eq(parse_spin_mode("", &m), -EINVAL);
}

Test(harness_stats, median_and_percentiles)
{
	double odd[] = { 3, 1, 2 }, even[] = { 4, 1, 3, 2 };
	uint64_t v[100];

	cr_assert_eq(median(odd, 3), 2);
	cr_assert_eq(median(even, 4), 2.5);
	cr_assert(isnan(median(odd, 0)));
	for (int i = 0; i < 100; i++)
		v[i] = 100 - i;		/* 1..100, reversed */
	cr_assert_eq(percentile_u64(v, 100, 50), 50);
	cr_assert_eq(percentile_u64(v, 100, 99), 99);
	cr_assert_eq(percentile_u64(v, 100, 100), 100);
	cr_assert_eq(percentile_u64(v, 1, 99), v[0]);
	cr_assert_eq(percentile_u64(v, 0, 50), 0);
}

Test(harness_result, paths_reach_objects_and_array_elements)
{
	struct res *r = res_new_obj(), *arr, *o;

	res_num(r, "ratio", 1.5);
	o = res_obj(r, "io");
	res_int(res_obj(o, "tcp"), "n", 7);
	arr = res_arr(r, "points");
	res_num(res_obj(arr, NULL), "speedup", 1.1);
	res_num(res_obj(arr, NULL), "speedup", 1.9);
	res_num(r, "bad", NAN);
	cr_assert_eq(res_get_num(r, "ratio"), 1.5);
	cr_assert_eq(res_get_num(r, "io.tcp.n"), 7);
	cr_assert_eq(res_get_num(r, "points.1.speedup"), 1.9);
	cr_assert(isnan(res_get_num(r, "points.2.speedup")));
	cr_assert(isnan(res_get_num(r, "missing")));
	cr_assert_eq(res_get(r, "bad")->kind, RES_NULL);
	cr_assert_null(res_get(r, "rat"));
	res_free(r);
}

Test(harness_result, repeats_merge_into_medians)
{
	struct res *runs[3], *m;
	double vals[3] = { 3.0, 1.0, 2.0 };

	for (int i = 0; i < 3; i++) {
		runs[i] = res_new_obj();
		res_str(runs[i], "backend", "user-newgil");
		res_num(runs[i], "ratio", vals[i]);
		res_int(runs[i], "handoffs", 10 * (i + 1));
		res_num(res_obj(res_arr(runs[i], "points"), NULL), "speedup", vals[2 - i]);
	}
	res_null(runs[1], "x");
	res_null(runs[0], "x");
	res_null(runs[2], "x");
	m = res_median(runs, 3);
	cr_assert_eq(res_get_num(m, "ratio"), 2.0);
	cr_assert_eq(res_get(m, "handoffs")->kind, RES_INT);
	cr_assert_eq(res_get_num(m, "handoffs"), 20);
	cr_assert_eq(res_get_num(m, "points.0.speedup"), 2.0);
	cr_assert_str_eq(res_get(m, "backend")->str, "user-newgil");
	cr_assert_eq(res_get(m, "x")->kind, RES_NULL);
	for (int i = 0; i < 3; i++)
		res_free(runs[i]);
	res_free(m);
}

static void write_json(FILE *f, const void *arg)
{
	json_write(f, arg, 0);
}

Test(harness_json, escapes_and_nulls)
{
	struct res *r = res_new_obj();
	char *out;

	res_str(r, "s", "a\"b\\c\nd\x01");
	res_num(r, "nan", NAN);
	res_num(r, "x", 0.25);
	res_int(r, "i", -3);
	res_bool(r, "b", true);
	res_arr(r, "empty");
	out = capture(write_json, r);
	cr_assert_str_eq(out, "{\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"nan\":null,\"x\":0.25,"
			      "\"i\":-3,\"b\":true,\"empty\":[]}\n");
	free(out);
	res_free(r);
}

static void write_md(FILE *f, const void *arg)
{
	table_print(f, arg, true);
}

Test(harness_table, markdown_has_a_rule_under_the_header)
{
	struct table *t = table_new(2);
	char *out;

	table_add_row(t);
	table_set(t, 0, "k");
	table_set(t, 1, "value");
	table_add_row(t);
	table_set(t, 0, "%s", "ratio");
	table_set(t, 1, "%.1f", 1.5);
	out = capture(write_md, t);
	cr_assert_str_eq(out, "| k     | value |\n|-------|-------|\n| ratio | 1.5   |\n");
	free(out);
	table_free(t);
}
