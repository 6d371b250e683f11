/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a phase cost besides its wall time: context switches (getrusage,
 * every thread of the process, exited ones included) and system calls
 * (a perf_event counter on the raw_syscalls:sys_enter tracepoint,
 * inherited by the threads the phase creates), plus the lock's counters.
 */
#ifndef KGIL_TOOLS_MEASURE_H
#define KGIL_TOOLS_MEASURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "kgil.h"

struct res;

struct meter {
	struct rusage ru0;
	int perf_fd;		/* -1: not counting */
	int perf_err;		/* why not (negative errno), 0 if counting */
};

struct phase_cost {
	int64_t vcsw, ivcsw;
	int64_t syscalls;	/* -1 when not counted */
	bool have_counters;
	struct kgil_counters c;
};

/* Start before the phase creates its threads. */
void meter_start(struct meter *m, bool count_syscalls);
/* g: the phase's domain (its counters are read whole), or NULL. */
void meter_stop(struct meter *m, struct kgil *g, struct phase_cost *out);
/* "perf_event raw_syscalls:sys_enter" or why syscalls are not counted. */
const char *meter_syscall_source(const struct meter *m);

/* Add prefix+"handoffs", ... for a phase to a result object. */
void phase_cost_put(struct res *o, const char *prefix, const struct phase_cost *p);

#endif
