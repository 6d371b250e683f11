/* SPDX-License-Identifier: GPL-2.0 */
/* Draw a timeline: kt_timeline_write's data and script, then gnuplot. */
#ifndef KGIL_TRACE_DRAW_H
#define KGIL_TRACE_DRAW_H

#include "trace/trace_timeline.h"

/*
 * Write the data and the script to data_prefix.dat and data_prefix.gp
 * (kept), or to temporary files when data_prefix is NULL, run gnuplot and
 * check that it wrote o->out.  0, or 1 after printing why on stderr.
 */
int kt_timeline_draw(const struct kt_analysis *a, const struct kt_timeline_opts *o,
		     const char *data_prefix);

/*
 * Only write data_prefix.dat and data_prefix.gp, for the caller to run
 * gnuplot on (with other scripts: under TCG its start-up is what costs).
 * 0, or 1 after printing why.
 */
int kt_timeline_script(const struct kt_analysis *a, const struct kt_timeline_opts *o,
		       const char *data_prefix);

#endif
