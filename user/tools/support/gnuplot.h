/* SPDX-License-Identifier: GPL-2.0 */
/* Small pieces shared by the report's gnuplot scripts. */
#ifndef KGIL_TOOLS_GNUPLOT_H
#define KGIL_TOOLS_GNUPLOT_H

#include <stdio.h>

/* s as a gnuplot double-quoted string (backslash and quote escaped). */
void gp_quote(FILE *f, const char *s);
/* The head every report picture shares: PNG terminal, size, output. */
void gp_head(FILE *f, const char *out, int width, int height, const char *title);
/* The colour of the report's i-th column (the same in every picture). */
const char *gp_colour(int i);
/* Run gnuplot on script and check that it wrote out: 0, or -1 with why. */
int gp_run(const char *script, const char *out, char *why, size_t len);

/* A script to run and the picture it draws; why gets the reason it did not. */
struct gp_job {
	const char *script, *out;
	char *why;
	size_t len;
};

/*
 * Run every job's script in one gnuplot: under TCG its start-up (fonts,
 * cairo) costs seconds, the drawing little.  A job whose picture is then
 * missing runs again alone, for its own error in why.  Returns how many
 * pictures are missing.
 */
int gp_run_jobs(const struct gp_job *jobs, int n);

#endif
