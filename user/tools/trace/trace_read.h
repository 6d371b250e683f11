/* SPDX-License-Identifier: GPL-2.0 */
/* Read a trace-cmd trace.dat into a kt_trace (kgil and sched events only). */
#ifndef KGIL_TRACE_READ_H
#define KGIL_TRACE_READ_H

#include "trace/trace_event.h"

/*
 * Fill t (zeroed by the caller) with the file's kgil_* events and the
 * sched_switch / sched_wakeup events of the threads that appear in them,
 * in timestamp order.  0 or a negative errno (-ENOENT: no such file,
 * -EINVAL: not a trace.dat, -ENOMEM).
 */
int kt_read_tracedat(const char *path, struct kt_trace *t);

#endif
