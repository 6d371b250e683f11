/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The short traces a reproduce run records for the report's timelines:
 * `kgil trace record` of `kgil bench cpu` (two CPU-bound threads) on the
 * kernel lock under one policy.
 */
#ifndef KGIL_TOOLS_REPRODUCE_TRACE_H
#define KGIL_TOOLS_REPRODUCE_TRACE_H

#include <stddef.h>

/*
 * Record dir/trace-<policy>.dat (trace-cmd's output and the bench's go to
 * dir/trace-<policy>.log).  0, or -1 with why in why.
 */
int reproduce_trace(const char *dir, const char *policy, double tick_ns, char *why,
		    size_t len);

/* The nominal time a recording takes under the kgil VM (for progress). */
#define REPRODUCE_TRACE_NOMINAL_S 12.0

#endif
