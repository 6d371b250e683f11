// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "clock.h"
#include "progress.h"

#define PROGRESS_AFTER_S 3.0

static double t_start;
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

void progress(bool always, const char *fmt, ...)
{
	double t = progress_elapsed();
	va_list ap;

	if (silent || (!always && t < PROGRESS_AFTER_S))
		return;
	fprintf(stderr, "kgil [%6.1fs] ", t);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
