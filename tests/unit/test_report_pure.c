// SPDX-License-Identifier: GPL-2.0
/*
 * The report's pure parts (user/tools/support and reproduce, linked from
 * their rooms' libraries): the JSON reader, base64 and HTML escaping, the
 * narrow table and its wrapping, the time left, and the charts' gnuplot
 * scripts (written, not run).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/gnuplot.h"
#include "support/result.h"
#include "support/table.h"
#include "support/html.h"
#include "support/json_read.h"
#include "support/progress.h"
#include "reproduce/report_plots.h"
#include "reproduce/report_text.h"
#include "reproduce/reproduce_rows.h"
#include "support/json.h"
#include "trace/trace_timeline.h"

/* What fn wrote to a memory stream (free it). */
#define CAPTURE(buf, stmt)                                              \
	do {                                                            \
		size_t len_ = 0;                                        \
		FILE *f = open_memstream(&(buf), &len_);                \
		cr_assert_not_null(f);                                  \
		stmt;                                                   \
		fclose(f);                                              \
	} while (0)

/* The longest line of s. */
static int widest(const char *s)
{
	int w = 0, n = 0;

	for (; *s; s++) {
		if (*s == '\n') {
			w = n > w ? n : w;
			n = 0;
		} else {
			n++;
		}
	}
	return n > w ? n : w;
}

Test(report_json, reads_what_the_writer_writes)
{
	struct res *r = res_new_obj(), *back, *arr;
	char *a = NULL, *b = NULL, err[128];

	res_str(r, "s", "quote \" backslash \\ tab \t é");
	res_int(r, "i", -9007199254740993LL);
	res_num(r, "x", 0.125);
	res_null(r, "n");
	res_bool(r, "t", true);
	arr = res_arr(r, "a");
	res_num(res_obj(arr, NULL), "speedup", 1.5);
	res_arr(arr, NULL);
	CAPTURE(a, json_write(f, r, 2));
	back = json_parse(a, err, sizeof(err));
	cr_assert_not_null(back, "%s", err);
	CAPTURE(b, json_write(f, back, 2));
	cr_assert_str_eq(a, b);
	cr_assert_eq(res_get(back, "i")->kind, RES_INT);
	cr_assert_eq(res_get(back, "i")->i, -9007199254740993LL);
	cr_assert_float_eq(res_get_num(back, "a.0.speedup"), 1.5, 1e-12);
	free(a);
	free(b);
	res_free(r);
	res_free(back);
}

Test(report_json, decodes_escapes_and_surrogates)
{
	char err[128];
	struct res *r = json_parse("{\"k\": \"\\u00e9\\ud83d\\ude00\\/\\n\", \"e\": 1e3}",
				   err, sizeof(err));

	cr_assert_not_null(r, "%s", err);
	cr_assert_str_eq(res_get(r, "k")->str, "\xc3\xa9\xf0\x9f\x98\x80/\n");
	cr_assert_eq(res_get(r, "e")->kind, RES_NUM);
	cr_assert_float_eq(res_get_num(r, "e"), 1000.0, 1e-9);
	res_free(r);
}

Test(report_json, rejects_what_is_not_json)
{
	static const char *const bad[] = {
		"", "[]", "{", "{\"a\" 1}", "{\"a\": 1,}", "{\"a\": 01}", "{\"a\": .5}",
		"{\"a\": 0x10}", "{\"a\": inf}", "{\"a\": \"x}", "{\"a\": \"\\q\"}",
		"{\"a\": \"\\u0000\"}", "{\"a\": \"\\ud800\"}", "{\"a\": tru}", "{} x",
		"{\"a\": \"tab\there\"}",
	};
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct res *r = json_parse(bad[i], err, sizeof(err));

		cr_expect_null(r, "accepted %s", bad[i]);
		cr_expect(strstr(err, "offset") == err, "no position for %s: %s", bad[i], err);
		res_free(r);
	}
}

Test(report_json, deep_nesting_is_an_error_not_a_crash)
{
	char text[2 * 200 + 16], err[128];
	size_t n = 0;

	n += (size_t)sprintf(text, "{\"a\": ");
	for (int i = 0; i < 200; i++)
		text[n++] = '[';
	for (int i = 0; i < 200; i++)
		text[n++] = ']';
	strcpy(text + n, "}");
	cr_assert_null(json_parse(text, err, sizeof(err)));
	cr_assert(strstr(err, "deeply") != NULL, "%s", err);
}

Test(report_html, base64_matches_rfc4648)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					   "Zm9vYmFy" };

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *s = NULL;

		CAPTURE(s, base64_write(f, in[i], strlen(in[i])));
		cr_expect_str_eq(s, out[i], "base64(%s)", in[i]);
		free(s);
	}
}

