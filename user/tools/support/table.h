/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KGIL_TOOLS_TABLE_H
#define KGIL_TOOLS_TABLE_H

#include <stdbool.h>
#include <stdio.h>

struct res;

/* A grid of text cells printed with aligned columns, or as Markdown. */
struct table;

struct table *table_new(int ncols);
void table_free(struct table *t);
/* Append a row: ncols printf-formatted cells are set with table_set(). */
void table_add_row(struct table *t);
void table_set(struct table *t, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void table_print(FILE *f, const struct table *t, bool markdown);

/* Human form of a result tree: scalars as "key value" lines, arrays of
 * objects as a table with one column per key. */
void table_print_result(FILE *f, const struct res *r);

#endif
