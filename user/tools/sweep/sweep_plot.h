/* SPDX-License-Identifier: GPL-2.0 */
/* `kgil sweep`'s pictures: gnuplot scripts, drawn to PNG (gnuplot.h). */
#ifndef KGIL_TOOLS_SWEEP_PLOT_H
#define KGIL_TOOLS_SWEEP_PLOT_H

#include <stdio.h>

#include "sweep/sweep.h"

/*
 * The script of figure fig against the first parameter, a curve a series
 * (and second parameter value), error bars from min to max; log axes
 * where the values span two decades.  Returns the curves written; 0:
 * nothing to draw (no parameter, no number), the script is then useless.
 */
int sweep_plot_figure(FILE *f, const struct sweep *sw, const char *fig, const char *out);
/*
 * convoy's trade-off: loaded_p50_us (log) against cpu_throughput_ratio,
 * a curve a series, each point labelled with its first parameter's value.
 * Returns the curves written (0: the scenario has not both figures).
 */
int sweep_plot_tradeoff(FILE *f, const struct sweep *sw, const char *out);

/* Every picture into dir (scripts in dir/gnuplot): how many failed. */
int sweep_plots(const struct sweep *sw, const char *dir);

#endif