Test(report_html, escapes_markup)
{
	char *s = NULL;

	CAPTURE(s, html_escape(f, "<a href=\"x\">R&D's</a>"));
	cr_assert_str_eq(s, "&lt;a href=&quot;x&quot;&gt;R&amp;D&#39;s&lt;/a&gt;");
	free(s);
}

Test(report_text, wraps_at_spaces_within_the_width)
{
	char *s = NULL;

	CAPTURE(s, wrap_print(f, "> ", "  ", "one two three four five six seven", 12));
	cr_assert_str_eq(s, "> one two\n  three four\n  five six\n  seven\n");
	free(s);
	/* A word longer than the line gets a line of its own. */
	CAPTURE(s, wrap_print(f, "", "", "a verylongwordindeed b", 8));
	cr_assert_str_eq(s, "a\nverylongwordindeed\nb\n");
	free(s);
}

/* A run's tree: columns, and rows with the long figures of a real run. */
static struct res *fixture(int ncols)
{
	static const char *const labels[] = { "kernel legacy", "kernel newgil", "user-legacy",
					      "user-newgil" };
	struct res *root = res_new_obj(), *cols = res_arr(root, "columns");
	struct res *rows = res_arr(root, "rows");

	res_str(root, "date", "2026-12-01T04:02:29Z");
	res_str(root, "kernel", "6.1.0-57-amd64");
	for (int c = 0; c < ncols; c++) {
		struct res *col = res_obj(cols, NULL), *exp, *pts, *arr;

		res_str(col, "label", labels[c % 4]);
		res_str(col, "status", "ok");
		exp = res_obj(col, "experiments");
		res_num(res_obj(exp, "cpu_all"), "ratio", 3.5 + c);
		pts = res_arr(res_obj(exp, "cext"), "points");
		for (int i = 0; i < 3; i++) {
			struct res *p = res_obj(pts, NULL);

			res_int(p, "work_ns", i == 0 ? 0 : i == 1 ? 1000 : 16000);
			res_num(p, "speedup", 0.5 + 0.5 * i);
		}
		arr = res_arr(res_obj(exp, "convoy"), "idle_rtt_us");
		res_num(arr, NULL, 300);
		res_num(arr, NULL, 250);
	}
	for (size_t i = 0; i < repro_nrows; i++) {
		struct res *row = res_obj(rows, NULL), *cells;

		res_str(row, "id", repro_rows[i].id);
		res_str(row, "claim", repro_rows[i].claim);
		res_str(row, "published", repro_rows[i].published);
		res_str(row, "rule", repro_rows[i].rule);
		cells = res_arr(row, "cells");
		for (int c = 0; c < ncols; c++) {
			struct res *cell = res_obj(cells, NULL);

			res_str(cell, "column", labels[c % 4]);
			res_str(cell, "figure", "1.15x @4us, max 1.89x @64us, 0.56x @0");
			res_str(cell, "verdict", c == 1 ? "not" : c == 2 ? "n/a" : "reproduced");
		}
	}
	return root;
}

Test(report_text, the_narrow_table_fits_in_100_columns)
{
	for (int ncols = 1; ncols <= 8; ncols += 3) {
		struct res *root = fixture(ncols);
		char *s = NULL;

		CAPTURE(s, report_print_narrow(f, root, REPORT_WIDTH));
		cr_expect_leq(widest(s), REPORT_WIDTH, "%d columns:\n%s", ncols, s);
		cr_expect(strstr(s, "\n8   convoy") != NULL, "no block for row 8:\n%s", s);
		cr_expect(ncols < 2 || strstr(s, "NOT reproduced") != NULL);
		free(s);
		CAPTURE(s, report_print_rules(f, root, false, REPORT_WIDTH));
		cr_expect_leq(widest(s), REPORT_WIDTH, "%s", s);
		free(s);
		CAPTURE(s, report_print_summary(f, root, REPORT_WIDTH));
		cr_expect_leq(widest(s), REPORT_WIDTH, "%s", s);
		free(s);
		res_free(root);
	}
}

Test(report_text, the_wide_table_keeps_a_column_per_lock)
{
	struct res *root = fixture(4);
	char *s = NULL;

	CAPTURE(s, report_print_wide(f, root, true));
	cr_expect_gt(widest(s), 200);
	cr_expect(strstr(s, "| kernel legacy ") != NULL, "%s", s);
	cr_expect(strstr(s, "@0 (n/a)") != NULL, "%s", s);
	free(s);
	res_free(root);
}

