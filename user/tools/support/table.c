// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "support/result.h"
#include "support/table.h"

struct table {
	int ncols, nrows, cap;
	char **cells;		/* nrows * ncols, row 0 is the header */
};

static void *xrealloc(void *p, size_t sz)
{
	p = realloc(p, sz);
	if (!p) {
		perror("kgil");
		abort();
	}
	return p;
}

struct table *table_new(int ncols)
{
	struct table *t = xrealloc(NULL, sizeof(*t));

	*t = (struct table){ .ncols = ncols };
	return t;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void table_add_row(struct table *t)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 8;
		t->cells = xrealloc(t->cells, sizeof(char *) * t->cap * t->ncols);
	}
	memset(&t->cells[t->nrows * t->ncols], 0, sizeof(char *) * t->ncols);
	t->nrows++;
}

void table_set(struct table *t, int col, const char *fmt, ...)
{
	char **cell = &t->cells[(t->nrows - 1) * t->ncols + col];
	va_list ap;

	free(*cell);
	va_start(ap, fmt);
	if (vasprintf(cell, fmt, ap) < 0)
		*cell = NULL;
	va_end(ap);
}

static const char *cell(const struct table *t, int r, int c)
{
	const char *s = t->cells[r * t->ncols + c];

	return s ? s : "";
}

void table_print(FILE *f, const struct table *t, bool markdown)
{
	int width[t->ncols];

	for (int c = 0; c < t->ncols; c++) {
		width[c] = 0;
		for (int r = 0; r < t->nrows; r++) {
			int w = (int)strlen(cell(t, r, c));

			if (w > width[c])
				width[c] = w;
		}
	}
	for (int r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			if (markdown)
				fprintf(f, "| %-*s ", width[c], cell(t, r, c));
			else
				fprintf(f, "%-*s%s", c == t->ncols - 1 ? 0 : width[c],
					cell(t, r, c), c == t->ncols - 1 ? "" : "  ");
		}
		fputs(markdown ? "|\n" : "\n", f);
		if (r == 0 && markdown) {
			for (int c = 0; c < t->ncols; c++)
				fprintf(f, "|%.*s", width[c] + 2,
					"------------------------------------------------"
					"------------------------------------------------"
					"------------------------------------------------");
			fputs("|\n", f);
		} else if (r == 0) {
			for (int c = 0; c < t->ncols; c++)
				fprintf(f, "%.*s%s", width[c],
					"================================================"
					"================================================"
					"================================================",
					c == t->ncols - 1 ? "\n" : "  ");
		}
	}
}

static void scalar(char *buf, size_t len, const struct res *v)
{
	switch (v->kind) {
	case RES_NUM:
		snprintf(buf, len, "%.4g", v->num);
		break;
	case RES_INT:
		snprintf(buf, len, "%" PRId64, v->i);
		break;
	case RES_STR:
		snprintf(buf, len, "%s", v->str);
		break;
	case RES_BOOL:
		snprintf(buf, len, "%s", v->b ? "yes" : "no");
		break;
	case RES_NULL:
		snprintf(buf, len, "-");
		break;
	default:
		snprintf(buf, len, "...");
	}
}

static void print_array(FILE *f, const char *name, const struct res *arr)
{
	const struct res *first = arr->first;
	struct table *t;
	int ncols = 0, c = 0;

	if (!first || first->kind != RES_OBJ) {
		char buf[64];

		fprintf(f, "%s:", name);
		for (const struct res *e = arr->first; e; e = e->next) {
			scalar(buf, sizeof(buf), e);
			fprintf(f, " %s", buf);
		}
		fputc('\n', f);
		return;
	}
	for (const struct res *k = first->first; k; k = k->next)
		ncols++;
	t = table_new(ncols);
	table_add_row(t);
	for (const struct res *k = first->first; k; k = k->next)
		table_set(t, c++, "%s", k->key);
	for (const struct res *e = arr->first; e; e = e->next) {
		table_add_row(t);
		c = 0;
		for (const struct res *k = e->first; k && c < ncols; k = k->next) {
			char buf[64];

			scalar(buf, sizeof(buf), k);
			table_set(t, c++, "%s", buf);
		}
	}
	fprintf(f, "\n%s:\n", name);
	table_print(f, t, false);
	table_free(t);
}

static void print_obj(FILE *f, const char *prefix, const struct res *o, struct table *kv)
{
	for (const struct res *k = o->first; k; k = k->next) {
		char name[128], buf[128];

		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", k->key);
		if (k->kind == RES_OBJ) {
			print_obj(f, name, k, kv);
		} else if (k->kind == RES_ARR) {
			continue;	/* after the scalars, see below */
		} else {
			scalar(buf, sizeof(buf), k);
			table_add_row(kv);
			table_set(kv, 0, "%s", name);
			table_set(kv, 1, "%s", buf);
		}
	}
}

static void print_arrays(FILE *f, const char *prefix, const struct res *o)
{
	for (const struct res *k = o->first; k; k = k->next) {
		char name[128];

		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", k->key);
		if (k->kind == RES_OBJ)
			print_arrays(f, name, k);
		else if (k->kind == RES_ARR)
			print_array(f, name, k);
	}
}

void table_print_result(FILE *f, const struct res *r)
{
	struct table *kv = table_new(2);

	table_add_row(kv);
	table_set(kv, 0, "key");
	table_set(kv, 1, "value");
	print_obj(f, "", r, kv);
	table_print(f, kv, false);
	table_free(kv);
	print_arrays(f, "", r);
}
