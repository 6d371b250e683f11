/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KGIL_TOOLS_PROGRESS_H
#define KGIL_TOOLS_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A progress line on stderr, "kgil [  12.3s] msg".  Silent for the first
 * seconds of a run (short runs print nothing) unless always is set, and
 * silent altogether after progress_quiet().
 */
void progress_init(void);
void progress_quiet(bool quiet);
void progress(bool always, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
double progress_elapsed(void);

/*
 * The time left, on every line once a run has a plan: the run declares
 * the nominal cost of all its steps (seconds, as measured on a reference
 * run), adds each step's nominal cost as it finishes, and the estimate is
 * the nominal cost still to go at the pace of the run so far.
 */
void progress_plan(double nominal_s);
void progress_done(double nominal_s);

/*
 * Seconds left at elapsed, when the steps done (done nominal seconds of
 * plan) had finished at t_done; NaN without a plan.  The pace is that of
 * the finished steps (the nominal one before any), and the time spent
 * since in the current step counts down, so the estimate does not creep
 * up while a step runs.  Never below 1 s before the plan is done.
 */
double progress_eta(double plan, double done, double t_done, double elapsed);
/* "about 3 min 40 s left", "about 20 s left", "" for NaN. */
void progress_fmt_left(char *buf, size_t len, double left_s);

#endif