Test(report_progress, time_left_follows_the_pace)
{
	char buf[48];

	cr_assert(isnan(progress_eta(0, 0, 0, 5)));
	/* Nothing done yet: the nominal pace, less the time already spent. */
	cr_assert_float_eq(progress_eta(100, 0, 0, 10), 90, 1e-9);
	/* Half done in twice the nominal time: the rest takes twice as long. */
	cr_assert_float_eq(progress_eta(100, 50, 100, 100), 100, 1e-9);
	cr_assert_float_eq(progress_eta(100, 50, 100, 130), 70, 1e-9);
	/* A step that overruns its estimate still leaves a second. */
	cr_assert_float_eq(progress_eta(100, 50, 100, 500), 1, 1e-9);
	cr_assert_float_eq(progress_eta(100, 100, 100, 500), 0, 1e-9);
	progress_fmt_left(buf, sizeof(buf), 224);
	cr_assert_str_eq(buf, "about 3 min 40 s left");
	progress_fmt_left(buf, sizeof(buf), 42.4);
	cr_assert_str_eq(buf, "about 42 s left");
	progress_fmt_left(buf, sizeof(buf), NAN);
	cr_assert_str_eq(buf, "");
}

Test(report_plots, charts_carry_the_runs_figures_and_the_published_ones)
{
	struct res *root = fixture(2), *empty = res_new_obj();
	char *s = NULL;

	CAPTURE(s, cr_assert_eq(plot_cext(f, root, "out.png"), 2));
	/* Work per call on a log2 axis: 1 us at 0, 16 us at 4, 0 at -2. */
	cr_expect(strstr(s, "$c0 << EOD\n-2.000 0.5000\n0.000 1.0000\n4.000 1.5000\nEOD") != NULL,
		  "%s", s);
	cr_expect(strstr(s, "$pub << EOD\n2.000 2.00\nEOD") != NULL, "%s", s);
	cr_expect(strstr(s, "title \"kernel newgil\"") != NULL, "%s", s);
	free(s);
	CAPTURE(s, cr_assert_eq(plot_cpu(f, root, "out.png"), 2));
	/* The published bars are constants, in their own hatched series. */
	cr_expect(strstr(s, "\"1.85x\"") != NULL && strstr(s, "\"3.50x\"") != NULL, "%s", s);
	cr_expect(strstr(s, "fs pattern") != NULL);
	free(s);
	CAPTURE(s, cr_assert_eq(plot_convoy(f, root, "out.png"), 2));
	/* Sorted, a step per sample, up to 1. */
	cr_expect(strstr(s, "$i0 << EOD\n250.000 0\n250.000 0.50000\n300.000 1.00000\nEOD") !=
		  NULL, "%s", s);
	free(s);
	/* No data, no picture. */
	CAPTURE(s, cr_assert_eq(plot_syscalls(f, root, "out.png"), 0));
	free(s);
	CAPTURE(s, cr_assert_eq(plot_cext(f, empty, "out.png"), 0));
	free(s);
	res_free(root);
	res_free(empty);
}

Test(report_timeline, the_battle_window_goes_where_the_lock_is_busiest)
{
	struct kt_thread thr[3] = { { .domain = 7 }, { .domain = 7 }, { .domain = 9 } };
	struct kt_mark mark[5] = {
		{ .ts = 1000000, .thread = 1, .kind = KT_MARK_FAILED },
		{ .ts = 10000000, .thread = 1, .kind = KT_MARK_FAILED },
		{ .ts = 10100000, .thread = 1, .kind = KT_MARK_DROP },
		{ .ts = 10200000, .thread = 1, .kind = KT_MARK_FAILED },
		/* Another domain's marks do not count. */
		{ .ts = 20000000, .thread = 2, .kind = KT_MARK_FAILED },
	};
	struct kt_interval iv[40];
	struct kt_analysis a = { .thr = thr, .nthr = 3, .mark = mark, .nmark = 5, .iv = iv };

	/* Two failures around 10 ms, but around 1 ms the holder cycles 30 times. */
	for (int i = 0; i < 30; i++)
		iv[a.niv++] = (struct kt_interval){ 900000 + 5000 * (uint64_t)i,
						    903000 + 5000 * (uint64_t)i, 0, KT_ST_HOLD };
	cr_assert_eq(kt_busiest_mark(&a, 7, KT_MARK_FAILED, 0.5), 0);
	/* Without the cycling, the two failures close together win. */
	a.niv = 0;
	cr_assert_eq(kt_busiest_mark(&a, 7, KT_MARK_FAILED, 0.5), 1);
	cr_assert_eq(kt_busiest_mark(&a, 9, KT_MARK_FAILED, 0.5), 0);
	cr_assert_eq(kt_busiest_mark(&a, 9, KT_MARK_DROP, 0.5), -1);
	/* The measured phase's domain: the most threads, whatever else. */
	{
		struct kt_domain dom[2] = { { .id = 9, .c.acquisitions = 100 }, { .id = 7 } };

		a.dom = dom;
		a.ndom = 2;
		cr_assert_eq(kt_busiest_domain(&a), 7);
	}
}
