// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "support/clock.h"
#include "support/progress.h"

#define PROGRESS_AFTER_S 3.0

static double t_start, plan_s, done_s, t_done;
static bool silent;

void progress_init(void)
{
	t_start = now_s();
}

void progress_quiet(bool quiet)
{
	silent = quiet;
}

double progress_elapsed(void)
{
	return now_s() - t_start;
}

void progress_plan(double nominal_s)
{
	plan_s = nominal_s;
	done_s = 0;
	t_done = progress_elapsed();
}

void progress_done(double nominal_s)
{
	done_s += nominal_s;
	t_done = progress_elapsed();
}

double progress_eta(double plan, double done, double t_done, double elapsed)
{
	double pace = 1, left;

	if (!(plan > 0))
		return NAN;
	if (done >= plan)
		return 0;
	/* A machine twice as slow as the reference takes twice as long:
	 * the pace is measured, once a step has finished to measure it by. */
	if (done > 0 && t_done > 0)
		pace = t_done / done;
	left = (plan - done) * pace - (elapsed > t_done ? elapsed - t_done : 0);
	return left > 1 ? left : 1;
}

void progress_fmt_left(char *buf, size_t len, double left_s)
{
	long s;

	if (isnan(left_s)) {
		snprintf(buf, len, "%s", "");
		return;
	}
	/* Precision the estimate has: 10 s steps over a minute. */
	s = left_s >= 60 ? 10 * lround(left_s / 10) : lround(left_s);
	if (s >= 60)
		snprintf(buf, len, "about %ld min %02ld s left", s / 60, s % 60);
	else
		snprintf(buf, len, "about %ld s left", s < 1 ? 1 : s);
}

void progress(bool always, const char *fmt, ...)
{
	double t = progress_elapsed();
	char left[48];
	va_list ap;

	if (silent || (!always && t < PROGRESS_AFTER_S))
		return;
	fprintf(stderr, "kgil [%6.1fs] ", t);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	progress_fmt_left(left, sizeof(left), progress_eta(plan_s, done_s, t_done, t));
	if (left[0])
		fprintf(stderr, " (%s)", left);
	fputc('\n', stderr);
}
