/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report's charts: each writes a gnuplot script (its data inline)
 * that draws one PNG from the result tree of a `kgil reproduce` run.
 * The figures come from the run; the talks' published figures beside
 * them are constants, labelled as published.  Each returns how many of
 * the run's series it drew (0: the run has nothing to draw).
 */
#ifndef KGIL_TOOLS_REPORT_PLOTS_H
#define KGIL_TOOLS_REPORT_PLOTS_H

#include <stdio.h>

struct res;

/* Row 4: 2-thread speedup against work per call, a line per lock. */
int plot_cext(FILE *gp, const struct res *root, const char *out);
/* Rows 2a-2c: threaded / sequential time on 1 and 2 CPUs, per lock. */
int plot_cpu(FILE *gp, const struct res *root, const char *out);
/* Rows 3a-3b: system calls, sequential and threaded, log scale. */
int plot_syscalls(FILE *gp, const struct res *root, const char *out);
/* Row 8: the I/O thread's round trips (CDF), alone and beside a CPU
 * thread, per lock. */
int plot_convoy(FILE *gp, const struct res *root, const char *out);

#endif
