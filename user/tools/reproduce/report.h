/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pictures and the page of a reproduce run: every `kgil reproduce`
 * ends with report_write(); `kgil report DIR` does it again from
 * DIR/reproduce.json and the traces beside it.
 */
#ifndef KGIL_TOOLS_REPORT_H
#define KGIL_TOOLS_REPORT_H

#include <stdio.h>

struct res;

/*
 * Draw the pictures into dir (gnuplot; the scripts stay in dir/gnuplot)
 * and write dir/index.html.  Lists what it wrote on out (one line, then
 * a line per picture not drawn and why).  Returns how many pictures
 * could not be drawn, or -1 if the page could not be written.
 */
int report_write(const char *dir, const struct res *root, FILE *out);

/* The traces the timelines are drawn from, "trace-<policy>.dat" in the
 * run's directory, and the policies that get one. */
#define REPORT_TRACE_FMT "trace-%s.dat"
extern const char *const report_trace_policies[];
extern const int report_ntrace_policies;

/* `kgil report [DIR]` */
int cmd_report(int argc, char **argv);

#endif
