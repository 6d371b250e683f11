/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KGIL_TOOLS_PROGRESS_H
#define KGIL_TOOLS_PROGRESS_H

#include <stdbool.h>

/*
 * A progress line on stderr, "kgil [  12.3s] msg".  Silent for the first
 * seconds of a run (short runs print nothing) unless always is set, and
 * silent altogether after progress_quiet().
 */
void progress_init(void);
void progress_quiet(bool quiet);
void progress(bool always, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
double progress_elapsed(void);

#endif
