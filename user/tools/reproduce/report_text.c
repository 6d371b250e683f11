// SPDX-License-Identifier: GPL-2.0
/*
 * The reproduce table in text.  The wide form (a column per lock) is what
 * results/reproduce.md keeps, but at ~260 columns it wraps in any
 * terminal; the narrow form gives each claim a block with a line per
 * lock, so its width does not grow with the number of locks.
 */
#include <string.h>

#include "reproduce/report_text.h"
#include "support/result.h"
#include "support/table.h"

const char *report_str(const struct res *r, const char *path)
{
	const struct res *v = res_get(r, path);

	return v && v->kind == RES_STR ? v->str : "";
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

void wrap_print(FILE *f, const char *first, const char *indent, const char *text,
		int width)
{
	const char *prefix = first;

	while (*text) {
		int room = width - (int)strlen(prefix), n = (int)strlen(text), brk = -1;

		/* The longest run of words that fits; one word at least. */
		if (n <= room) {
			brk = n;
		} else {
			for (int i = room > 0 ? room : 0; i > 0 && brk < 0; i--)
				if (text[i] == ' ')
					brk = i;
			if (brk < 0) {
				const char *sp = strchr(text, ' ');

				brk = sp ? (int)(sp - text) : n;
			}
		}
		fprintf(f, "%s%.*s\n", prefix, brk, text);
		text += brk;
		while (*text == ' ')
			text++;
		prefix = indent;
	}
}

const char *report_verdict_text(const char *verdict)
{
	if (!strcmp(verdict, "reproduced"))
		return "reproduced";
	if (!strcmp(verdict, "not"))
		return "NOT reproduced";
	if (!strcmp(verdict, "n/a"))
		return "(n/a)";
	return "";
}

void report_print_narrow(FILE *f, const struct res *root, int width)
{
	const struct res *rows = res_get(root, "rows");
	int idw = 0, claimw = 0, labelw = 0, figw = 0, verdw = 0;

	if (!rows)
		return;
	for (const struct res *r = rows->first; r; r = r->next) {
		const struct res *cells = res_get(r, "cells");

		idw = max_int(idw, (int)strlen(report_str(r, "id")));
		claimw = max_int(claimw, (int)strlen(report_str(r, "claim")));
		for (const struct res *c = cells ? cells->first : NULL; c; c = c->next) {
			labelw = max_int(labelw, (int)strlen(report_str(c, "column")));
			figw = max_int(figw, (int)strlen(report_str(c, "figure")));
			verdw = max_int(verdw,
					(int)strlen(report_verdict_text(report_str(c, "verdict"))));
		}
	}
	idw += 2;
	for (const struct res *r = rows->first; r; r = r->next) {
		const struct res *cells = res_get(r, "cells");
		const char *pub = report_str(r, "published");
		/* "published" aligned across blocks, or on a line of its own. */
		bool one_line = idw + claimw + 2 + 11 + (int)strlen(pub) <= width;

		if (r != rows->first)
			fputc('\n', f);
		if (one_line)
			fprintf(f, "%-*s%-*s  published %s\n", idw, report_str(r, "id"), claimw,
				report_str(r, "claim"), pub);
		else
			fprintf(f, "%-*s%s\n%*spublished %s\n", idw, report_str(r, "id"),
				report_str(r, "claim"), idw, "", pub);
		for (const struct res *c = cells ? cells->first : NULL; c; c = c->next) {
			const char *fig = report_str(c, "figure");
			const char *v = report_verdict_text(report_str(c, "verdict"));

			fprintf(f, "%*s%-*s  ", idw, "", labelw, report_str(c, "column"));
			/* Verdicts in a column after the figures when they fit. */
			if (!*v)
				fprintf(f, "%s\n", fig);
			else if (idw + labelw + 2 + figw + 2 + verdw <= width)
				fprintf(f, "%-*s  %s\n", figw, fig, v);
			else
				fprintf(f, "%-*s  %s\n", verdw, v, fig);
		}
	}
}

void report_print_wide(FILE *f, const struct res *root, bool md)
{
	const struct res *rows = res_get(root, "rows"), *cols = res_get(root, "columns");
	int ncols = 0;
	struct table *t;

	for (const struct res *c = cols ? cols->first : NULL; c; c = c->next)
		ncols++;
	t = table_new(3 + ncols);
	table_add_row(t);
	table_set(t, 0, "#");
	table_set(t, 1, "claim");
	table_set(t, 2, "published");
	ncols = 3;
	for (const struct res *c = cols ? cols->first : NULL; c; c = c->next)
		table_set(t, ncols++, "%s", report_str(c, "label"));
	for (const struct res *r = rows ? rows->first : NULL; r; r = r->next) {
		const struct res *cells = res_get(r, "cells");
		int i = 3;

		table_add_row(t);
		table_set(t, 0, "%s", report_str(r, "id"));
		table_set(t, 1, "%s", report_str(r, "claim"));
		table_set(t, 2, "%s", report_str(r, "published"));
		for (const struct res *c = cells ? cells->first : NULL; c && i < ncols;
		     c = c->next) {
			const char *v = report_str(c, "verdict");

			if (*report_verdict_text(v))
				table_set(t, i++, "%s %s", report_str(c, "figure"),
					  !strcmp(v, "n/a") ? "(n/a)" : v);
			else
				table_set(t, i++, "%s", report_str(c, "figure"));
		}
	}
	table_print(f, t, md);
	table_free(t);
}

void report_print_summary(FILE *f, const struct res *root, int width)
{
	const struct res *rows = res_get(root, "rows");
	int yes = 0, no = 0, na = 0, none = 0;
	char list[1024] = "", line[1400];
	size_t len = 0;

	for (const struct res *r = rows ? rows->first : NULL; r; r = r->next) {
		const struct res *cells = res_get(r, "cells");

		for (const struct res *c = cells ? cells->first : NULL; c; c = c->next) {
			const char *v = report_str(c, "verdict");

			if (!strcmp(v, "reproduced")) {
				yes++;
			} else if (!strcmp(v, "n/a")) {
				na++;
			} else if (!strcmp(v, "not")) {
				no++;
				if (len < sizeof(list))
					len += (size_t)snprintf(list + len, sizeof(list) - len,
								"%s%s %s", len ? ", " : "",
								report_str(r, "id"),
								report_str(c, "column"));
			} else {
				none++;
			}
		}
	}
	snprintf(line, sizeof(line), "%d reproduced, %d not%s%s%s, %d n/a (the claim is about "
		 "another GIL)%s", yes, no, no ? " (" : "", list, no ? ")" : "", na,
		 none ? ", some cells without data" : "");
	wrap_print(f, "Verdicts: ", "  ", line, width);
}

void report_print_rules(FILE *f, const struct res *root, bool md, int width)
{
	const struct res *rows = res_get(root, "rows");
	const char *intro = "Verdict rules (a verdict is given where the claim is about the "
			    "column's lock: rows 1-3 the old GIL, 7-8 the new GIL, 4-6 every "
			    "lock; elsewhere the figure is shown with (n/a)):";
	int idw = 0;

	if (md)
		fprintf(f, "\n%s\n", intro);
	else
		wrap_print(f, "", "", intro, width);
	for (const struct res *r = rows ? rows->first : NULL; r; r = r->next)
		idw = max_int(idw, (int)strlen(report_str(r, "id")));
	for (const struct res *r = rows ? rows->first : NULL; r; r = r->next) {
		char first[32], indent[32];

		if (md) {
			fprintf(f, "- %s: %s\n", report_str(r, "id"), report_str(r, "rule"));
			continue;
		}
		snprintf(first, sizeof(first), "  %-*s  ", idw, report_str(r, "id"));
		snprintf(indent, sizeof(indent), "%*s", idw + 4, "");
		wrap_print(f, first, indent, report_str(r, "rule"), width);
	}
}

void report_print_warnings(FILE *f, const struct res *root, bool md, int width)
{
	const struct res *cols = res_get(root, "columns");
	char line[512];

	for (const struct res *c = cols ? cols->first : NULL; c; c = c->next) {
		const char *status = report_str(c, "status");
		double all = res_get_num(c, "experiments.cpu_all.sequential_slowdown");
		double one = res_get_num(c, "experiments.cpu_1cpu.sequential_slowdown");

		line[0] = '\0';
		if (!strncmp(status, "not run", 7))
			snprintf(line, sizeof(line), "column %s: %s", report_str(c, "label"), status);
		else if (all > REPORT_BUSY_SLOWDOWN || one > REPORT_BUSY_SLOWDOWN)
			snprintf(line, sizeof(line), "WARNING: column %s: the sequential runs "
				 "took %.1fx and %.1fx their calibrated time: the machine was "
				 "busy, timings are noisy", report_str(c, "label"), all, one);
		if (!line[0])
			continue;
		if (md)
			fprintf(f, "\n%s\n", line);
		else
			wrap_print(f, "  ", "    ", line, width);
	}
}
