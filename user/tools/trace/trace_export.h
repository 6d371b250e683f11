/* SPDX-License-Identifier: GPL-2.0 */
/* `kgil trace export`: Chrome / Perfetto trace-event JSON. */
#ifndef KGIL_TRACE_EXPORT_H
#define KGIL_TRACE_EXPORT_H

#include <stdio.h>

#include "trace/trace_analysis.h"

/*
 * One process per domain, one track per thread, holds / waits / I/O as
 * complete ("X") slices, failed attempts, drop requests and owner deaths
 * as instants, handoffs as flow arrows from the releaser to the receiver.
 */
void kt_export_chrome(FILE *f, const struct kt_analysis *a);

#endif
