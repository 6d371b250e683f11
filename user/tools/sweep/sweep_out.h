/* SPDX-License-Identifier: GPL-2.0 */
/* `kgil sweep`'s text outputs: sweep.csv, sweep.json, the table on stdout. */
#ifndef KGIL_TOOLS_SWEEP_OUT_H
#define KGIL_TOOLS_SWEEP_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "sweep/sweep.h"

/* "kernel newgil switch-interval=1ms threads=4" */
void sweep_point_label(const struct sweep *sw, const struct sweep_point *pt,
		       char *buf, size_t len);
/* A plot's curve: the series, and the second parameter's value if any. */
void sweep_curve_label(const struct sweep *sw, const struct sweep_point *pt,
		       char *buf, size_t len);

/* The scenario's main figures, the ones plotted and shown (NULL-ended). */
const char *const *sweep_main_figures(const char *scenario);

/*
 * One row a point: scenario, backend, policy, the parameters' columns,
 * then NAME, NAME_min, NAME_max for every figure of sw->figs (medians;
 * empty where a point has no number).
 */
void sweep_write_csv(FILE *f, const struct sweep *sw);
/* The table on stdout: a line a point, the main figures that fit in 100 columns. */
void sweep_print_table(FILE *f, const struct sweep *sw);
/* sweep.json; it takes the points' runs into its tree (they are gone after). */
void sweep_write_json(FILE *f, struct sweep *sw);

#endif
