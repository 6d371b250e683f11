/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rows of the reproduce table: one published claim each (rows 1-8
 * of docs/results.md), how our figure is computed from the experiments'
 * results, and the rule that decides "reproduced".
 */
#ifndef KGIL_TOOLS_REPRODUCE_ROWS_H
#define KGIL_TOOLS_REPRODUCE_ROWS_H

#include <stddef.h>
#include <stdint.h>

struct res;

enum verdict { V_NO_DATA = -1, V_NOT = 0, V_REPRODUCED = 1 };

/* Which columns a claim is about. */
enum applies { A_ALL, A_LEGACY, A_NEWGIL };

struct repro_row {
	const char *id;
	const char *claim;
	const char *published;
	const char *rule;
	enum applies applies;
	/* exp: a column's experiments; writes the figure, returns a verdict. */
	enum verdict (*judge)(const struct res *exp, char *fig, size_t len);
};

extern const struct repro_row repro_rows[];

/* A count as the table shows it: 736, 298k, 3.3M. */
void repro_fmt_count(char *buf, size_t len, double v);
extern const size_t repro_nrows;

#endif
