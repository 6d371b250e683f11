/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reproduce table as text, from the result tree `kgil reproduce`
 * writes (its "rows" and "columns"): the narrow form for a terminal, one
 * block per claim and a line per lock; the wide form, one row per claim
 * and a column per lock (--wide, and results/reproduce.md); the verdict
 * rules and the warnings that go under either.
 */
#ifndef KGIL_TOOLS_REPORT_TEXT_H
#define KGIL_TOOLS_REPORT_TEXT_H

#include <stdbool.h>
#include <stdio.h>

struct res;

/* What the terminal output fits in. */
#define REPORT_WIDTH 100

/* Print text in lines of at most width columns, breaking at spaces; the
 * first line starts with first, the others with indent (both counted). */
void wrap_print(FILE *f, const char *first, const char *indent, const char *text,
		int width);

/* The table, narrow: fits in width columns when every figure does. */
void report_print_narrow(FILE *f, const struct res *root, int width);
/* The table, wide (Markdown when md). */
void report_print_wide(FILE *f, const struct res *root, bool md);
/* "22 reproduced, 2 not (2b user-legacy, 4 user-newgil), 20 n/a". */
void report_print_summary(FILE *f, const struct res *root, int width);
/* The verdict rules (a Markdown list when md, else wrapped to width). */
void report_print_rules(FILE *f, const struct res *root, bool md, int width);
/* Columns not run, and columns whose sequential runs were slow. */
void report_print_warnings(FILE *f, const struct res *root, bool md, int width);

/* The string at path in r, "" if there is none. */
const char *report_str(const struct res *r, const char *path);

/* How a cell shows its verdict: "reproduced", "NOT reproduced", "(n/a)"
 * or "" (no verdict: not run, no data). */
const char *report_verdict_text(const char *verdict);

/* A sequential run this much slower than calibrated: the host was busy. */
#define REPORT_BUSY_SLOWDOWN 1.5

#endif
