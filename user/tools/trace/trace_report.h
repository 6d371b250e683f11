/* SPDX-License-Identifier: GPL-2.0 */
/* `kgil trace report`: the analysis as a text table or as JSON. */
#ifndef KGIL_TRACE_REPORT_H
#define KGIL_TRACE_REPORT_H

#include <stdio.h>

#include "trace/trace_analysis.h"

void kt_report_text(FILE *f, const struct kt_trace *t, struct kt_analysis *a);
void kt_report_json(FILE *f, const struct kt_trace *t, struct kt_analysis *a);

#endif
