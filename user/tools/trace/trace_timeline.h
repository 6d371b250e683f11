/* SPDX-License-Identifier: GPL-2.0 */
/* `kgil trace timeline`: per-thread lanes drawn by gnuplot. */
#ifndef KGIL_TRACE_TIMELINE_H
#define KGIL_TRACE_TIMELINE_H

#include <stdint.h>
#include <stdio.h>

#include "trace/trace_analysis.h"

struct kt_timeline_opts {
	const char *title;
	double from_ms, to_ms;	/* window, ms after the first kgil event;
				 * to_ms <= 0: to the end */
	int width;		/* pixels; 0: 1600 */
	uint64_t domain;	/* draw only this domain's threads; 0: all.
				 * Times then count from its first event. */
	int at_kind;		/* 0, or 1 + a kt_mark_kind: centre the
				 * window on such a mark, span_ms wide */
	long at_index;		/* which one (-1: the middle one) */
	double span_ms;
	bool png;		/* else SVG */
	const char *out;	/* the picture gnuplot writes */
};

/*
 * Write the gnuplot data (index blocks, one per state and mark kind) to
 * data, and to script a gnuplot program that reads data_path and draws
 * opts->out.  Returns the number of intervals drawn.
 */
size_t kt_timeline_write(FILE *data, FILE *script, const char *data_path,
			 const struct kt_analysis *a,
			 const struct kt_timeline_opts *opts);

/*
 * The domain a bench's measured phase used (a bench opens one domain per
 * phase): the one with the most threads, then the most acquisitions; 0
 * when the trace has none.
 */
uint64_t kt_busiest_domain(const struct kt_analysis *a);

/*
 * Of the marks of kind k on domain's threads (all threads when domain is
 * 0), the one around which a span_ms window shows the most: the most such
 * marks (each counting as KT_BUSY_MARK_WEIGHT) and lock acquisitions
 * (holds starting).  An index for kt_timeline_opts.at_index: where a GIL
 * battle is at its fiercest.  -1 when there is no such mark.
 */
#define KT_BUSY_MARK_WEIGHT 5
long kt_busiest_mark(const struct kt_analysis *a, uint64_t domain, enum kt_mark_kind k,
		     double span_ms);

#endif
