/* SPDX-License-Identifier: GPL-2.0 */
/* The little JSON the trace report and export write. */
#ifndef KGIL_TRACE_JSON_H
#define KGIL_TRACE_JSON_H

#include <stdio.h>

/* s as a JSON string literal, quotes included. */
void kt_json_str(FILE *f, const char *s);

#endif
